/**
 * `fedcredit/participant`: run a participant node beside your data — load and validate the CSV
 * against the schema, assemble the handler chain (policy, schema check, secure aggregation with
 * the release guard, DP with the node's ledger), and join a coordinator. Mods wrap the chain to
 * add behaviour without forking the trainer.
 */
export { createParticipant, createParticipantHandler, ParticipantSetupError } from './create.ts';
export type { Participant, ParticipantHandler, ParticipantHandlerOptions, ParticipantOptions } from './create.ts';
export { chain, errorToRefusalMod, schemaCheckMod } from './handler.ts';
export type { HandlerResult, Mod, ParsedTask, TaskHandler } from './handler.ts';
export { loadSchemaFile, loadTable, inferSchemaFromFile, parseSchemaJson } from './data/load.ts';
export { loadPolicy, parsePolicyJson, PolicySchema, policyWarnings } from './policy.ts';
export type { Policy } from './policy.ts';
export { FleetRefusedError, ParticipantNode } from './node.ts';
export type { NextTaskMode, NodeOptions } from './node.ts';
export { initBackend, BACKEND_ENV } from './trainer/backend.ts';
export type { BackendInfo, BackendName } from './trainer/backend.ts';
export type { LocalMetricsSink } from './local-handler.ts';
export { registerModel } from './trainer/custom-model.ts';
export type { TrainableModel } from './trainer/custom-model.ts';
export { trainLocal } from './trainer/train.ts';
export { predictScores } from './trainer/predict.ts';
export { saveWeightsAsModel, loadModelDir } from './trainer/save.ts';
export { boostedScores } from './trees/boosting-tasks.ts';
export { boostLocally, localEdges } from './trees/local-boosting.ts';
export { loadMemberModel, readValueReport, valueReportPath } from './personal/store.ts';
export type { StoredModelMeta, ValueReport } from './personal/store.ts';
export { intersectPair } from './psi/intersect.ts';
export type { IntersectOptions, IntersectResult } from './psi/intersect.ts';
export { PsiPool } from './psi/pool.ts';
export { createVerticalNode, VERTICAL_SCHEMA_DIGEST } from './vertical/create.ts';
export type { VerticalNode, VerticalNodeOptions } from './vertical/create.ts';
export { ScoringError, VerticalParty } from './vertical/party.ts';
export type { ModelPart, ReceiveHook, ScoredApplicant, ScoreOptions, ScoreResult, ScoreTransport, VerticalPartyData, VerticalPartyOptions } from './vertical/party.ts';
export { encodeRows, verticalPartyData } from './vertical/table.ts';
export type { ColumnEncoding, VerticalTableOptions } from './vertical/table.ts';
export { loadTableFromPostgres, DEFAULT_BATCH_ROWS } from './data/postgres-source.ts';
export type { PostgresConnection, PostgresLoadResult, PostgresSourceOptions } from './data/postgres-source.ts';
export { isPostgresUrl, parsePostgresUrl, quoteTableName, redactPostgresUrl } from './data/postgres-url.ts';
export type { PostgresTarget } from './data/postgres-url.ts';
export { dataSourceWarnings, describeDataSource, loadDataSource, parseDataSource } from './data/source.ts';
export type { DataSource, DataSourceFlags } from './data/source.ts';
