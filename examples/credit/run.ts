/**
 * The real-data example (`npm run example:credit`): splits credit_data across three lenders in
 * a non-IID way (split.ts) and simulates them with examples/credit/job.json — a coordinator and
 * one participant process per lender, then centralized and local-only references — printing the
 * comparison table. `--job FILE` picks another job (e.g. job-dp.json), `--rounds N` overrides
 * its rounds, `--json` prints the report as JSON.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadJobFile } from '../../cli/job-file.ts';
import { renderReport } from '../../cli/report.ts';
import { simulate } from '../../cli/simulate.ts';
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
const report = await simulate({ loaded, parties: parts.map((p) => ({ name: p.name, file: p.path })), stateDir: dir, json, print });
if (json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
else for (const l of renderReport(report)) print(l);
process.exitCode = report.state === 'SUCCEEDED' ? 0 : 1;
