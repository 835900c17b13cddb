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
export { createParticipant, createParticipantHandler, loadSchemaFile, loadTable, initBackend, registerModel } from './participant/index.ts';
export type { Mod, Participant, ParticipantOptions, TaskHandler, TrainableModel } from './participant/index.ts';
export { ControlClient, InvalidJobError } from './client/index.ts';
export type { ControlOptions, JobEvent, JobInput, JobStatus, SchemaInput } from './client/index.ts';
export { simulate } from './sim/index.ts';
export type { SimulatedParty, SimulateOptions, SimulationResult } from './sim/index.ts';
export { createLogger } from './platform/log.ts';
export type { Level, Logger } from './platform/log.ts';
export * from './core/index.ts';
