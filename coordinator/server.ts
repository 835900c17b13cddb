/**
 * Assembles a coordinator: fleet registry, job manager, Fleet and Control services on one gRPC
 * server. `startCoordinator` binds (port 0 = any free port) and returns a handle to stop it.
 */
import * as grpc from '@grpc/grpc-js';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { channelOptions, loadProto } from '../proto/load.ts';
import { widenServerWindows } from '../proto/flow-control.ts';
import { AUDIT_LOG_FILE, AuditLog, auditJoins } from './audit-log.ts';
import { controlHandlers } from './control-service.ts';
import { CoreInputError } from '../core/types.ts';
import { FleetGrid, defaultHeartbeatIntervalMs } from './fleet-grid.ts';
import { fleetHandlers } from './fleet-service.ts';
import { JobManager } from './jobs.ts';
import type { JobLimits } from './job-queue.ts';
import { createLogger } from '../platform/log.ts';
import type { Level, Logger } from '../platform/log.ts';
import { MessageRecorder } from './recorder.ts';
import { FleetAuth } from './fleet-auth.ts';
import { guardControl, operatorOf } from './operator-auth.ts';
import type { Roster } from '../trust/format.ts';
import type { StrategyRegistry } from '../core/strategy/strategy.ts';
import { memberKeys } from '../trust/format.ts';
import type { TlsMaterial } from '../trust/tls.ts';
import { serverCredentials } from '../trust/tls.ts';
import { acceptedTokens } from './dashboard-auth.ts';
import { startDashboard } from './dashboard-server.ts';
import type { DashboardHandle } from './dashboard-server.ts';

/** Coordinator settings. */
export interface CoordinatorOptions {
  host?: string;
  port: number;
  stateDir: string;
  maxMessageBytes?: number;
  /** How often nodes send heartbeats; default a fifth of `heartbeatTimeoutMs` (2 s for the default 10 s). */
  heartbeatIntervalMs?: number;
  /** A participant silent this long is considered gone (default 10 s). */
  heartbeatTimeoutMs?: number;
  recordMessages?: string;
  logLevel?: Level;
  logger?: Logger;
  /**
   * Mutual TLS (trust/tls.ts): the consortium CA, the coordinator's certificate and key. Every
   * client must present a certificate of that CA. Without it the coordinator speaks plaintext
   * (the CLI allows that only with --insecure) and logs a warning.
   */
  tls?: TlsMaterial;
  /**
   * The consortium roster (trust/format.ts): only its members may join, every Fleet message must
   * be signed by the member's identity key, secure sums run with signed key adverts and the
   * consistency check, and Control calls need an operator token it lists. Without it anyone
   * may join (test networks only).
   */
  roster?: Roster;
  /** Bounds of the job queue and of the finished jobs kept in memory (defaults: coordinator/job-queue.ts). */
  jobLimits?: JobLimits;
  /** User-defined strategies jobs may name (`strategy: { type: "custom", name }`). */
  strategies?: StrategyRegistry;
  /**
   * Serve the read-only dashboard (coordinator/dashboard-server.ts) on this port (0 = any free
   * one) and interface (default 127.0.0.1). It opens with the roster's operator tokens — the
   * Control API's — and with `token` when given; a coordinator without either cannot start it.
   */
  dashboard?: { port: number; host?: string; token?: string };
}

/** A running coordinator. */
export interface CoordinatorHandle {
  port: number;
  address: string;
  jobs: JobManager;
  grid: FleetGrid;
  /** The audit log, `<state-dir>/audit.jsonl` (coordinator/audit-log.ts). */
  audit: AuditLog;
  /** The dashboard, when started with `dashboard`. */
  dashboard?: DashboardHandle;
  /**
   * Stops the coordinator: the running job is paused (left resumable, status RUNNING) and queued
   * jobs stay queued — the next start on the same state dir resumes them — then the server closes.
   */
  stop(): Promise<void>;
}

/** Starts a coordinator and resolves once it listens. */
export async function startCoordinator(opts: CoordinatorOptions): Promise<CoordinatorHandle> {
  const log = opts.logger ?? createLogger('coordinator', opts.logLevel ?? 'info');
  // A dashboard no token could open is refused before anything starts.
  const dashboardTokens = opts.dashboard ? acceptedTokens(opts.roster?.operators ?? [], opts.dashboard.token) : undefined;
  // So are heartbeats that could not keep a node alive: at least one must fall within the timeout.
  const heartbeatTimeoutMs = opts.heartbeatTimeoutMs ?? 10_000;
  const heartbeatIntervalMs = opts.heartbeatIntervalMs ?? defaultHeartbeatIntervalMs(heartbeatTimeoutMs);
  if (!(heartbeatIntervalMs > 0 && heartbeatIntervalMs < heartbeatTimeoutMs)) {
    throw new CoreInputError(`heartbeatIntervalMs must be positive and below heartbeatTimeoutMs (${heartbeatTimeoutMs}), got ${heartbeatIntervalMs}`, 'heartbeatIntervalMs');
  }
  mkdirSync(opts.stateDir, { recursive: true });
  // Audit log first: a log that does not verify stops the start-up before anything runs.
  const audit = AuditLog.open(path.join(opts.stateDir, AUDIT_LOG_FILE), { log });
  const grid = new FleetGrid({
    heartbeatIntervalMs,
    heartbeatTimeoutMs,
    onLeave: (name, reason) => {
      try {
        audit.participantLeft(name, reason);
      } catch (e) {
        log.error('audit log: participant-left not recorded', { participant: name, error: (e as Error).message });
      }
    },
  });
  const jobs = new JobManager(grid, opts.stateDir, log, { audit, ...(opts.jobLimits ? { limits: opts.jobLimits } : {}), ...(opts.strategies ? { strategies: opts.strategies } : {}) });
  if (opts.roster) jobs.memberKeys = memberKeys(opts.roster);
  if (!opts.tls) log.warn('plaintext transport: no TLS, so anyone on the network path can read and alter every message (test networks only; see fedcredit certs)');
  if (!opts.roster) log.warn('no roster: any node may join and the Control API is open (test networks only)');
  const recorder = opts.recordMessages ? new MessageRecorder(opts.recordMessages) : undefined;
  const proto = loadProto();
  const server = new grpc.Server(channelOptions(opts.maxMessageBytes));
  server.addService(proto.fedcredit.v1.Fleet.service, auditJoins(fleetHandlers(grid, log, recorder, new FleetAuth(opts.roster), (id) => jobs.vertical.get(id)), grid, audit, log, opts.roster !== undefined));
  server.addService(proto.fedcredit.v1.Control.service, guardControl(controlHandlers(jobs, grid, operatorOf), opts.roster, log));
  const host = opts.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${opts.port}`, opts.tls ? serverCredentials(opts.tls) : grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  )
    .then((p) => {
      if (!widenServerWindows(server)) log.warn('could not widen the HTTP/2 flow-control windows of this grpc-js server: large messages cross long links at 64 KiB per round trip');
      audit.coordinatorStarted(`${host}:${p}`);
      return p;
    })
    .catch((err: unknown) => {
      server.forceShutdown();
      grid.close();
      audit.close();
      throw err;
    });
  log.info('coordinator listening', { address: `${host}:${port}`, stateDir: opts.stateDir });
  let dashboard: DashboardHandle | undefined;
  if (opts.dashboard && dashboardTokens) {
    const participants = () => grid.list().map((e) => ({ name: e.name, role: e.role, connected: e.connected, lastSeenUnixMs: e.lastSeen }));
    dashboard = await startDashboard({ port: opts.dashboard.port, ...(opts.dashboard.host ? { host: opts.dashboard.host } : {}), tokens: dashboardTokens, source: { jobs, participants }, log }).catch((err: unknown) => {
      server.forceShutdown();
      grid.close();
      audit.close();
      throw err;
    });
    log.info('dashboard listening', { url: dashboard.url });
  }
  // Jobs stored by an earlier run of this coordinator: queued and running ones resume.
  jobs.resumeStored();
  return {
    port,
    address: `${host}:${port}`,
    jobs,
    grid,
    audit,
    ...(dashboard ? { dashboard } : {}),
    stop: async () => {
      await dashboard?.stop();
      // The running job is paused, not failed: the next start resumes it, as after a crash.
      await jobs.pause('the coordinator is stopping');
      await new Promise<void>((resolve) => {
        grid.close();
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000).unref();
      });
      audit.close();
    },
  };
}
