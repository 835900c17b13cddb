/**
 * A real coordinator OS process (`fedcredit coordinator`) for tests where the process boundary is
 * the point: signals (SIGTERM, SIGKILL) and restarts on the same state dir and port, with clients
 * that must re-attach on their own. The round benchmark runs its coordinators this way too, as a
 * consortium does, so that they do not share the nodes' process.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
  /** host:port from its "coordinator listening on" line. */
  address: string;
  /** Everything it wrote to stdout and stderr so far. */
  output: () => string;
  /** Resolves with its exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** How a coordinator process is started, beyond its port and state dir. */
export interface CoordinatorProcessOptions {
  /** Interface to listen on (default: the CLI's, 127.0.0.1). */
  host?: string;
  /** Default 3000 ms: the signal and restart tests want a lost node noticed quickly. */
  heartbeatTimeoutMs?: number;
  /** A coordinator credentials directory (fedcredit certs layout): mutual TLS and the roster. Default: plaintext (`--insecure`). */
  credentials?: string;
  /** Flags for node itself, before the CLI's path (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
}

/** The arguments of `fedcredit coordinator` on `port` with `stateDir`. */
function coordinatorArgs(port: number, stateDir: string, extra: string[], o: CoordinatorProcessOptions = {}): string[] {
  return [
    'coordinator', ...(o.credentials ? ['--credentials', o.credentials] : ['--insecure']), '--port', String(port), '--state-dir', stateDir,
    ...(o.host !== undefined ? ['--host', o.host] : []), '--heartbeat-timeout-ms', String(o.heartbeatTimeoutMs ?? 3000), '--log-level', 'error', ...extra,
  ];
}

/** The line a coordinator prints once it listens, complete with its address. */
const LISTENING = /coordinator listening on (\S+)\n/;

/** Follows a spawned coordinator's output; resolves once it prints `ready` (rejects if it exits first). */
function follow(child: ChildProcess, ready: string | RegExp): { process: Promise<CoordinatorProcess>; output: () => string } {
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const process = new Promise<CoordinatorProcess>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (typeof ready === 'string' ? out.includes(ready) : ready.test(out)) resolve({ child, address: LISTENING.exec(out)?.[1] ?? '', output: () => out, exited });
    });
    void exited.then(({ code, signal }) => reject(new Error(`coordinator exited (${code ?? signal}) before printing "${String(ready)}": ${out}`)));
  });
  return { process, output: () => out };
}

/** Starts `fedcredit coordinator` on `port` (0: any free one) and resolves once it listens. */
export function startCoordinatorProcess(port: number, stateDir: string, extra: string[] = [], o: CoordinatorProcessOptions = {}): Promise<CoordinatorProcess> {
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), BIN, ...coordinatorArgs(port, stateDir, extra, o)], { stdio: ['ignore', 'pipe', 'pipe'] });
  return follow(child, LISTENING).process;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stopCoordinatorProcess(c: CoordinatorProcess, graceMs = 10_000): Promise<void> {
  if (c.child.exitCode !== null || c.child.signalCode !== null) return;
  c.child.kill('SIGTERM');
  const killer = setTimeout(() => c.child.kill('SIGKILL'), graceMs);
  await c.exited;
  clearTimeout(killer);
}

/** Resident memory of process `pid` in bytes (Linux /proc), or undefined where that cannot be read. */
export function processRss(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Linux's USER_HZ: /proc reports CPU time in ticks of 1/100 s on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) process `pid` — or only its thread `thread` (a Linux thread id; the main thread's is the pid) — has used so far (Linux /proc), or undefined where that cannot be read. */
export function processCpuSeconds(pid: number, thread?: number): number | undefined {
  try {
    const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
    // The fields after the parenthesized command name start with field 3 (state); utime is 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
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
  const listening = follow(child, LISTENING).process;
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
