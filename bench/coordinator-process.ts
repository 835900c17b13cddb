/**
 * A coordinator in an operating-system process of its own, started through the product's CLI
 * (`fedcredit coordinator`), as a consortium runs it: the benchmark's participant nodes then share
 * their process and core with each other but not with the coordinator.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'fedcredit.mjs');

/** How to start the coordinator process. */
export interface CoordinatorProcessOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  stateDir: string;
  heartbeatTimeoutMs: number;
  /** A coordinator credentials directory (fedcredit certs layout): mutual TLS and the roster. Without it: plaintext (`--insecure`). */
  credentials?: string;
  /**
   * Write V8 CPU profiles of the whole process's life into this directory when it stops (node
   * --cpu-prof): one file per thread, `CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile`; the
   * largest is the main thread's.
   */
  cpuProfileDir?: string;
  /** How long to wait for the "listening" line (default 60 s). */
  startTimeoutMs?: number;
}

/** A running coordinator process. */
export interface CoordinatorProcess {
  address: string;
  pid: number;
  /** Resident memory of the process in bytes (Linux /proc), or undefined where that cannot be read. */
  rss(): number | undefined;
  /** CPU seconds (user + system) the process has used so far (Linux /proc), or undefined where that cannot be read. */
  cpuSeconds(): number | undefined;
  /** SIGTERM, then SIGKILL after 10 s; resolves once the process has exited. */
  stop(): Promise<void>;
}

/** Starts `fedcredit coordinator` and resolves with its address once it listens. */
export function startCoordinatorProcess(o: CoordinatorProcessOptions): Promise<CoordinatorProcess> {
  const args = [
    CLI, 'coordinator', '--host', o.host, '--port', String(o.port), '--state-dir', o.stateDir,
    '--heartbeat-timeout-ms', String(o.heartbeatTimeoutMs), '--log-level', 'error',
    ...(o.credentials ? ['--credentials', o.credentials] : ['--insecure']),
  ];
  const profile = o.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfileDir}`] : [];
  const child = spawn(process.execPath, [...profile, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    stderr = (stderr + s).slice(-4000);
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  };
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`coordinator process (pid ${child.pid}) did not report its address within ${o.startTimeoutMs ?? 60_000} ms; its stderr: ${stderr.trim() || '(empty)'}`));
    }, o.startTimeoutMs ?? 60_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`coordinator process exited (${signal ?? `code ${code}`}) before listening; its stderr: ${stderr.trim() || '(empty)'}`));
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => {
      out += s;
      const m = /coordinator listening on (\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      resolve({ address: m[1]!, pid: child.pid!, rss: () => processRss(child.pid!), cpuSeconds: () => processCpuSeconds(child.pid!), stop });
    });
  });
}

function processRss(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Linux's USER_HZ: /proc reports CPU time in ticks of 1/100 s on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesized command name: state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
