/**
 * The real-data example (`npm run example:credit`): splits credit_data across three lenders in
 * a non-IID way (split.ts) and runs `fedcredit simulate` on them with examples/credit/job.json.
 * Extra arguments are passed to simulate (e.g. `--json`, `--rounds 10`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCreditSplit } from './split.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-credit-'));
const parts = writeCreditSplit(path.join(dir, 'data'));
for (const p of parts) process.stderr.write(`${p.name}: ${p.rows} rows, ${(100 * p.defaultRate).toFixed(1)}% bad -> ${p.path}\n`);
const args = [
  path.join(root, 'bin', 'fedcredit.mjs'), 'simulate', '--job', path.join(here, 'job.json'), '--state-dir', dir,
  ...parts.flatMap((p) => ['--party', `${p.name}=${p.path}`]), ...process.argv.slice(2),
];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exitCode = r.status ?? 1;
