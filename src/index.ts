// Public API of semantic-gps. This file only re-exports.
export { ready, backendInfo, BACKEND_ENV, type BackendInfo, type BackendName } from "./backend";
export type { TensorInput } from "./internal/validate";
export type { Reduction } from "./internal/reduction";
export { pairwiseDistance, type PairwiseDistanceOptions } from "./distances/pairwiseDistance";
export { normalize, type NormalizeOptions } from "./distances/normalize";
export { tripletMarginLoss, type TripletMarginLossOptions } from "./losses/tripletMarginLoss";
export { Table, escapeHtml, DISPLAY_SYMBOL, type MimeBundle, type Column, type TableOptions } from "./internal/table";
export type { FigureSpec, AxisSpec, Layer, RuleSpec, BandSpec, FrameSpec } from "./figures/spec";
export { toPlotly, type PlotlyFigure } from "./figures/toPlotly";
export { toVegaLite } from "./figures/toVegaLite";
export { lineFigure, type LineFigureOptions } from "./figures/lineFigure";
export { distanceTable, type DistanceTableOptions } from "./figures/distanceTable";
export { plot, Figure, figureHtml } from "./display/figure";
export { renderSvg, vegaLiteToSvg } from "./display/render";
export { display, createDisplay, type DisplayHandle, type Displayable } from "./display/display";
export { SINK_SYMBOL, type DisplaySink } from "./display/sink";
// pytorch-metric-learning: distances, reducers, index tuples, losses
export type { Distance } from "./distances/distance";
export { LpDistance, CDIST_DIRECT_MAX_ROWS, type LpDistanceOptions } from "./distances/LpDistance";
export { CosineSimilarityDistance } from "./distances/CosineSimilarityDistance";
export { DotProductSimilarity, type DotProductSimilarityOptions } from "./distances/DotProductSimilarity";
export {
  allPairsIndices,
  allTripletsIndices,
  convertToPairs,
  convertToTriplets,
  MAX_LISTED_TRIPLETS,
  type IndexTuple,
  type IndexTupleInput,
  type PairIndices,
  type TripletIndices,
} from "./internal/indexTuples";
export { meanReducer } from "./reducers/meanReducer";
export { sumReducer } from "./reducers/sumReducer";
export { noReducer } from "./reducers/noReducer";
export { avgNonZeroReducer } from "./reducers/avgNonZeroReducer";
export { thresholdReducer, type ThresholdReducerOptions } from "./reducers/thresholdReducer";
export { perAnchorReducer, type PerAnchorReducerOptions } from "./reducers/perAnchorReducer";
export type { Reducer, ReducerFilter, ReductionInfo, ReductionKind } from "./reducers/reducer";
export type { MetricLossOptions } from "./losses/metricLossInputs";
export { contrastiveLoss, type ContrastiveLossOptions } from "./losses/contrastiveLoss";
// end pytorch-metric-learning
