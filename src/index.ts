// Public API of semantic-gps. This file only re-exports.
export { ready, backendInfo, BACKEND_ENV, type BackendInfo, type BackendName } from "./backend";
export type { TensorInput } from "./internal/validate";
export type { Reduction } from "./internal/reduction";
export { pairwiseDistance, type PairwiseDistanceOptions } from "./distances/pairwiseDistance";
export { normalize, type NormalizeOptions } from "./distances/normalize";
export { tripletMarginLoss, type TripletMarginLossOptions } from "./losses/tripletMarginLoss";
