/**
 * Masks computed ahead by real participant mods: from its answer to the share-keys step on, a
 * node computes its mask in idle time (participant/idle-work.ts), and its masking adds it. Here
 * the idle time is made explicit: a queue the test drains between the coordinator's steps.
 */
import { describe, expect, it } from 'vitest';
import { trainShape } from '../core/aggregate/train.ts';
import { JobSpecSchema } from '../core/job.ts';
import { inputDim } from '../core/data/schema.ts';
import { modelLayout } from '../core/model/layout.ts';
import { layoutSize } from '../core/types.ts';
import type { Contribution } from '../core/types.ts';
import type { Grid } from '../core/round/grid.ts';
import { secureSum } from '../core/round/secure-sum.ts';
import { updateStep } from '../core/round/secure-plan.ts';
import { memoryGrid } from '../sim/memory-grid.ts';
import type { VanishAt } from '../sim/memory-grid.ts';
import type { IdleJob, IdleQueue } from '../participant/idle-work.ts';
import { testIdentities } from './support/secagg-protocol.ts';
import { plainSum, randomContribution, schema, setup } from './support/secure-sum.ts';

const SIZE = layoutSize(modelLayout(JobSpecSchema.parse({}).model, inputDim(schema)));

/** Idle time on demand: jobs wait until {@link ManualIdle.drain} runs them to the end. */
class ManualIdle implements IdleQueue {
  jobs: IdleJob[] = [];
  added = 0;
  /** Calls of the jobs, each one piece of work. */
  pieces = 0;
  add(job: IdleJob): void {
    this.added++;
    this.jobs.push(job);
  }
  drain(): void {
    for (const job of this.jobs.splice(0)) {
      let finished = false;
      while (!finished) {
        this.pieces++;
        finished = job();
      }
    }
  }
}

const updateOf = (name: string): Contribution => {
  const c = randomContribution({ update: SIZE }, name.charCodeAt(6) * 17, 0.3);
  return { update: c.update!.map((d) => d * 10), weight: Float64Array.of(10), loss: Float64Array.of(5, 10) };
};

async function oneSum(idle: ManualIdle | null, vanish: Partial<Record<string, VanishAt>> = {}) {
  const n = 7;
  const names0 = Array.from({ length: n }, (_, i) => `inst-${String(i).padStart(2, '0')}`);
  const ids = testIdentities(names0, 9);
  const { names, handlers, config, job } = setup(
    n,
    // keysAhead 0: this sum sets up no later sum's keys, so each member masks once.
    { secureAggregation: { clip: 4, maxWeight: 1000, keysAhead: 0 } },
    (name) => updateOf(name),
    (name) => ({ secretKey: ids.secretKeys.get(name)!, peers: ids.roster }),
    { idleWork: idle },
  );
  const honest = memoryGrid(handlers, vanish);
  const steps: string[] = [];
  /** Masks waiting to be computed when the share deliveries went out, and pieces computed by then. */
  const atDelivery = { waiting: 0, pieces: 0 };
  // The coordinator's steps, with the nodes' idle time between them.
  const grid: Grid = {
    ...honest,
    run: async (participants, tasks, deadlineMs, signal) => {
      const task = typeof tasks === 'function' ? tasks(participants[0]!) : tasks;
      const step = task.secagg?.message.type ?? 'plain';
      if (step === 'share-delivery' && idle) atDelivery.waiting = idle.jobs.length;
      idle?.drain();
      if (step === 'share-delivery' && idle) atDelivery.pieces = idle.pieces;
      steps.push(step);
      return honest.run(participants, tasks, deadlineMs, signal);
    },
  };
  const res = await secureSum('job-1', job, '0', { authenticated: true }).run(grid, names, { kind: 'train', round: 1, config, weights: new Float32Array(SIZE) }, trainShape(SIZE), 1000);
  return { res, names, job, steps, atDelivery };
}

describe('masks computed ahead by participant nodes', () => {
  it('are computed between the share-keys and masked-input steps, one per member, and sum exactly', async () => {
    const idle = new ManualIdle();
    const { res, names, job, steps, atDelivery } = await oneSum(idle);
    expect(steps).toContain('share-delivery');
    expect(res.failures).toEqual([]);
    expect(res.contributors).toEqual(names);
    // One mask per member, queued once it answered the share-keys step and computed in the idle
    // time before the share deliveries went out.
    expect(idle.added).toBe(names.length);
    expect(atDelivery.waiting).toBe(names.length);
    expect(atDelivery.pieces).toBeGreaterThanOrEqual(names.length);
    expect(idle.jobs).toEqual([]);
    const want = plainSum(names.map(updateOf));
    const tolerance = names.length * updateStep(job.secureAggregation, names.length) + 1e-9;
    for (let i = 0; i < SIZE; i++) expect(Math.abs(res.sum!.update![i]! - want.update![i]!)).toBeLessThanOrEqual(tolerance);
  });

  it('leave out the neighbours that did not share keys, and give the sum computed without them', async () => {
    const vanish = { 'inst-03': 'share-keys' as VanishAt };
    const ahead = await oneSum(new ManualIdle(), vanish);
    const atOnce = await oneSum(null, vanish);
    const survivors = ahead.names.filter((m) => m !== 'inst-03');
    expect(ahead.res.contributors).toEqual(survivors);
    expect(atOnce.res.contributors).toEqual(survivors);
    const want = plainSum(survivors.map(updateOf));
    const tolerance = survivors.length * updateStep(ahead.job.secureAggregation, survivors.length) + 1e-9;
    for (const res of [ahead.res, atOnce.res]) {
      for (let i = 0; i < SIZE; i++) expect(Math.abs(res.sum!.update![i]! - want.update![i]!)).toBeLessThanOrEqual(tolerance);
    }
  });
});
