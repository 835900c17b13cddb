/**
 * The real-data example (`npm run example:credit`): splits credit_data across three lenders in
 * a non-IID way (split.ts) and simulates them with examples/credit/job.json — a coordinator and
 * one participant process per lender, then centralized and local-only references — printing the
 * comparison table; then saves the model package (<temp dir>/model) and the members' held-out
 * rows (<temp dir>/holdout.csv) and prints the `fedcredit score` command that scores them.
 * `--job FILE` picks another job (e.g. job-dp.json), `--rounds N` overrides its rounds, `--json`
 * prints the report as JSON.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadJobFile } from '../../cli/job-file.ts';
import { renderReport } from '../../cli/report.ts';
import { simulate } from '../../cli/simulate.ts';
import { writeHeldOutRows } from '../../scoring/holdout.ts';
import { writeCreditSplit } from './split.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (flag: string) => {
  const i = process.argv.indexOf(flag);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const json = process.argv.includes('--json');
const rounds = arg('--rounds') === undefined ? undefined : Number(arg('--rounds'));
const print = (l: string) => (json ? process.stderr : process.stdout).write(l + '\n');

const dir = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-credit-'));
const parts = writeCreditSplit(path.join(dir, 'data'));
for (const p of parts) process.stderr.write(`${p.name}: ${p.rows} rows, ${(100 * p.defaultRate).toFixed(1)}% bad -> ${p.path}\n`);
const loaded = loadJobFile(path.resolve(arg('--job') ?? path.join(here, 'job.json')), undefined, rounds ? { rounds } : {});
const members = parts.map((p) => ({ name: p.name, file: p.path }));
const modelDir = path.join(dir, 'model');
const report = await simulate({ loaded, parties: members, stateDir: dir, outDir: modelDir, json, print });
if (json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
else for (const l of renderReport(report)) print(l);
if (report.state === 'SUCCEEDED') {
  // The rows the members held out — chosen by their own split — to score with the saved model.
  const holdout = writeHeldOutRows(members, loaded.job, loaded.schema, path.join(dir, 'holdout.csv'));
  print(`held-out rows of the ${members.length} members: ${holdout.rows} (${holdout.positives} bad) -> ${holdout.file}`);
  print(`score them with the saved model (its AUC is the coordinator's, ${report.federated.auc.toFixed(6)}):`);
  print(`  npx fedcredit score --model ${modelDir} --data ${holdout.file} --out ${path.join(dir, 'scores.csv')}`);
}
process.exitCode = report.state === 'SUCCEEDED' ? 0 : 1;
