/**
 * `fedcredit demo` (what `npm run demo` runs): writes the seeded synthetic consortium (an
 * e-commerce platform, two banks, customs) to a working directory and runs it through
 * `simulate`, printing per-round metrics and the federated / centralized / local-only table.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeMembers, DEFAULT_SEED } from '../sim/synthetic/write.ts';
import { printInProcessReport, simulateInProcess } from './simulate-in-process.ts';
import { loadJobFile } from './job-file.ts';
import { UsageError } from './errors.ts';
import { closeSimState, openSimState } from './sim-state.ts';
import { renderReport } from './report.ts';
import { simulate } from './simulate.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Options of the demo command. */
export interface DemoOptions {
  job?: string;
  schema?: string;
  rounds?: number;
  aggregation?: 'secagg' | 'plain';
  seed?: number;
  scale: number;
  /** Split the consortium into this many institutions (default 4: platform, two banks, customs). */
  members?: number;
  /** Run every member in this process (sim/simulate.ts) instead of one process each. */
  inProcess?: boolean;
  stateDir?: string;
  out?: string;
  json: boolean;
  /** TCP port of the simulated coordinator (default 0: any free port). */
  port?: number;
  /** Keep the temporary state dir (data, logs, the test CA's key) at the end. */
  keepState?: boolean;
  /** Also write the job's HTML report here. */
  report?: string;
}

/** Generates the consortium and simulates the demo job. */
export async function demoCommand(o: DemoOptions): Promise<void> {
  const print = o.json ? (l: string) => process.stderr.write(l + '\n') : (l: string) => process.stdout.write(l + '\n');
  const loaded = loadJobFile(o.job ?? path.join(ROOT, 'examples', 'synthetic', 'job-dp.json'), o.schema, {
    ...(o.rounds ? { rounds: o.rounds } : {}),
    ...(o.aggregation ? { aggregation: o.aggregation } : {}),
  });
  if (o.inProcess && o.port !== undefined) throw new UsageError('--port sets the port of the coordinator process; --in-process runs none');
  // The simulation closes the state dir (removes a temporary one unless --keep-state) when it ends.
  const state = openSimState(o.stateDir, 'demo', o.keepState);
  const stateDir = state.dir;
  let written: ReturnType<typeof writeMembers>;
  try {
    written = writeMembers(path.join(stateDir, 'data'), { seed: o.seed ?? DEFAULT_SEED, scale: o.scale, members: o.members ?? 4 });
  } catch (err) {
    closeSimState(state, false, print);
    throw err;
  }
  print(`synthetic consortium written to ${path.join(stateDir, 'data')}:`);
  const shown = written.length <= 12 ? written : [...written.slice(0, 8), ...written.slice(-2)];
  for (const w of shown) print(`  ${w.name.padEnd(12)} ${String(w.rows).padStart(5)} rows, default rate ${(100 * w.defaultRate).toFixed(1)}%${w === shown[7] && shown.length < written.length ? `\n  … ${written.length - 10} more` : ''}`);
  const dp = loaded.job.privacy.mode === 'record' ? `, record-level DP (${loaded.job.privacy.epsilon !== undefined ? `ε = ${loaded.job.privacy.epsilon}` : `z = ${loaded.job.privacy.noiseMultiplier}`} at δ = ${loaded.job.privacy.delta})` : ', no DP';
  print(`job: ${loaded.job.name}: ${loaded.job.model.type}, ${loaded.job.rounds} rounds, strategy ${loaded.job.strategy.type}, aggregation ${loaded.job.aggregation}${dp}`);
  const parties = written.map((w) => ({ name: w.name, file: w.path }));
  if (o.inProcess) {
    printInProcessReport(await simulateInProcess({ loaded, parties, state, print, ...(o.seed !== undefined ? { seed: o.seed } : {}), ...(o.out ? { outDir: o.out } : {}), ...(o.report ? { reportFile: o.report } : {}) }), o.json, print);
    return;
  }
  const report = await simulate({ loaded, parties, state, outDir: o.out, json: o.json, print, ...(o.port !== undefined ? { port: o.port } : {}), ...(o.report ? { reportFile: o.report } : {}) });
  if (o.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else for (const l of renderReport(report)) print(l);
  if (report.state !== 'SUCCEEDED') process.exitCode = 1;
}
