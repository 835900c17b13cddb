import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JobSpecSchema } from '../core/job.ts';
import type { RoundRecord } from '../core/round/engine.ts';
import { JobStore, StoreError } from './store.ts';
import { thrownError } from '../test/support/core.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const record = (round: number): RoundRecord => ({
  round, participants: ['a', 'b'], trainLoss: 0.5, seconds: 0.1, failures: [], finishedAt: 1000 + round,
  metrics: { auc: 0.7, ks: 0.3, gini: 0.4, logLoss: 0.5, brier: 0.2, n: 10, positives: 3 },
});
const stateAt = (round: number) => ({ weights: Float32Array.of(round, -round, 0.5), round });
const prep = { mean: [1, 2], std: [1, 1], n: 10, positives: 3 };
const schema = { label: { column: 'y', positive: 'yes' }, features: [{ column: 'x', type: 'numeric' as const }] };

describe('JobStore: the unit of a round and where a job resumes', () => {
  it('resumes from the last round whose state and record are both stored', async () => {
    const store = new JobStore(dir, 'job-1');
    expect(store.resumePoint()).toBeUndefined(); // nothing yet: start over
    await store.savePreprocessing(prep);
    expect(store.resumePoint()).toEqual({ preprocessing: prep, rounds: [], releases: {} });
    for (const r of [0, 1, 2]) await store.saveRound(record(r), stateAt(r), { clipNorm: 0.5 + r });
    const p = store.resumePoint()!;
    expect(p.rounds.map((r) => r.round)).toEqual([0, 1, 2]);
    expect(Array.from(p.state!.weights)).toEqual([2, -2, 0.5]);
    expect(p.state!.round).toBe(2);
    expect(p.next).toEqual({ clipNorm: 2.5 });

    // A crash after round 3's state but before its record: round 3 is run again.
    await store.saveRound(record(3), stateAt(3));
    unlinkSync(path.join(store.dir, 'rounds', '0003.json'));
    expect(store.resumePoint()!.rounds.map((r) => r.round)).toEqual([0, 1, 2]);
    // A record without its state (an older layout) ends the resumable run as well.
    unlinkSync(path.join(store.dir, 'state', '0002.json'));
    expect(store.resumePoint()!.state!.round).toBe(1);
  });

  it('names the file and field of a corrupted stored file instead of resuming from it', async () => {
    const store = new JobStore(dir, 'job-2');
    store.init(JobSpecSchema.parse({}), schema as never, 'secagg', 5);
    await store.savePreprocessing(prep);
    await store.saveRound(record(0), stateAt(0));
    writeFileSync(path.join(store.dir, 'state', '0000.json'), '{"strategy": {"version": 1, "round": 0, "weights": 7}, "next": {}}');
    expect(thrownError(() => store.resumePoint(), StoreError).message).toMatch(/state[/\\]0000\.json: strategy\.weights: /);
    writeFileSync(path.join(store.dir, 'preprocessing.json'), '{"mean": [1], "std"');
    expect(thrownError(() => store.resumePoint(), StoreError).message).toMatch(/preprocessing\.json: cannot be read as JSON/);
    writeFileSync(path.join(store.dir, 'job.json'), JSON.stringify({ jobId: 'job-2', job: { rounds: -1 }, schema, aggregation: 'secagg', createdAt: 1 }));
    expect(thrownError(() => store.readJob(), StoreError).message).toMatch(/job\.json: job\.rounds: /);
  });

  it('keeps the survivor set of every stage whose unmasking began, also before the preprocessing is stored', async () => {
    const store = new JobStore(dir, 'job-3');
    await store.saveRelease('stats', 0, ['c', 'a', 'b']);
    expect(store.resumePoint()).toEqual({ rounds: [], releases: { 'stats/0': ['a', 'b', 'c'] } });
    await store.savePreprocessing(prep);
    await store.saveRound(record(0), stateAt(0));
    await store.saveRelease('train', 1, ['a', 'b', 'd']);
    expect(store.resumePoint()!.releases).toEqual({ 'stats/0': ['a', 'b', 'c'], 'train/1': ['a', 'b', 'd'] });
    writeFileSync(path.join(store.dir, 'releases', 'train-0001.json'), '{"kind": "train", "round": 1, "survivors": []}');
    expect(thrownError(() => store.resumePoint(), StoreError).message).toMatch(/train-0001\.json: survivors: /);
  });
});
