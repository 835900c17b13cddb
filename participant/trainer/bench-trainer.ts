/**
 * Micro-benchmark of the local trainer on every backend that loads here:
 *
 *   npx tsx participant/trainer/bench-trainer.ts [rows=5000] [features=30] [repeats=5] [warmup=3] [backends]
 *
 * `backends` is a comma-separated order (default tensorflow,wasm,cpu).
 *
 * Times one local epoch (batch 64, sgd) of logistic regression, an MLP[16] and, for reference,
 * a wider MLP[128, 64] on synthetic rows, plus scoring all rows once; prints the median of
 * `repeats` runs after `warmup` untimed runs per backend and model (V8 needs a few epochs to
 * optimize tfjs' dispatch code; the first epoch in a process is 3–6× slower than a warm one). The results decided the default
 * backend order in backend.ts.
 */
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import type { FitConfig, ModelSpec } from '../../core/job.ts';
import { initialWeights } from '../../core/model/layout.ts';
import { seededRng } from '../../core/random.ts';
import type { BackendName } from './backend.ts';
import { activateBackend, BACKEND_NAMES, initBackend, isBackendName } from './backend.ts';
import { syntheticRows } from './fixtures.ts';
import { predictScores } from './predict.ts';
import { trainLocal } from './train.ts';

/** One measured row of the table. */
export interface BenchRow {
  backend: string;
  model: string;
  /** Median epoch time. */
  epochMs: number;
  /** Fastest epoch (least disturbed by other load on the machine). */
  epochMinMs: number;
  /** Median time to score all rows once. */
  predictMs: number;
}

const MODELS: { label: string; spec: ModelSpec }[] = [
  { label: 'logistic', spec: { type: 'logistic' } },
  { label: 'mlp[16]', spec: { type: 'mlp', hidden: [16], dropout: 0, activation: 'relu' } },
  { label: 'mlp[128,64]', spec: { type: 'mlp', hidden: [128, 64], dropout: 0, activation: 'relu' } },
];

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s[Math.floor(s.length / 2)];
  if (m === undefined) throw new RangeError('the median of no measurements is undefined');
  return m;
}

/** Runs the benchmark on each backend that activates and returns the measured rows. */
export async function runBench(
  rows: number,
  features: number,
  repeats: number,
  warmup: number,
  backends: readonly BackendName[] = BACKEND_NAMES,
): Promise<{ rows: BenchRow[]; skipped: string[] }> {
  if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`repeats must be an integer ≥ 1, got ${repeats}`);
  await initBackend();
  const data = syntheticRows(rows, features, 7);
  const out: BenchRow[] = [];
  const skipped: string[] = [];
  for (const backend of backends) {
    try {
      await activateBackend(backend);
    } catch (err) {
      skipped.push(`${backend}: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
      continue;
    }
    for (const { label, spec } of MODELS) {
      const weights = initialWeights(spec, features, seededRng(1));
      const fit: FitConfig = {
        train: { localEpochs: 1, batchSize: 64, optimizer: 'sgd', learningRate: 0.05, classWeights: 'none', l2: 0 },
        mu: 0,
        classWeights: { positive: 1, negative: 1 },
        seed: 3,
      };
      const epoch: number[] = [];
      const scoring: number[] = [];
      for (let r = 0; r < warmup + repeats; r++) {
        const t0 = performance.now();
        const res = await trainLocal({ spec, inputDim: features, weights, x: data.x, y: data.y, fit });
        const t1 = performance.now();
        predictScores(spec, features, res.weights, data.x);
        const t2 = performance.now();
        if (r >= warmup) {
          epoch.push(t1 - t0);
          scoring.push(t2 - t1);
        }
      }
      out.push({ backend, model: label, epochMs: median(epoch), epochMinMs: Math.min(...epoch), predictMs: median(scoring) });
    }
  }
  return { rows: out, skipped };
}

/** Formats the rows as a fixed-width table. */
export function formatTable(rows: BenchRow[]): string {
  const head = ['backend', 'model', 'epoch ms (median)', 'epoch ms (min)', 'predict ms'];
  const body = rows.map((r) => [r.backend, r.model, r.epochMs.toFixed(1), r.epochMinMs.toFixed(1), r.predictMs.toFixed(1)]);
  // Every row of `body` has the head's five cells.
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const [rows = 5000, features = 30, repeats = 5, warmup = 3] = process.argv.slice(2, 6).map(Number);
  const listed = (process.argv[6] ?? BACKEND_NAMES.join(',')).split(',');
  const backends = listed.filter(isBackendName);
  if (backends.length !== listed.length) throw new Error(`unknown backend in ${process.argv[6]}`);
  console.log(`fedcredit trainer bench: ${rows} rows × ${features} features, batch 64, 1 epoch, median of ${repeats} after ${warmup} warm-up`);
  console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, tfjs ${tf.version.tfjs}`);
  const { rows: table, skipped } = await runBench(rows, features, repeats, warmup, backends);
  console.log(formatTable(table));
  for (const s of skipped) console.log(`skipped ${s}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
