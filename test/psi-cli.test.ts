/**
 * `fedcredit psi` as a user runs it: two CSV files with IDs written differently, counts printed
 * (never IDs), aligned row numbers written; a missing ID column named with the file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.ts';

const tmp = tempDir('psi-cli');
afterAll(() => tmp.cleanup());

describe('fedcredit psi', () => {
  it('aligns two files by ID, prints counts only and writes the aligned row numbers', async () => {
    const bank = path.join(tmp.dir, 'bank.csv');
    const platform = path.join(tmp.dir, 'platform.csv');
    // Bank rows 1–6; the platform knows rows 2, 3 and 5 of them (written differently), and two others.
    writeFileSync(bank, 'customer_id,default\nC-001,0\nC-002,1\nC-003,0\n,1\nC-005,0\nC-002,1\n');
    writeFileSync(platform, 'uid,orders\nzz-9,3\nc 005,7\nC003,1\nc-002,4\nyy-8,2\n');
    const out = path.join(tmp.dir, 'aligned');
    const r = await runCli(['psi', '--label-data', bank, '--label-id', 'customer_id', '--feature-data', platform, '--feature-id', 'uid', '--salt', 'consortium-1', '--form', 'alnum', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.shared).toBe(3);
    expect(rep.label).toMatchObject({ ids: 4, empty: 1, duplicate: 1, firstLeftOutRows: { empty: [4], duplicate: [6] } });
    expect(rep.feature).toMatchObject({ ids: 5, empty: 0, duplicate: 0 });
    expect(r.stdout).not.toMatch(/C-00|c 005|zz-9/i);
    expect(readFileSync(path.join(out, 'label-rows.csv'), 'utf8')).toBe('row\n2\n3\n5\n');
    expect(readFileSync(path.join(out, 'feature-rows.csv'), 'utf8')).toBe('row\n4\n3\n2\n');
  });

  it('names the file and the column it cannot find', async () => {
    const f = path.join(tmp.dir, 'x.csv');
    writeFileSync(f, 'a,b\n1,2\n');
    const r = await runCli(['psi', '--label-data', f, '--label-id', 'id', '--feature-data', f, '--feature-id', 'a', '--salt', 's', '--out', tmp.dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/x\.csv: no column "id" \(columns: a, b\)/);
  });
});
