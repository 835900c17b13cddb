/**
 * Federated gradient-boosted trees on the credit example, over several job seeds (each seed
 * draws other held-out rows): per seed, the federated gbdt job with secure aggregation and with
 * plain aggregation (the trees must be identical), the same code on the pooled rows
 * (centralized), and the example's federated logistic regression — all on the in-process
 * simulator, scored exactly on the pooled held-out rows.
 *
 *   npx tsx examples/credit/gbdt-seeds.ts [--seeds 1,2,3,4,5] [--json]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { concatTables, ownPreprocessing, scoreModel, splitParties, trainReference } from '../../cli/references.ts';
import { DataSchemaSchema } from '../../core/data/schema.ts';
import { validateTable } from '../../core/data/table.ts';
import { JobSpecSchema } from '../../core/job.ts';
import type { JobSpec } from '../../core/job.ts';
import { parseCsv } from '../../sim/csv.ts';
import { simulate } from '../../sim/simulate.ts';
import { CREDIT_DATA_PATH, DEFAULT_SPLIT_SEED, splitCreditData } from './split.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (flag: string) => {
  const i = process.argv.indexOf(flag);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const seeds = (arg('--seeds') ?? '1,2,3,4,5').split(',').map(Number);
const json = process.argv.includes('--json');
const readJob = (file: string, seed: number, over: Record<string, unknown> = {}): JobSpec =>
  JobSpecSchema.parse({ ...JSON.parse(readFileSync(path.join(here, file), 'utf8')), schema: undefined, seed, ...over });

const schema = DataSchemaSchema.parse(JSON.parse(readFileSync(path.join(here, 'schema.json'), 'utf8')));
const { header, rows } = parseCsv(readFileSync(CREDIT_DATA_PATH, 'utf8'));
const parties = splitCreditData(header, rows, { parties: 3, seed: DEFAULT_SPLIT_SEED }).map((p) => ({ name: p.name, table: validateTable(header, p.rows, schema, p.name).table }));

interface SeedResult {
  seed: number;
  federatedGbdt: number;
  centralizedGbdt: number;
  federatedLogistic: number;
  secureEqualsPlain: boolean;
  secondsPerTree: number;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-gbdt-seeds-'));
const results: SeedResult[] = [];
try {
  for (const seed of seeds) {
    const run = async (job: JobSpec, label: string) => {
      const r = await simulate({ job, schema, parties, stateDir: path.join(dir, `${label}-${seed}`), seed });
      if (r.state !== 'SUCCEEDED') throw new Error(`${label} job of seed ${seed} ${r.state}: ${r.error}`);
      return r;
    };
    const gbdt = readJob('job-gbdt.json', seed);
    const secure = await run(gbdt, 'gbdt-secagg');
    const plain = await run({ ...gbdt, aggregation: 'plain' }, 'gbdt-plain');
    const logistic = readJob('job.json', seed);
    const lr = await run(logistic, 'logistic');
    const split = splitParties(parties, gbdt);
    const test = concatTables(split.map((p) => p.split.test));
    const pooledTrain = concatTables(split.map((p) => p.split.train));
    const central = await trainReference(gbdt, schema, ownPreprocessing([pooledTrain], schema), pooledTrain, 'centralized');
    const trees = secure.rounds.slice(1);
    results.push({
      seed,
      federatedGbdt: scoreModel(gbdt, schema, secure.preprocessing!, secure.weights!, test).auc,
      centralizedGbdt: scoreModel(gbdt, schema, secure.preprocessing!, central, test).auc,
      federatedLogistic: scoreModel(logistic, schema, lr.preprocessing!, lr.weights!, test).auc,
      secureEqualsPlain: secure.weights!.length === plain.weights!.length && secure.weights!.every((v, i) => Object.is(v, plain.weights![i])),
      secondsPerTree: trees.reduce((a, r) => a + r.seconds, 0) / trees.length,
    });
    const r = results.at(-1)!;
    process.stderr.write(`seed ${seed}: federated gbdt ${r.federatedGbdt.toFixed(4)}, centralized gbdt ${r.centralizedGbdt.toFixed(4)}, federated LR ${r.federatedLogistic.toFixed(4)}, secure = plain: ${r.secureEqualsPlain}, ${r.secondsPerTree.toFixed(3)} s per tree (in process)\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const mean = (k: 'federatedGbdt' | 'centralizedGbdt' | 'federatedLogistic') => results.reduce((a, r) => a + r[k], 0) / results.length;
const summary = {
  seeds,
  results,
  mean: { federatedGbdt: mean('federatedGbdt'), centralizedGbdt: mean('centralizedGbdt'), federatedLogistic: mean('federatedLogistic') },
  checks: {
    gbdtWithinCentralized: mean('federatedGbdt') >= mean('centralizedGbdt') - 0.005,
    gbdtBeatsLogistic: mean('federatedGbdt') >= mean('federatedLogistic') + 0.005,
    secureEqualsPlain: results.every((r) => r.secureEqualsPlain),
  },
};
if (json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
else {
  const m = summary.mean;
  console.log(`mean over seeds ${seeds.join(', ')}: federated gbdt ${m.federatedGbdt.toFixed(4)}, centralized gbdt ${m.centralizedGbdt.toFixed(4)}, federated LR ${m.federatedLogistic.toFixed(4)}`);
  console.log(`federated gbdt ≥ centralized − 0.005: ${summary.checks.gbdtWithinCentralized}; ≥ federated LR + 0.005: ${summary.checks.gbdtBeatsLogistic}; secure = plain trees: ${summary.checks.secureEqualsPlain}`);
}
