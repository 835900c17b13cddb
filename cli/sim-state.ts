/**
 * The state directory of `demo` and `simulate`: the one the user names with `--state-dir` (never
 * deleted), or a fresh temporary one that is removed when the run ends — it holds the throwaway
 * test consortium's CA private key, the generated data and every log — unless `--keep-state`
 * asks to keep it, in which case the run says where it is and what it holds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { InvalidArgumentError } from 'commander';

/** A simulation's state directory and what to do with it at the end. */
export interface SimStateDir {
  /** Absolute path. */
  dir: string;
  /** True when this run made it (a temporary directory). */
  temporary: boolean;
  /** True when a temporary directory is kept at the end. */
  keep: boolean;
}

/** The state directory for a run: `explicit`, or a new temporary one named after `prefix`. */
export function openSimState(explicit: string | undefined, prefix: string, keep = false): SimStateDir {
  if (explicit !== undefined) return { dir: path.resolve(explicit), temporary: false, keep: true };
  return { dir: mkdtempSync(path.join(os.tmpdir(), `fedcredit-${prefix}-`)), temporary: true, keep };
}

/** What the run says about its state dir before it starts. */
export function describeSimState(s: SimStateDir, holdsCaKey: boolean): string {
  const holds = `data, logs and models${holdsCaKey ? ', and the test consortium\'s CA private key' : ''}`;
  if (!s.temporary) return `state in ${s.dir} (${holds}); it stays after the run`;
  if (s.keep) return `state in ${s.dir} (${holds}); kept after the run (--keep-state): delete it when done`;
  return `state in a temporary directory, ${s.dir} (${holds}); removed at the end (--keep-state keeps it)`;
}

/**
 * Ends a run's use of its state dir: removes a temporary one unless it is kept, and says so;
 * a kept one is named again with what it holds.
 */
export function closeSimState(s: SimStateDir, holdsCaKey: boolean, print: (line: string) => void): void {
  if (!s.temporary) return;
  if (s.keep) {
    print(`state kept in ${s.dir}${holdsCaKey ? `: it holds a CA private key (${path.join(s.dir, 'consortium', 'ca', 'ca.key')}) that can issue certificates for this test consortium` : ''}; delete it when done`);
    return;
  }
  rmSync(s.dir, { recursive: true, force: true });
  print(`removed the temporary state ${s.dir} (run with --keep-state to keep the logs and data)`);
}

/** `--port` and `--keep-state` for `simulate` and `demo`. */
export function addSimStateOptions(cmd: Command): Command {
  const port = (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('--port must be an integer from 0 to 65535');
    return n;
  };
  return cmd
    .addOption(new Option('--port <port>', 'TCP port of the simulated coordinator (0 = any free port)').argParser(port))
    .option('--keep-state', 'keep the temporary state dir (data, logs, models, the test CA\'s private key) instead of removing it at the end', false);
}
