/**
 * `fedcredit demo` (what `npm run demo` runs): writes the seeded synthetic consortium (an
 * e-commerce platform, two banks, customs) to a working directory and runs it through
 * `simulate`, printing per-round metrics and the federated / centralized / local-only table.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeConsortium, DEFAULT_SEED } from '../sim/synthetic/write.ts';
import { loadJobFile } from './job-file.ts';
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
  stateDir?: string;
  out?: string;
  json: boolean;
}

/** Generates the consortium and simulates the demo job. */
export async function demoCommand(o: DemoOptions): Promise<void> {
  const print = o.json ? (l: string) => process.stderr.write(l + '\n') : (l: string) => process.stdout.write(l + '\n');
  const loaded = loadJobFile(o.job ?? path.join(ROOT, 'examples', 'synthetic', 'job-dp.json'), o.schema, {
    ...(o.rounds ? { rounds: o.rounds } : {}),
    ...(o.aggregation ? { aggregation: o.aggregation } : {}),
  });
  const stateDir = path.resolve(o.stateDir ?? mkdtempSync(path.join(os.tmpdir(), 'fedcredit-demo-')));
  const written = writeConsortium(path.join(stateDir, 'data'), { seed: o.seed ?? DEFAULT_SEED, scale: o.scale });
  print(`synthetic consortium written to ${path.join(stateDir, 'data')}:`);
  for (const w of written) print(`  ${w.name.padEnd(9)} ${String(w.rows).padStart(5)} rows, default rate ${(100 * w.defaultRate).toFixed(1)}%`);
  const dp = loaded.job.privacy.mode === 'record' ? `, record-level DP (${loaded.job.privacy.epsilon !== undefined ? `ε = ${loaded.job.privacy.epsilon}` : `z = ${loaded.job.privacy.noiseMultiplier}`} at δ = ${loaded.job.privacy.delta})` : ', no DP';
  print(`job: ${loaded.job.name}: ${loaded.job.model.type}, ${loaded.job.rounds} rounds, strategy ${loaded.job.strategy.type}, aggregation ${loaded.job.aggregation}${dp}`);
  const report = await simulate({ loaded, parties: written.map((w) => ({ name: w.name, file: w.path })), stateDir, outDir: o.out, json: o.json, print });
  if (o.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else for (const l of renderReport(report)) print(l);
  if (report.state !== 'SUCCEEDED') process.exitCode = 1;
}
