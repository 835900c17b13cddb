/**
 * `fedcredit/coordinator`: run a coordinator in your own process — the Fleet service the
 * participants pull tasks from and the Control API data scientists submit jobs to, on one gRPC
 * server, with its job store, audit log and crash resume.
 */
export { startCoordinator } from './server.ts';
export type { CoordinatorHandle, CoordinatorOptions } from './server.ts';
export { JobManager } from './jobs.ts';
export type { JobGrid, JobManagerOptions, JobRecord, CancelOutcome } from './jobs.ts';
export type { JobUpdate } from './job-reporter.ts';
export type { JobLimits } from './job-queue.ts';
export { SubmitRefusedError } from './job-queue.ts';
export { AuditLog, AuditLogError } from './audit-log.ts';
export { startDashboard } from './dashboard-server.ts';
export type { DashboardHandle, DashboardOptions } from './dashboard-server.ts';
export { acceptedTokens, DashboardConfigError } from './dashboard-auth.ts';
export type { AcceptedToken } from './dashboard-auth.ts';
export { dashboardState } from './dashboard-state.ts';
export type { DashboardSource, DashboardState } from './dashboard-state.ts';
export { clientStatus } from './client-status.ts';
