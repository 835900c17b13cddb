import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RoundRecord } from '../core/round/engine.ts';
import { JobStore, StoreError } from './store.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-store-finite-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const record = (round: number): RoundRecord => ({
  round, participants: ['a', 'b'], trainLoss: 0.5, seconds: 0.1, failures: [], finishedAt: 1000 + round,
  metrics: { auc: 0.7, ks: 0.3, gini: 0.4, logLoss: 0.5, brier: 0.2, n: 10, positives: 3 },
});

describe('JobStore.saveRound never stores a model that is not finite', () => {
  it('refuses non-finite weights or optimiser moments, naming the coordinate, and writes nothing of the round', async () => {
    const store = new JobStore(dir, 'job-1');
    await store.saveRound(record(0), { weights: Float32Array.of(0.1, 0.2), round: 0 }, {});
    const err = await store.saveRound(record(1), { weights: Float32Array.of(0.1, Infinity), round: 1 }, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toMatch(/refusing to store round 1: the model is not finite: vector "weights" coordinate 1 is Infinity$/);
    const moments = await store.saveRound(record(1), { weights: Float32Array.of(0.1, 0.3), round: 1, m: Float64Array.of(0, NaN) }, {}).catch((e: unknown) => e);
    expect((moments as Error).message).toMatch(/vector "m" coordinate 1 is NaN$/);
    for (const sub of ['weights/0001.f32', 'state/0001.json', 'rounds/0001.json']) expect(existsSync(path.join(store.dir, sub)), sub).toBe(false);
    expect(store.rounds().map((r) => r.round)).toEqual([0]);
    expect((err as Error).message).toContain(store.dir);
  });
});
