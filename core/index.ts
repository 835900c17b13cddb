/**
 * `fedcredit/core`: the pure core a user builds on — job and schema definitions, strategies
 * (and the types to write one's own), data validation and the schema digest. Differential
 * privacy accounting is `fedcredit/privacy`; secure-aggregation primitives are `fedcredit/secagg`.
 * Gradient-boosted trees (binning, histograms, split finding, the centralized reference trainer,
 * the federated trainer over a sum port) come from core/trees.
 */
export { JobSpecSchema, StrategySpecSchema } from './job.ts';
export type { JobSpec, StrategySpec } from './job.ts';
export { DataSchemaSchema, inputDim } from './data/schema.ts';
export type { DataSchema } from './data/schema.ts';
export type { Table } from './data/table.ts';
export { subsetTable, validateTable } from './data/table.ts';
export { TableBuilder } from './data/table-builder.ts';
export type { TableBuilderOptions } from './data/table-builder.ts';
export { DataError } from './data/errors.ts';
export { schemaDigest } from './data/schema-digest.ts';
export { createStrategy, initialStrategyState, meanDelta } from './strategy/strategy.ts';
export type { AggregateInput, Strategy, StrategyFactory, StrategyRegistry, StrategyState } from './strategy/strategy.ts';
export type { RoundRecord } from './round/engine.ts';
export type { ScoreHistogram } from './metrics/histogram.ts';
export { CoreInputError } from './types.ts';
export type { Contribution, Rng } from './types.ts';
export { seededRng, deriveSeed } from './random.ts';
export { glorotInitialWeights, ModelRegistryError, registerModelArchitecture } from './model/registry.ts';
export type { ModelArchitecture } from './model/registry.ts';
export { initialWeights, modelLayout } from './model/layout.ts';
export { ModelSpecSchema, modelName } from './job.ts';
export type { ModelSpec } from './job.ts';
export type { Layout } from './types.ts';
export { uniform01 } from './random.ts';
export { canonicalId, canonicalizeIds } from './psi/ids.ts';
export type { IdCanonicalization, IdReport } from './psi/ids.ts';
export { computingParties, isVerticalJob, partiesOf, VerticalJobSpecSchema } from './vertical/spec.ts';
export type { VerticalJobSpec } from './vertical/spec.ts';
export { runVerticalJob, VerticalJobError } from './vertical/run-job.ts';
export type { VerticalEvent, VerticalOutcome, VerticalRunDeps } from './vertical/run-job.ts';
export { verticalGuaranteeText } from './vertical/guarantee.ts';
export type { Envelope, VerticalHandler, VerticalReply, VerticalTask } from './vertical/messages.ts';
export { binColumns, binIndex, edgesFromCounts, gridCounts, linearGrid, numBins, quantileEdges } from './trees/bins.ts';
export type { BinnedData } from './trees/bins.ts';
export { buildHistogram, histogramLayout, subtractHistogram, sumHistograms } from './trees/histogram.ts';
export type { HistogramLayout } from './trees/histogram.ts';
export { bestSplit, leafWeight, splitGain, TIE_TOLERANCE } from './trees/split.ts';
export type { Split, SplitParams } from './trees/split.ts';
export { predictTree } from './trees/tree.ts';
export { growTree, levelHistograms } from './trees/grow.ts';
export { LevelGrower } from './trees/level-grower.ts';
export type { LevelRequest, PartialTree } from './trees/level-grower.ts';
export type { Tree, TreeParams } from './trees/tree.ts';
export { predictMargin, trainBoosted } from './trees/boost.ts';
export type { BoostedModel, BoostOptions } from './trees/boost.ts';
export { federatedBinEdges, plainHistogramSum, trainFederatedBoosted } from './trees/federated.ts';
export { treeColumns, treeFeatureNames } from './trees/features.ts';
export { ALL_VALUES, BOOSTED_FORMAT, boostedMargins, packBoosted, unpackBoosted } from './trees/model-pack.ts';
export type { ScoringModel, ScoringTree } from './trees/model-pack.ts';
export { BoostedModelJsonSchema, boostedFromJson, boostedToJson } from './trees/model-json.ts';
export type { BoostedModelJson } from './trees/model-json.ts';
export type { FederatedMember, HistogramSum } from './trees/federated.ts';
export { DEFAULT_POINTS_SCALING, PointsScalingSchema, pointsFactors, pointsOf, pointsOfLogit } from './scorecard/points.ts';
export type { PointsScaling } from './scorecard/points.ts';
export { DEFAULT_BIN_EDGES_STD, scorecardTable, untransform } from './scorecard/table.ts';
export type { LinearModel, NumericPoints, Scorecard, ScorecardOptions, ScorecardRow } from './scorecard/table.ts';
export { renderScorecard, scorecardCsv, scorecardJson, scorecardMarkdown } from './scorecard/render.ts';
export type { ScorecardFormat } from './scorecard/render.ts';
