/**
 * A real coordinator OS process (`fedcredit coordinator --insecure`) for tests where the process
 * boundary is the point: signals (SIGTERM, SIGKILL) and restarts on the same state dir and port,
 * with clients that must re-attach on their own.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Control } from '../cli/control-client';
import type { JobStatus__Output } from '../proto/generated/fedcredit/v1/JobStatus';
import { BIN } from './helpers';

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

/** Starts `fedcredit coordinator --insecure` on `port` and resolves once it listens. */
export function startCoordinatorProcess(port: number, stateDir: string, extra: string[] = []): Promise<CoordinatorProcess> {
  const child = spawn(process.execPath, [BIN, 'coordinator', '--insecure', '--port', String(port), '--state-dir', stateDir, '--heartbeat-timeout-ms', '3000', '--log-level', 'error', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('coordinator listening')) resolve({ child, output: () => out, exited });
    });
    void exited.then(({ code, signal }) => reject(new Error(`coordinator exited (${code ?? signal}) before listening: ${out}`)));
  });
}

/**
 * A job's status, retrying while the coordinator is unreachable (it may be restarting; a channel
 * to a restarted server may still be backing off) for up to `retryMs`.
 */
export async function statusOf(address: string, jobId: string, retryMs = 15_000): Promise<JobStatus__Output> {
  const end = Date.now() + retryMs;
  for (;;) {
    const control = new Control(address);
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
