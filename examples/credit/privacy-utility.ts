/**
 * The privacy–utility table (`npm run example:privacy`): the credit_data example (3 non-IID
 * lenders, logistic regression, 30 rounds) with record-level DP-SGD at δ = 1e-5 for each target ε,
 * and without DP (ε = ∞), each a full `fedcredit simulate` run with participant processes and
 * secure aggregation. Prints a Markdown table of the federated AUC on the pooled held-out rows.
 * DP noise comes from node:crypto, so runs differ: `--repeats N` (default 1) reports mean and range.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCreditSplit } from './split';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const EPSILONS = [0.5, 1, 3, 8, Infinity];
const repeatsArg = process.argv.indexOf('--repeats');
const repeats = repeatsArg > 0 ? Number(process.argv[repeatsArg + 1]) : 1;
if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`--repeats must be a positive integer, got ${process.argv[repeatsArg + 1]}`);

const dir = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-privacy-'));
const parts = writeCreditSplit(path.join(dir, 'data'));
const base = JSON.parse(readFileSync(path.join(here, 'job.json'), 'utf8')) as Record<string, unknown>;

const rows: string[] = [];
for (const epsilon of EPSILONS) {
  const aucs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const job = { ...base, schema: path.join(here, 'schema.json'), privacy: Number.isFinite(epsilon) ? { mode: 'record', epsilon, delta: 1e-5, clipNorm: 1 } : { mode: 'none' } };
    const jobFile = path.join(dir, `job-${epsilon}-${r}.json`);
    writeFileSync(jobFile, JSON.stringify(job));
    const args = [path.join(root, 'bin', 'fedcredit.mjs'), 'simulate', '--job', jobFile, '--state-dir', path.join(dir, `run-${epsilon}-${r}`), '--json', ...parts.flatMap((p) => ['--party', `${p.name}=${p.path}`])];
    const run = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (run.status !== 0) throw new Error(`simulate failed for ε = ${epsilon}: ${run.stderr.slice(-2000)}`);
    const report = JSON.parse(run.stdout) as { federated: { exactAuc: number } };
    aucs.push(report.federated.exactAuc);
    process.stderr.write(`ε = ${epsilon}: federated AUC ${report.federated.exactAuc.toFixed(4)}\n`);
  }
  const mean = aucs.reduce((a, b) => a + b, 0) / aucs.length;
  const range = repeats > 1 ? ` (${Math.min(...aucs).toFixed(3)}–${Math.max(...aucs).toFixed(3)})` : '';
  rows.push(`| ${Number.isFinite(epsilon) ? epsilon : '∞ (no DP)'} | ${mean.toFixed(3)}${range} |`);
}
process.stdout.write(['| ε (δ = 1e-5) | federated AUC, pooled held-out |', '|---|---|', ...rows].join('\n') + '\n');
