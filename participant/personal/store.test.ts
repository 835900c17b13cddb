import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMemberModel, readValueReport, saveMemberModel, saveValueReport, valueReportPath } from './store.ts';
import type { ValueReport } from './store.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-personal-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const report: ValueReport = {
  format: 'fedcredit-value-report', version: 1, jobId: 'j1', member: 'customs', model: 'logistic', createdAt: '2026-12-04T00:00:00.000Z',
  chosen: { variant: 'blend', alpha: 0.3, epochs: 12 }, validation: [{ variant: 'global', auc: 0.6 }, { variant: 'blend', auc: 0.7, alpha: 0.3 }],
  rows: { train: 600, test: 170, testPositives: 34 }, folds: 5,
  test: { global: { auc: 0.55, ks: 0.1 }, personalized: { auc: 0.72, ks: 0.4 }, localOnly: { auc: null, ks: null } },
  complete: true, released: 'nothing',
};

describe('personal model store', () => {
  it('round-trips a committee of weight sets and its metadata', () => {
    const committee = [Float32Array.of(1, 2, 3), Float32Array.of(4, 5, 6)];
    saveMemberModel(dir, { format: 'fedcredit-member-model', version: 1, jobId: 'j1', member: 'customs', role: 'local', variant: 'local', model: { type: 'logistic' }, inputDim: 2, preprocessing: {}, trainedOnRows: 600 }, committee);
    const back = loadMemberModel(dir, 'j1', 'local');
    expect(back.committee.map((w) => [...w])).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(back.meta.committee).toBe(2);
  });

  it('writes a value report and reads it back; a bad one is refused naming the file and field', () => {
    const file = saveValueReport(dir, report);
    expect(file).toBe(valueReportPath(dir, 'j1'));
    expect(readValueReport(file)).toEqual(report);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...report, released: 'everything' }));
    expect(() => readValueReport(bad)).toThrow(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: invalid value report: released`));
    writeFileSync(bad, '{');
    expect(() => readValueReport(bad)).toThrow(/cannot read the value report/);
  });
});
