/**
 * `fedcredit/scoring`: using a trained model outside the consortium — writing and loading a saved
 * model package, scoring applicants with points and reason codes, and the scoring service.
 */
export { writeModelPackage, packageMetadata } from './package-write.ts';
export type { ModelPackageInput, PackageMetrics, WrittenPackage } from './package-write.ts';
export { loadModelPackage, readPackageMetadata } from './package-load.ts';
export type { ModelPackage, PackagedModel } from './package-load.ts';
export { featureEncodings, FeatureEncodingSchema, METADATA_JSON, ModelMetadataSchema, modelInputNames, PACKAGE_FORMAT_VERSION } from './package-format.ts';
export type { FeatureEncoding, ModelMetadata } from './package-format.ts';
export { DEFAULT_REASONS, encodeApplicants, scoreApplicants, scoreCsvFile, scoreProbabilities } from './score.ts';
export type { ApplicantScore, ReasonCode, ScoreApplicantsOptions, ScoreResult } from './score.ts';
export { applicantSchema, applicantsFromObjects, readApplicantsCsv, scoreRequestSchema } from './applicants.ts';
export type { Applicants } from './applicants.ts';
export { denseAttributions, logitOf, treeAttributions } from './attribution.ts';
export type { Attributions } from './attribution.ts';
export { formatScoresCsv, scoreSummaryLine } from './scores-csv.ts';
export { startScoringService } from './service.ts';
export type { ScoringService, ScoringServiceOptions } from './service.ts';
export { writeHeldOutRows } from './holdout.ts';
export type { HeldOutRows, MemberFile } from './holdout.ts';
export { exportModel, fedcreditVersion, logisticScorecard } from './export/exports.ts';
export type { ExportFormat, ExportOptions, ExportResult } from './export/exports.ts';
export { readExportPackage } from './export/model-package.ts';
export type { DenseLayer, ExportPackage } from './export/model-package.ts';
export { exportOnnx, ONNX_EXPORT_FORMAT, ONNX_IR_VERSION, ONNX_OPSET } from './export/onnx-model.ts';
export type { OnnxExportOptions } from './export/onnx-model.ts';
export { ONNX_INPUT, ONNX_LOGIT, ONNX_PROBABILITY, onnxInputColumns, onnxInputRows } from './export/onnx-input.ts';
export { modelCard } from './export/model-card.ts';
export type { CardBlock, CardSection, ModelCard } from './export/model-card.ts';
export { escapeHtml, modelCardHtml, modelCardMarkdown, renderModelCard } from './export/model-card-render.ts';
export type { CardFormat } from './export/model-card-render.ts';
