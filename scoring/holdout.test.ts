/**
 * The held-out rows written for scoring are the rows each member's node evaluates on: the test
 * part of its own job split (participant/local-handler.ts `jobSplit`, personalization included),
 * with the raw cells unchanged; members with different headers are refused.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JobSpecSchema } from '../core/job.ts';
import { loadTable } from '../participant/data/load.ts';
import { jobSplit } from '../participant/local-handler.ts';
import { readApplicantsCsv } from './applicants.ts';
import { TEST_SCHEMA } from './fixtures.ts';
import { writeHeldOutRows } from './holdout.ts';

const root = mkdtempSync(path.join(tmpdir(), 'fedcredit-holdout-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A member file of `n` rows with distinct values (so every row hashes differently). */
function memberFile(name: string, n: number, offset: number): string {
  const lines = ['income,age,home,default,note'];
  for (let i = 0; i < n; i++) lines.push(`${offset + i * 7.5},${20 + (i % 50)},${['own', 'rent', ''][i % 3]},${i % 4 === 0 ? 'yes' : 'no'},"a, b"`);
  const file = path.join(root, `${name}.csv`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('writeHeldOutRows', () => {
  it('writes each member\'s own held-out rows, as its node splits them', () => {
    const members = [
      { name: 'bank-a', file: memberFile('bank-a', 120, 0) },
      { name: 'bank-b', file: memberFile('bank-b', 80, 3) },
    ];
    const job = JobSpecSchema.parse({ seed: 9, evaluation: { holdout: 0.3 }, personalization: { mode: 'finetune', validation: 0.25 } });
    const out = writeHeldOutRows(members, job, TEST_SCHEMA, path.join(root, 'holdout.csv'));
    const tests = members.map((m) => jobSplit(loadTable(m.file, TEST_SCHEMA).table, m.name, job).test);
    expect(out.perMember).toEqual({
      'bank-a': { rows: tests[0]!.n, positives: tests[0]!.labels.reduce((a, y) => a + y, 0) },
      'bank-b': { rows: tests[1]!.n, positives: tests[1]!.labels.reduce((a, y) => a + y, 0) },
    });
    expect(tests[0]!.n).toBeGreaterThan(20);
    const written = readApplicantsCsv(out.file, TEST_SCHEMA);
    expect(written.labelled).toBe(true);
    expect(Array.from(written.table.numeric[0]!)).toEqual([...tests[0]!.numeric[0]!, ...tests[1]!.numeric[0]!]);
    expect(Array.from(written.table.labels)).toEqual([...tests[0]!.labels, ...tests[1]!.labels]);
    expect(readFileSync(out.file, 'utf8').split('\n')[1]).toMatch(/,"a, b"$/);
  });

  it('refuses members whose headers differ', () => {
    const other = path.join(root, 'other.csv');
    writeFileSync(other, 'age,income,home,default\n30,100,own,no\n');
    expect(() => writeHeldOutRows([{ name: 'a', file: memberFile('a', 10, 0) }, { name: 'b', file: other }], JobSpecSchema.parse({}), TEST_SCHEMA, path.join(root, 'x.csv'))).toThrow(
      /other\.csv line 1: the header differs/,
    );
  });
});
