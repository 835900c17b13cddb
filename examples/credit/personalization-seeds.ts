/**
 * Personalization over job seeds: runs the demo consortium (examples/synthetic/job-dp.json, four
 * members, record-level DP ε = 3) and the credit_data lenders (examples/credit/job.json and
 * job-dp.json) on the in-process simulator, once per job seed (the seed moves each member's
 * held-out split), and prints every member's held-out AUC of the federated, personalized and
 * local-only models from its own value report, then the acceptance checks: every member's
 * personalized AUC ≥ its local-only AUC − 0.005, and a positive mean gain over local-only.
 *
 *   npx tsx examples/credit/personalization-seeds.ts [--seeds 1,2,3,4,5] [--configs demo,credit,credit-dp,credit-gbdt]
 *                                                    [--job FILE]
 *
 * `--job FILE` runs every chosen config with that job file instead of its own (on the config's
 * data), to compare settings.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadJobFile } from '../../cli/job-file.ts';
import { PersonalizationSpecSchema } from '../../core/job.ts';
import { simulatedBudgets } from '../../cli/simulate.ts';
import { loadTable } from '../../participant/data/load.ts';
import { simulate } from '../../sim/simulate.ts';
import { DEFAULT_SEED, writeMembers } from '../../sim/synthetic/write.ts';
import { writeCreditSplit } from './split.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (flag: string) => {
  const i = process.argv.indexOf(flag);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const seeds = (arg('--seeds') ?? '1,2,3,4,5').split(',').map(Number);
const CONFIGS = {
  demo: { job: path.join(here, '..', 'synthetic', 'job-dp.json'), data: (dir: string) => writeMembers(dir, { seed: DEFAULT_SEED, scale: 1, members: 4 }) },
  credit: { job: path.join(here, 'job.json'), data: (dir: string) => writeCreditSplit(dir) },
  'credit-dp': { job: path.join(here, 'job-dp.json'), data: (dir: string) => writeCreditSplit(dir) },
  // Gradient-boosted trees, with personalization turned on here (the example job leaves it off).
  'credit-gbdt': { job: path.join(here, 'job-gbdt.json'), data: (dir: string) => writeCreditSplit(dir), personalization: { mode: 'finetune' } },
} as const;
const configs = (arg('--configs') ?? 'demo,credit,credit-dp').split(',') as (keyof typeof CONFIGS)[];
const tolerance = 0.005;
const f = (x: number | null | undefined) => (x === null || x === undefined ? '   —  ' : x.toFixed(3));

let failures = 0;
for (const name of configs) {
  const cfg = CONFIGS[name];
  if (!cfg) throw new Error(`unknown config "${name}"; use ${Object.keys(CONFIGS).join(', ')}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), `fedcredit-pers-${name}-`));
  const parts = cfg.data(path.join(dir, 'data'));
  console.log(`\n== ${name}: ${path.relative(process.cwd(), arg('--job') ?? cfg.job)} ==`);
  console.log('seed  member          federated  personalized (kept)      local-only   gain vs local');
  const gains: number[] = [];
  const overFederated: number[] = [];
  for (const seed of seeds) {
    const { job, schema } = loadJobFile(arg('--job') ?? cfg.job, undefined, { seed, ...('personalization' in cfg ? { personalization: PersonalizationSpecSchema.parse(cfg.personalization) } : {}) });
    const tables = parts.map((p) => ({ name: p.name, table: loadTable(p.path, schema).table }));
    const budgets = simulatedBudgets(job, schema, tables);
    const res = await simulate({
      job, schema, seed, stateDir: path.join(dir, `seed-${seed}`),
      parties: tables.map((t) => ({ ...t, ...(budgets.has(t.name) ? { privacyBudget: budgets.get(t.name)! } : {}) })),
    });
    if (res.state !== 'SUCCEEDED') throw new Error(`${name} seed ${seed}: job ${res.state}: ${res.error}`);
    for (const t of tables) {
      const r = res.valueReports.get(t.name);
      if (!r) throw new Error(`${name} seed ${seed}: ${t.name} wrote no value report`);
      const p = r.test.personalized.auc ?? Number.NaN;
      const l = r.test.localOnly.auc ?? Number.NaN;
      const ok = p >= l - tolerance;
      if (!ok) failures++;
      gains.push(p - l);
      overFederated.push(p - (r.test.global.auc ?? Number.NaN));
      const kept = r.chosen.variant + (r.chosen.alpha !== undefined ? ` α=${r.chosen.alpha}` : '');
      console.log(`${String(seed).padStart(4)}  ${t.name.padEnd(14)}  ${f(r.test.global.auc)}      ${f(p)} (${kept.padEnd(11)})   ${f(l)}       ${(p - l >= 0 ? '+' : '') + (p - l).toFixed(3)}${ok ? '' : '  FAIL'}`);
    }
  }
  const mean = gains.reduce((a, b) => a + b, 0) / gains.length;
  if (!(mean > 0)) failures++;
  const fed = overFederated.reduce((a, b) => a + b, 0) / overFederated.length;
  console.log(`${name}: mean gain personalized − local-only ${(mean >= 0 ? '+' : '') + mean.toFixed(4)} over ${gains.length} member-seeds; worst ${Math.min(...gains).toFixed(4)}`);
  console.log(`${name}: mean gain personalized − federated ${(fed >= 0 ? '+' : '') + fed.toFixed(4)}; worst ${Math.min(...overFederated).toFixed(4)}`);
}
console.log(failures === 0 ? '\nall checks pass' : `\n${failures} check(s) failed`);
process.exitCode = failures === 0 ? 0 : 1;
