import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSchemaSchema } from '../core/data/schema.ts';
import { JobSpecSchema } from '../core/job.ts';
import { FinishedJobs, isJobIdForm, jobStored, loadJobRecord, storedJobIds } from './job-records.ts';
import type { JobRecord } from './job-records.ts';
import { JobStore, StoreError } from './store.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-job-records-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const job = JobSpecSchema.parse({ name: 'stored', rounds: 2 });
const schema = DataSchemaSchema.parse({ label: { column: 'y', positive: '1' }, numeric: [{ name: 'a' }], categorical: [] });
const round = (r: number) => ({
  round: r, participants: ['a', `p${r}`], trainLoss: 0.5, seconds: 0.1, failures: [], finishedAt: 1000 + r,
  metrics: { auc: 0.7, ks: 0.3, gini: 0.4, logLoss: 0.5, brier: 0.2, n: 10, positives: 3 },
});

describe('job records on disk', () => {
  it('reads a finished job back: status, rounds, participants, preprocessing and its last weights', async () => {
    const store = new JobStore(dir, '20250101T000000-abcdef01');
    store.init(job, schema, 'plain', 123);
    await store.savePreprocessing({ mean: [1], std: [2], n: 10, positives: 3 });
    await store.saveRound(round(0), { weights: Float32Array.of(0, 0), round: 0 }, {});
    await store.saveRound(round(1), { weights: Float32Array.of(1, -1), round: 1 }, {});
    store.saveStatus({ state: 'CANCELLED', stage: 'cancelled', error: 'cancelled by operator alice', finishedAt: 456, guarantee: '' });
    const rec = loadJobRecord(dir, store.jobId);
    expect(rec).toMatchObject({ id: store.jobId, state: 'CANCELLED', error: 'cancelled by operator alice', createdAt: 123, finishedAt: 456, aggregation: 'plain' });
    expect(rec.rounds.map((r) => r.round)).toEqual([0, 1]);
    expect([...rec.participants].sort()).toEqual(['a', 'p0', 'p1']);
    expect(rec.preprocessing).toEqual({ mean: [1], std: [2], n: 10, positives: 3 });
    expect(rec.weights).toEqual(Float32Array.of(1, -1));
    expect(storedJobIds(dir)).toEqual([store.jobId]);
  });

  it('never looks up an id that is not of the job-id form, and names an unreadable file', () => {
    for (const bad of ['', '..', '../jobs', 'a/b', '.hidden', 'x'.repeat(129)]) expect(isJobIdForm(bad), bad).toBe(false);
    expect(isJobIdForm('20250101T000000-abcdef01')).toBe(true);
    expect(jobStored(dir, '../..')).toBe(false);
    mkdirSync(path.join(dir, 'jobs', 'broken'), { recursive: true });
    writeFileSync(path.join(dir, 'jobs', 'broken', 'job.json'), '{');
    expect(jobStored(dir, 'broken')).toBe(true);
    expect(() => loadJobRecord(dir, 'broken')).toThrow(StoreError);
    expect(() => loadJobRecord(dir, 'broken')).toThrow(/job\.json: cannot be read as JSON/);
  });
});

describe('FinishedJobs', () => {
  it('keeps the most recently used jobs up to its capacity', () => {
    const cache = new FinishedJobs(2);
    const rec = (id: string) => ({ id }) as JobRecord;
    cache.put(rec('a'));
    cache.put(rec('b'));
    expect(cache.get('a')?.id).toBe('a'); // a is now the most recent
    cache.put(rec('c'));
    expect(cache.records().map((r) => r.id)).toEqual(['a', 'c']);
    expect(cache.get('b')).toBeUndefined();
  });
});
