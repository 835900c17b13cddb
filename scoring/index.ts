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
