/**
 * One member with millions of rows, stage by stage: a synthetic CSV shaped like the credit example
 * (its 14 columns plus extra numeric columns up to `--cols`) is written to a temporary file, then
 * this process measures
 *   1. CSV ingest into the columnar Table (`loadTable`; with `--old`, first the whole-file reader
 *      `readCsvFile` + `validateTable` for comparison),
 *   2. encoding (`encodeTable`, the n × d Float32Array the trainer reads),
 *   3. one epoch of logistic-regression training at batch 64 (`trainLocal`, which trains a logistic
 *      model on the host: participant/trainer/logistic-host.ts), on one thread and then on two
 *      (logistic-threads.ts), side by side,
 *   4. evaluation: scores of every row (`predictScores`), the score histogram and exact AUC,
 *   5. scoring again with the trained weights, as a scoring service would over a file of applicants.
 * Each stage reports rows per second, the resident set size (RSS) after it and the process's peak
 * RSS so far (VmHWM from /proc/self/status, which also catches peaks inside synchronous code that a
 * timer could not sample). Opt-in, never part of `npm test`:
 *
 *   npx tsx bench/large-member.ts --rows 1000000 [--cols 30] [--old] [--json]
 */
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodeTable } from '../core/data/preprocess.ts';
import { DataSchemaSchema, inputDim } from '../core/data/schema.ts';
import type { DataSchema } from '../core/data/schema.ts';
import { validateTable } from '../core/data/table.ts';
import { exactAuc } from '../core/metrics/exact.ts';
import { scoreHistogram } from '../core/metrics/histogram.ts';
import { initialWeights } from '../core/model/layout.ts';
import { seededRng } from '../core/random.ts';
import { readCsvFile } from '../participant/data/csv.ts';
import { loadTable } from '../participant/data/load.ts';
import { initBackend } from '../participant/trainer/backend.ts';
import { predictScores } from '../participant/trainer/predict.ts';
import { sharedFloat32 } from '../participant/trainer/logistic-threads.ts';
import { trainLocal } from '../participant/trainer/train.ts';
import { ownPreprocessing } from '../cli/references.ts';
import { runAsScript } from '../sim/csv.ts';

const CREDIT_NUMERIC = ['Seniority', 'Time', 'Age', 'Expenses', 'Income', 'Assets', 'Debt', 'Amount', 'Price'];
const CREDIT_LEVELS: Record<string, string[]> = {
  Home: ['owner', 'rent', 'parents', 'other', 'priv', 'ignore'],
  Marital: ['married', 'single', 'separated', 'widow', 'divorced'],
  Records: ['no', 'yes'],
  Job: ['fixed', 'freelance', 'partime', 'others'],
};

/** The credit example's schema, widened with numeric columns X1… until the file has `cols` columns. */
export function largeMemberSchema(cols: number): DataSchema {
  const extra = Math.max(0, cols - 14);
  return DataSchemaSchema.parse({
    label: { column: 'Status', positive: 'bad', negative: ['good'] },
    numeric: [...CREDIT_NUMERIC, ...Array.from({ length: extra }, (_, k) => `X${k + 1}`)].map((name) => ({ name })),
    categorical: Object.entries(CREDIT_LEVELS).map(([name, levels]) => ({ name, levels, missing: 'level', unseen: 'other' })),
  });
}

/** A small, fast seeded generator of floats in [0, 1) for the synthetic file (not for anything secret). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes `rows` synthetic borrowers (the label depends on a few columns) as CSV; returns the path. */
export function writeLargeCsv(file: string, rows: number, schema: DataSchema): void {
  const rng = mulberry32(7);
  const header = ['Status', ...schema.numeric.map((f) => f.name), ...schema.categorical.map((f) => f.name)];
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, `${header.join(',')}\n`);
    let buf = '';
    for (let i = 0; i < rows; i++) {
      const nums = schema.numeric.map((_, j) => (j === 4 && rng() < 0.02 ? '' : String(Math.round(rng() * (j < 9 ? 1000 : 100)))));
      const cats = schema.categorical.map((f) => f.levels[Math.floor(rng() * f.levels.length)]!);
      const risk = Number(nums[0]) / 1000 - Number(nums[2]) / 1000 + (cats[2] === 'yes' ? 0.6 : 0);
      const bad = rng() < 1 / (1 + Math.exp(-3 * risk + 1));
      buf += `${bad ? 'bad' : 'good'},${nums.join(',')},${cats.join(',')}\n`;
      if (buf.length > 1 << 22) {
        writeSync(fd, buf);
        buf = '';
      }
    }
    writeSync(fd, buf);
  } finally {
    closeSync(fd);
  }
}

/** Peak resident set size of this process so far (VmHWM), MiB. */
function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** One measured stage. */
export interface StageResult {
  stage: string;
  seconds: number;
  rowsPerSecond: number;
  rssMiB: number;
  peakRssMiB: number;
}

async function stage<T>(results: StageResult[], name: string, rows: number, run: () => T | Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await run();
  const seconds = (performance.now() - t0) / 1000;
  const r = { stage: name, seconds, rowsPerSecond: rows / seconds, rssMiB: process.memoryUsage().rss / 2 ** 20, peakRssMiB: peakRssMiB() };
  results.push(r);
  console.error(`${name.padEnd(34)} ${seconds.toFixed(2).padStart(7)} s ${Math.round(r.rowsPerSecond).toLocaleString('en').padStart(11)} rows/s  rss ${r.rssMiB.toFixed(0)} MiB  peak ${r.peakRssMiB.toFixed(0)} MiB`);
  return out;
}

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} needs a positive integer, got ${process.argv[i + 1]}`);
  return v;
}

async function main(): Promise<void> {
  const rows = option('rows', 1_000_000);
  const cols = option('cols', 30);
  const schema = largeMemberSchema(cols);
  const file = path.join(tmpdir(), `fedcredit-large-${process.pid}.csv`);
  const results: StageResult[] = [];
  try {
    await stage(results, `write synthetic CSV (${cols} columns)`, rows, () => writeLargeCsv(file, rows, schema));
    console.error(`file ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB; baseline peak RSS ${peakRssMiB().toFixed(0)} MiB (tsx, tfjs not yet loaded)`);
    if (process.argv.includes('--old')) {
      await stage(results, 'ingest, whole-file reader (old)', rows, () => {
        const { header, rows: cells, lines } = readCsvFile(file);
        return validateTable(header, cells, schema, file, { lines }).table.n;
      });
    }
    const { table } = await stage(results, 'ingest, streaming loadTable', rows, () => loadTable(file, schema));
    const prep = ownPreprocessing([table], schema);
    const dim = inputDim(schema);
    // In shared memory, as a participant encodes a large logistic member's rows for two threads.
    const x = await stage(results, `encode (d = ${dim})`, rows, () => encodeTable(table, schema, prep, sharedFloat32(table.n * dim)));
    const backend = await initBackend();
    const spec = { type: 'logistic' } as const;
    const epoch = (threads: 1 | 2) =>
      trainLocal({
        spec, inputDim: dim, weights: initialWeights(spec, dim, seededRng(1)), x, y: table.labels, threads,
        fit: { train: { localEpochs: 1, batchSize: 64, optimizer: 'sgd', learningRate: 0.05, l2: 0, classWeights: 'none' }, mu: 0, classWeights: { positive: 1, negative: 1 }, seed: 3 },
      });
    await stage(results, 'train 1 epoch, batch 64 (host, 1 thread)', rows, () => epoch(1));
    const trained = await stage(results, 'train 1 epoch, batch 64 (host, 2 threads)', rows, () => epoch(2));
    const auc = await stage(results, 'evaluate (predict + histogram + AUC)', rows, () => {
      const scores = predictScores(spec, dim, trained.weights, x);
      scoreHistogram(scores, table.labels, 20);
      return exactAuc(scores, table.labels);
    });
    await stage(results, 'score every row', rows, () => predictScores(spec, dim, trained.weights, x).length);
    const summary = { rows, cols, inputDim: dim, backend: backend.name, auc, fileMiB: statSync(file).size / 2 ** 20, peakRssMiB: peakRssMiB(), stages: results };
    if (process.argv.includes('--json')) console.log(JSON.stringify(summary, null, 2));
    else console.error(`AUC ${auc.toFixed(3)}; overall peak RSS ${summary.peakRssMiB.toFixed(0)} MiB`);
  } finally {
    rmSync(file, { force: true });
  }
}

runAsScript(import.meta.url, main);
