/**
 * A real coordinator OS process (`fedcredit coordinator --insecure`) for tests where the process
 * boundary is the point: signals (SIGTERM, SIGKILL) and restarts on the same state dir and port,
 * with clients that must re-attach on their own.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { ControlClient } from '../client/control-client.ts';
import type { JobStatus__Output } from '../proto/generated/fedcredit/v1/JobStatus.ts';
import { BIN, ROOT } from './helpers.ts';

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** A running coordinator process. */
export interface CoordinatorProcess {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output: () => string;
  /** Resolves with its exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The arguments of `fedcredit coordinator --insecure` on `port` with `stateDir`. */
function coordinatorArgs(port: number, stateDir: string, extra: string[]): string[] {
  return ['coordinator', '--insecure', '--port', String(port), '--state-dir', stateDir, '--heartbeat-timeout-ms', '3000', '--log-level', 'error', ...extra];
}

/** Follows a spawned coordinator's output; resolves once it prints `ready` (rejects if it exits first). */
function follow(child: ChildProcess, ready: string): { process: Promise<CoordinatorProcess>; output: () => string } {
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const process = new Promise<CoordinatorProcess>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(ready)) resolve({ child, output: () => out, exited });
    });
    void exited.then(({ code, signal }) => reject(new Error(`coordinator exited (${code ?? signal}) before printing "${ready}": ${out}`)));
  });
  return { process, output: () => out };
}

/** Starts `fedcredit coordinator --insecure` on `port` and resolves once it listens. */
export function startCoordinatorProcess(port: number, stateDir: string, extra: string[] = []): Promise<CoordinatorProcess> {
  const child = spawn(process.execPath, [BIN, ...coordinatorArgs(port, stateDir, extra)], { stdio: ['ignore', 'pipe', 'pipe'] });
  return follow(child, 'coordinator listening').process;
}

/** A coordinator process loaded ahead of time (test/coordinator-spare.mjs), started on demand. */
export interface SpareCoordinator {
  /** Resolves once the spare has loaded its modules. */
  warm: Promise<unknown>;
  /** Tells the spare to start; resolves once it listens. */
  start(): Promise<CoordinatorProcess>;
  /** Kills the spare if it never started. */
  discard(): void;
}

/**
 * Spawns a spare coordinator for `port` and `stateDir` that loads everything and then waits: a
 * restart with it takes a fraction of a second instead of the seconds of loading modules.
 */
export function spareCoordinator(port: number, stateDir: string, extra: string[] = []): SpareCoordinator {
  const child = spawn(process.execPath, [path.join(ROOT, 'test', 'coordinator-spare.mjs'), ...coordinatorArgs(port, stateDir, extra)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const warm = follow(child, 'warm\n').process;
  const listening = follow(child, 'coordinator listening').process;
  warm.catch(() => undefined);
  listening.catch(() => undefined);
  let started = false;
  return {
    warm,
    start: async () => {
      await warm;
      started = true;
      child.stdin!.end('go\n');
      return listening;
    },
    discard: () => {
      if (!started) child.kill('SIGKILL');
    },
  };
}

/**
 * A job's status, retrying while the coordinator is unreachable (it may be restarting) for up to
 * `retryMs`. Each attempt has a connection of its own: one shared with channels to a coordinator
 * that was killed would wait out gRPC's reconnect backoff (a second or more).
 */
export async function statusOf(address: string, jobId: string, retryMs = 15_000): Promise<JobStatus__Output> {
  const end = Date.now() + retryMs;
  for (;;) {
    const control = new ControlClient(address, { channel: { 'grpc.use_local_subchannel_pool': 1 } });
    try {
      return await control.status(jobId, 10_000);
    } catch (err) {
      if ((err as { code?: number }).code !== 14 || Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      control.close();
    }
  }
}
