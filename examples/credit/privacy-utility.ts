/**
 * The privacy–utility tables (`npm run example:privacy`), each run a full simulation (the
 * `simulate` API behind `fedcredit simulate`: participant processes and secure aggregation), reporting the federated AUC on the pooled
 * held-out rows as a Markdown table:
 *  - default: record-level DP-SGD on the credit_data example (3 non-IID lenders, logistic
 *    regression, 30 rounds) at δ = 1e-5 for each target ε, and without DP (ε = ∞);
 *  - `--client`: client-level DP (DP-FedAvg, distributed discrete Gaussian noise inside the secure
 *    sum) on credit_data spread over `--members N` lenders (default 20; ./members.ts), 10 rounds.
 * DP noise comes from node:crypto, so runs differ: `--repeats N` (default 1) reports mean and range.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCreditSplit } from './split.ts';
import { writeMemberSplit } from './members.ts';
import { loadJobFile } from '../../cli/job-file.ts';
import { simulate } from '../../cli/simulate.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const argValue = (flag: string, fallback: number) => {
  const i = process.argv.indexOf(flag);
  const v = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`${flag} must be a positive integer, got ${process.argv[i + 1]}`);
  return v;
};
const repeats = argValue('--repeats', 1);
const client = process.argv.includes('--client');
const members = argValue('--members', 20);

const dir = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-privacy-'));
const parts = client ? writeMemberSplit(path.join(dir, 'data'), members) : writeCreditSplit(path.join(dir, 'data'));
const base = JSON.parse(readFileSync(path.join(here, 'job.json'), 'utf8')) as Record<string, unknown>;
const EPSILONS = client ? [3, 8, Infinity] : [0.5, 1, 3, 8, Infinity];

/** The job for one ε. */
function jobFor(epsilon: number): Record<string, unknown> {
  const job = { ...base, schema: path.join(here, 'schema.json') };
  if (!client) {
    if (!Number.isFinite(epsilon)) return { ...job, privacy: { mode: 'none' } };
    // Under record-level DP every evaluation is a noised release: few bins, every fifth round.
    const evaluation = { ...(base.evaluation as object), bins: 20, every: 5 };
    return { ...job, evaluation, privacy: { mode: 'record', epsilon, delta: 1e-5, clipNorm: 1 } };
  }
  return {
    ...job, name: `credit-${members}-lenders`, rounds: 10, minParticipants: Math.ceil(members / 2),
    train: { localEpochs: 3, batchSize: 32, optimizer: 'sgd', learningRate: 0.1, classWeights: 'none' },
    secureAggregation: { neighbours: 'all' },
    privacy: Number.isFinite(epsilon) ? { mode: 'client', noise: 'distributed', epsilon, delta: 1e-5, clipNorm: 1 } : { mode: 'none' },
  };
}

const rows: string[] = [];
for (const epsilon of EPSILONS) {
  const aucs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const jobFile = path.join(dir, `job-${epsilon}-${r}.json`);
    writeFileSync(jobFile, JSON.stringify(jobFor(epsilon)));
    const report = await simulate({
      loaded: loadJobFile(jobFile), parties: parts.map((p) => ({ name: p.name, file: p.path })), stateDir: path.join(dir, `run-${epsilon}-${r}`), json: true, print: () => {},
    });
    if (report.state !== 'SUCCEEDED') throw new Error(`simulate failed for ε = ${epsilon}: ${report.error}`);
    aucs.push(report.federated.exactAuc);
    process.stderr.write(`ε = ${epsilon}: federated AUC ${report.federated.exactAuc.toFixed(4)}\n`);
  }
  const mean = aucs.reduce((a, b) => a + b, 0) / aucs.length;
  const range = repeats > 1 ? ` (${Math.min(...aucs).toFixed(3)}–${Math.max(...aucs).toFixed(3)})` : '';
  rows.push(`| ${Number.isFinite(epsilon) ? epsilon : '∞ (no DP)'} | ${mean.toFixed(3)}${range} |`);
}
const what = client ? `client-level ε (δ = 1e-5), ${members} lenders` : 'ε (δ = 1e-5)';
process.stdout.write([`| ${what} | federated AUC, pooled held-out |`, '|---|---|', ...rows].join('\n') + '\n');
