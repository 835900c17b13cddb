/**
 * `fedcredit/client`: the typed Control API client — submit a job, watch it as an async
 * iterator, read its status, fetch the model, cancel it, list the jobs and the participants.
 */
export { ControlClient, InvalidJobError } from './control-client.ts';
export type { ControlOptions, FetchedModel, JobEvent, JobInput, JobStatus, JobSummary, SchemaInput, VerticalJobInput, WatchOptions } from './control-client.ts';
