/**
 * fedcredit: privacy-preserving federated training of credit-risk models.
 *
 *     import { startCoordinator, createParticipant, ControlClient, simulate } from 'fedcredit';
 *
 * The main entry points are re-exported here; each area has its own sub-path with more:
 * `fedcredit/coordinator`, `fedcredit/participant`, `fedcredit/client`, `fedcredit/sim`,
 * `fedcredit/trust`, `fedcredit/core`, `fedcredit/privacy`, `fedcredit/secagg`.
 */
export { startCoordinator } from './coordinator/index.ts';
export type { CoordinatorHandle, CoordinatorOptions } from './coordinator/index.ts';
// Named modules rather than the participant index: the root's type declarations stay free of
// tfjs types (whose own declarations need skipLibCheck); custom models come from
// `fedcredit/participant`.
export { createParticipant, createParticipantHandler } from './participant/create.ts';
export type { Participant, ParticipantOptions } from './participant/create.ts';
export type { Mod, TaskHandler } from './participant/handler.ts';
export { loadSchemaFile, loadTable } from './participant/data/load.ts';
export { loadTableFromPostgres } from './participant/data/postgres-source.ts';
export type { PostgresSourceOptions } from './participant/data/postgres-source.ts';
export { initBackend } from './participant/trainer/backend.ts';
export { ControlClient, InvalidJobError } from './client/index.ts';
export type { ControlOptions, JobEvent, JobInput, JobStatus, SchemaInput } from './client/index.ts';
export { simulate } from './sim/index.ts';
export type { SimulatedParty, SimulateOptions, SimulationResult } from './sim/index.ts';
export { createLogger } from './platform/log.ts';
export type { Level, LogFormat, Logger, LogOutput } from './platform/log.ts';
export * from './core/index.ts';
