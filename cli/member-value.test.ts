import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { saveValueReport } from '../participant/personal/store.ts';
import type { ValueReport } from '../participant/personal/store.ts';
import { memberValue } from './member-value.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-member-value-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const report = (member: string, personalized: number, localOnly: number): ValueReport => ({
  format: 'fedcredit-value-report', version: 1, jobId: 'j', member, model: 'logistic', createdAt: '2026-12-04T00:00:00.000Z',
  chosen: { variant: 'blend', alpha: 0.4 }, validation: [{ variant: 'global', auc: 0.7 }], rows: { train: 100, test: 40, testPositives: 9 }, folds: 5,
  test: { global: { auc: 0.6, ks: 0.2 }, personalized: { auc: personalized, ks: 0.3 }, localOnly: { auc: localOnly, ks: 0.25 } },
  complete: true, released: 'nothing',
});
const harness = { a: { auc: 0.5, ks: 0.1, n: 40 }, b: { auc: 0.55, ks: 0.1, n: 40 } };

describe('memberValue', () => {
  it('reads every member\'s report from its state dir as the personalized and local-only figures', () => {
    saveValueReport(path.join(dir, 'nodes', 'a'), report('a', 0.8, 0.7));
    saveValueReport(path.join(dir, 'nodes', 'b'), report('b', 0.9, 0.6));
    const v = memberValue(dir, 'j', ['a', 'b'], harness);
    expect(v.personalized.perParty.a).toEqual({ auc: 0.8, ks: 0.3, n: 40, kept: 'blend α=0.4' });
    expect(v.personalized.meanAuc).toBeCloseTo(0.85, 12);
    expect(v.localOnly).toEqual({ a: { auc: 0.7, ks: 0.25, n: 40 }, b: { auc: 0.6, ks: 0.25, n: 40 } });
    expect(v.localOnlySource).toBe('member-report');
    expect(v.localOnlyMeanAuc).toBeCloseTo(0.65, 12);
  });

  it('falls back to the harness-trained local-only models when a member wrote no report', () => {
    const v = memberValue(dir, 'j', ['a', 'b', 'c'], { ...harness, c: { auc: 0.6, ks: 0.1, n: 40 } });
    expect(v.localOnlySource).toBe('harness');
    expect(v.localOnly.c!.auc).toBe(0.6);
    expect(v.personalized.meanAuc).toBeNaN();
  });
});
