/**
 * Helpers for end-to-end tests: real participant OS processes (the `fedcredit participant`
 * command) talking real gRPC to a coordinator on 127.0.0.1, port 0.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeConsortium } from '../sim/synthetic/write.ts';
import type { WrittenParty } from '../sim/synthetic/write.ts';

/** Repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The CLI entry point. */
export const BIN = path.join(ROOT, 'bin', 'fedcredit.mjs');
/** The synthetic consortium's schema. */
export const SYNTHETIC_SCHEMA = path.join(ROOT, 'examples', 'synthetic', 'schema.json');

/** A temporary directory removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `fedcredit-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes the synthetic consortium (small by default) and returns the parties. */
export function syntheticParties(dir: string, scale = 0.3, seed = 5): WrittenParty[] {
  return writeConsortium(path.join(dir, 'data'), { seed, scale });
}

/** A participant process with its captured output. */
export interface ParticipantProcess {
  name: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `fedcredit participant` as a child process. */
export function startParticipant(name: string, data: string, address: string, schema = SYNTHETIC_SCHEMA, extraArgs: string[] = []): ParticipantProcess {
  // Plaintext unless the caller passes credentials: these tests run on loopback (test/trust.test.ts covers mutual TLS).
  const transport = extraArgs.includes('--credentials') ? [] : ['--insecure'];
  // Every node keeps its release history in a state dir; a test that does not name one gets a
  // fresh one, removed once the process has exited (nothing else knows its path).
  const ownState = extraArgs.includes('--state-dir') ? undefined : mkdtempSync(path.join(os.tmpdir(), `fedcredit-node-${name}-`));
  const state = ownState ? ['--state-dir', ownState] : [];
  const child = spawn(process.execPath, [BIN, 'participant', '--coordinator', address, '--name', name, '--data', data, '--schema', schema, '--log-level', 'info', ...transport, ...state, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  // 'close', not 'exit': a process's output may still be in its pipes when it exits.
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      if (ownState) rmSync(ownState, { recursive: true, force: true });
      resolve(code);
    }),
  );
  return { name, child, output: () => out, exited };
}

/** Stops participant processes and waits for them to exit. */
export async function stopAll(ps: ParticipantProcess[]): Promise<void> {
  for (const p of ps) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  await Promise.all(ps.map((p) => Promise.race([p.exited, new Promise((r) => setTimeout(r, 5000))])));
  for (const p of ps) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
}

/** Runs the CLI to completion; resolves with exit code and output. */
export function runCli(args: string[], timeoutMs = 180_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    // 'close', not 'exit': a process's output may still be in its pipes when it exits.
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Reads a JSON-lines file. */
export function readJsonLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
