/**
 * One epoch of local training at batch 64 over 5,000 × 30 rows, side by side in one run: what
 * `trainLocal` does for logistic regression (on the host, logistic-host.ts, and through tfjs for
 * comparison) and for MLPs [16] and [128, 64] on each tfjs backend available, against PyTorch on
 * one CPU thread (bench/torch_epoch.py, with the first of `python3` and Debian's /usr/bin/python3
 * that can `import torch`; skipped when neither can).
 * Each figure is the median of `epochs` epochs after one unmeasured warm-up epoch.
 *
 *   npx tsx bench/local-epoch.ts [--rows 5000] [--epochs 5] [--json]
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelSpec } from '../core/job.ts';
import { initialWeights } from '../core/model/layout.ts';
import { seededRng } from '../core/random.ts';
import { activateBackend, type BackendName, initBackend } from '../participant/trainer/backend.ts';
import { fitConfig, syntheticRows } from '../participant/trainer/fixtures.ts';
import { trainLocal } from '../participant/trainer/train.ts';
import { runAsScript } from '../sim/csv.ts';
import { median } from './stats.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FEATURES = 30;
const BATCH = 64;

/** One model's epoch rates (rows per second, medians). */
export interface EpochRow {
  model: string;
  /** fedcredit's path → rows/s; e.g. "host", "tfjs cpu", "tfjs wasm". */
  fedcredit: Record<string, number>;
  torch?: number;
}

const MODELS: [string, ModelSpec, number[]][] = [
  ['logistic regression', { type: 'logistic' }, []],
  ['MLP [16]', { type: 'mlp', hidden: [16], dropout: 0, activation: 'relu' }, [16]],
  ['MLP [128, 64]', { type: 'mlp', hidden: [128, 64], dropout: 0, activation: 'relu' }, [128, 64]],
];

async function fedcreditRate(spec: ModelSpec, rows: number, epochs: number, engine: 'auto' | 'tfjs'): Promise<number> {
  const data = syntheticRows(rows, FEATURES, 7, 2);
  const weights = initialWeights(spec, FEATURES, seededRng(1));
  const rates: number[] = [];
  for (let e = 0; e <= epochs; e++) {
    const fit = fitConfig({ seed: e + 1, train: { batchSize: BATCH, learningRate: 0.05 } });
    const t0 = performance.now();
    await trainLocal({ spec, inputDim: FEATURES, weights, x: data.x, y: data.y, fit, engine });
    if (e > 0) rates.push(rows / ((performance.now() - t0) / 1000));
  }
  return median(rates);
}

/** The Python interpreters tried for PyTorch: the one on PATH, then Debian's (python3-torch installs there). */
const PYTHONS = ['python3', '/usr/bin/python3'];

function torchRate(hidden: number[], rows: number, epochs: number): { version: string; rate: number } | undefined {
  const input = JSON.stringify({ rows, features: FEATURES, hidden, batch: BATCH, epochs: epochs + 1, seed: 1 });
  for (const python of PYTHONS) {
    const r = spawnSync(python, [path.join(HERE, 'torch_epoch.py')], { input, encoding: 'utf8' });
    if (r.status !== 0) continue;
    const out = JSON.parse(r.stdout) as { torch: string; rowsPerSecond: number[] };
    return { version: out.torch, rate: median(out.rowsPerSecond.slice(1)) };
  }
  return undefined;
}

/** Measures every model on every path; `log` gets progress lines. */
export async function runLocalEpochBench(rows: number, epochs: number, log: (s: string) => void): Promise<{ rows: EpochRow[]; torch?: string }> {
  const out: EpochRow[] = [];
  let torchVersion: string | undefined;
  // Selected once, so that trainLocal's own initBackend keeps the backend chosen below.
  await initBackend();
  for (const [label, spec, hidden] of MODELS) {
    const row: EpochRow = { model: label, fedcredit: {} };
    if (spec.type === 'logistic') {
      await activateBackend('cpu');
      row.fedcredit.host = await fedcreditRate(spec, rows, epochs, 'auto');
    }
    for (const backend of ['cpu', 'wasm'] as BackendName[]) {
      try {
        await activateBackend(backend);
      } catch {
        continue;
      }
      row.fedcredit[`tfjs ${backend}`] = await fedcreditRate(spec, rows, epochs, 'tfjs');
    }
    const t = torchRate(hidden, rows, epochs);
    if (t) {
      row.torch = t.rate;
      torchVersion = t.version;
    }
    log(`  ${label}: ${Object.entries(row.fedcredit).map(([k, v]) => `${k} ${(v / 1000).toFixed(0)} k`).join(', ')}${row.torch ? `, PyTorch ${(row.torch / 1000).toFixed(0)} k` : ''} rows/s`);
    out.push(row);
  }
  return { rows: out, ...(torchVersion ? { torch: torchVersion } : {}) };
}

/** Markdown table of {@link runLocalEpochBench}'s result: fedcredit's fastest path against PyTorch. */
export function localEpochTable(r: { rows: EpochRow[]; torch?: string }, rows: number): string {
  const lines = [
    `| model (${rows.toLocaleString('en-US')} × ${FEATURES} rows, batch ${BATCH}, SGD) | fedcredit, rows/s by path | PyTorch ${r.torch ?? '(not installed)'}, 1 thread | fastest fedcredit / PyTorch |`,
    '|---|---|---|---|',
  ];
  for (const row of r.rows) {
    const best = Math.max(...Object.values(row.fedcredit));
    const paths = Object.entries(row.fedcredit).map(([k, v]) => `${k} ${(v / 1000).toFixed(0)} k`).join(', ');
    lines.push(`| ${row.model} | ${paths} | ${row.torch ? `${(row.torch / 1000).toFixed(0)} k` : 'n/a'} | ${row.torch ? (best / row.torch).toFixed(2) : 'n/a'} |`);
  }
  return lines.join('\n');
}

runAsScript(import.meta.url, async () => {
  const argv = process.argv.slice(2);
  const opt = (name: string, d: number) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : d;
  };
  const rows = opt('--rows', 5000);
  const epochs = opt('--epochs', 5);
  const r = await runLocalEpochBench(rows, epochs, (s) => process.stderr.write(`${s}\n`));
  console.log(argv.includes('--json') ? JSON.stringify(r, null, 2) : localEpochTable(r, rows));
});
