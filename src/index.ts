// Public API of semantic-gps. This file only re-exports.
export { ready, backendInfo, BACKEND_ENV, WASM_KERNELS_FLAG, type BackendInfo, type BackendName } from "./backend";
export type { TensorInput } from "./internal/validate";
export type { Reduction } from "./internal/reduction";
export { pairwiseDistance, type PairwiseDistanceOptions } from "./distances/pairwiseDistance";
export { normalize, type NormalizeOptions } from "./distances/normalize";
export { cdist, type CdistOptions } from "./distances/cdist";
export { cosineSimilarity, cosineSimilarityMatrix, type CosineSimilarityOptions } from "./distances/cosineSimilarity";
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
export { tripletLoss, type TripletLossOptions } from "./losses/tripletLoss";
export { ntXentLoss, type NtXentLossOptions } from "./losses/ntXentLoss";
export { supConLoss, type SupConLossOptions } from "./losses/supConLoss";
export { multiSimilarityLoss, type MultiSimilarityLossOptions } from "./losses/multiSimilarityLoss";
export { circleLoss, type CircleLossOptions } from "./losses/circleLoss";
export {
  LossExplanation,
  EASY_PROBABILITY,
  EXPLAIN_ROWS_SHOWN,
  MAX_EXPLAINED_ELEMENTS,
  type Category as ExplainCategory,
  type ExplainedElement,
  type ExplainTableOptions,
  type ExplanationCounts,
  type TripletRow,
  type PairRow,
  type AnchorRow,
} from "./losses/explain";
export { asLayersLoss, layersTargets, type LabelBasedLoss, type LayersLossFunction } from "./losses/asLayersLoss";
// end pytorch-metric-learning
export { tripletMarginLoss, type TripletMarginLossOptions } from "./losses/tripletMarginLoss";
export { tripletMarginWithDistanceLoss, type TripletMarginWithDistanceLossOptions, type RowDistanceFunction } from "./losses/tripletMarginWithDistanceLoss";
export { cosineEmbeddingLoss, type CosineEmbeddingLossOptions } from "./losses/cosineEmbeddingLoss";
export { marginRankingLoss, type MarginRankingLossOptions } from "./losses/marginRankingLoss";
export { crossEntropy, type CrossEntropyOptions } from "./losses/crossEntropy";
// InfoNCE family
export { infoNceLoss, type InfoNceLossOptions, type InfoNceParts, type TemperatureInput, type TemperatureOptions } from "./losses/infoNceLoss";
export { clipInfoNceLoss, type ClipInfoNceLossOptions, type ClipInfoNceParts } from "./losses/clipInfoNceLoss";
export { multipleNegativesRankingLoss, type MultipleNegativesRankingLossOptions, type MultipleNegativesRankingParts } from "./losses/multipleNegativesRankingLoss";
export { learnableTemperature, LearnableTemperature, type LearnableTemperatureOptions, CLIP_INITIAL_TEMPERATURE, CLIP_MAX_LOGIT_SCALE } from "./losses/learnableTemperature";
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
// Training data, encoder and fit (src/train), metrics and diagnostics (src/eval).
export { loadMagicLibrary, loadTutorialVectors, loadWords, dataDir, type MagicLibrary, type LabelledTexts, type Split, type TutorialVectors, type WordLists, type WordPair } from "./train/datasets";
export { hashFeatures, hashFeaturesSparse, sparseRows, type SparseFeatures, normalizeText, textTokens, PORTUGUESE_STOPWORDS, type HashFeatureOptions } from "./train/features";
export { createEncoder, NgramEncoder, type EncoderOptions } from "./train/encoder";
export { FusedAdam, type AdamOptions } from "./train/adam";
export { seededRandom, type SeededRandom } from "./internal/random";
export { retrievalMetrics, RetrievalReport, precisionAt1, rPrecision, mapAtR, meanAveragePrecision, meanReciprocalRank, recallAtK, PML_METRIC_NAMES, type RetrievalOptions, type RetrievalMetrics, type KnnDistance } from "./eval/retrieval";
export { pcaFit, pca, type Pca } from "./figures/pca";
// Miners, batch sampling and corpus mining
export { batchHardMiner, type BatchHardMinerOptions } from "./miners/batchHardMiner";
export { batchEasyHardMiner, type BatchEasyHardMinerOptions, type BatchStrategy } from "./miners/batchEasyHardMiner";
export { tripletMarginMiner, type TripletMarginMinerOptions, type TripletType, type SemihardVariant } from "./miners/tripletMarginMiner";
export { pairMarginMiner, type PairMarginMinerOptions } from "./miners/pairMarginMiner";
export { multiSimilarityMiner, type MultiSimilarityMinerOptions } from "./miners/multiSimilarityMiner";
export { distanceWeightedMiner, type DistanceWeightedMinerOptions } from "./miners/distanceWeightedMiner";
export { randomNegativeMiner, type RandomNegativeMinerOptions } from "./miners/randomNegativeMiner";
export {
  ZONE_DEFINITIONS,
  type MinerOptions,
  type MinerStats,
  type MinerExplainRow,
  type Mined,
  type MinedPairs,
  type MinedTriplets,
  type Zone,
  type ExplainOptions,
} from "./miners/mining";
export { CrossBatchMemory, type CrossBatchMemoryOptions, type MemoryForwardOptions, type MemoryLossOptions, type MemoryMiner } from "./miners/crossBatchMemory";
export { pkSampler, type PkSampler, type PkSamplerOptions, type SmallClassPolicy } from "./miners/pkSampler";
export { validateBatch, type BatchReport, type ValidateBatchOptions } from "./miners/validateBatch";
export {
  mineHardNegatives,
  type MineHardNegativesOptions,
  type MinedNegatives,
  type MiningSummary,
  type ScoreStats,
  type SkipCount,
  type SummaryRow,
  type NegativeSampling,
  type MinedFormat,
  type CorpusSimilarity,
} from "./miners/mineHardNegatives";
// end miners
export { alignment, uniformity, meanPairwiseDistance, dimensionSpread, effectiveRank, collapseStats, CollapseReport, type CollapseStats, type AlignmentOptions, type UniformityOptions } from "./eval/geometry";
export { diagnose, Diagnosis, type DiagnoseOptions, type DiagnoseDistance, type Finding, type Severity } from "./eval/diagnose";
export { trainingCurves, type CurveRun, type TrainingCurvesOptions } from "./figures/trainingCurves";
export { distanceHeatmap, type DistanceHeatmapOptions } from "./figures/distanceHeatmap";
export { embeddingScatter, embeddingAnimation, type EmbeddingScatterOptions, type EmbeddingAnimationOptions, type EmbeddingSnapshot } from "./figures/embeddingScatter";
export { distanceHistogram, pairDistances, MAX_PAIRS, type DistanceHistogramOptions, type PairDistanceSample } from "./figures/distanceHistogram";
export { tripletZones, type TripletZonesOptions } from "./figures/tripletZones";
export type { FigureLang } from "./figures/text";
export { fit, FitResult, ADAM_EPSILON, type FitOptions, type FitCallbacks, type MetricLossFn, type MinerFn, type TextDataset, type StepInfo, type EpochRecord, type Snapshot, type StopInfo, type ClassifierHead } from "./train/fit";
export { LiveView, finalFigure, type LiveMode, type LiveState, type LiveViewOptions, type ProgressStream } from "./train/liveView";
