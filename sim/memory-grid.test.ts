/**
 * The in-memory grid's dropouts: a member vanishes at the secure-aggregation step (and, when
 * named, the round and stage) it was given, stays gone for every later stage, and answers again
 * once it rejoins (a restarted node).
 */
import { describe, expect, it } from 'vitest';
import type { StageTask } from '../core/round/grid.ts';
import type { SecAggServerMessage } from '../core/round/secure-messages.ts';
import type { SecAggConfig } from '../core/secagg/protocol/types.ts';
import type { TaskKind } from '../core/types.ts';
import type { TaskHandler } from '../participant/handler.ts';
import { memoryGrid } from './memory-grid.ts';
import type { VanishAt } from './memory-grid.ts';

const config: SecAggConfig = { run: 'j/train/1/x.1', round: 1, participants: ['a', 'b'], threshold: 2, bits: 32, length: 1, graph: { kind: 'complete' } };
const BEGIN: SecAggServerMessage = { type: 'begin' };
const DELIVERY: SecAggServerMessage = { type: 'share-delivery', to: 'a', shared: ['a', 'b'], ciphertexts: [] };

/** One step of a secure sum of `kind` in `round` (or a plain stage without a message). */
const task = (kind: TaskKind, round: number, message?: SecAggServerMessage): StageTask => ({
  kind, round, config: { jobId: 'j' }, ...(message ? { secagg: { config, message } } : {}),
});

/** Two members whose handlers count their calls and answer with an empty contribution. */
function setup(vanish: Partial<Record<string, VanishAt>>) {
  const calls = { a: 0, b: 0 };
  const handler = (name: 'a' | 'b'): TaskHandler => async () => {
    calls[name]++;
    return { contribution: {} };
  };
  const handlers = new Map([['a', handler('a')], ['b', handler('b')]]);
  const grid = memoryGrid(handlers, vanish);
  const answered = async (t: StageTask) => {
    const r = await grid.run(['a', 'b'], t, 1000);
    return { answered: [...r.replies.keys()], failures: r.failures };
  };
  return { grid, calls, answered };
}

describe('memory grid dropouts', () => {
  it('vanishes at the named step of the named round and stage only, stays gone, and answers again after rejoin', async () => {
    const { grid, calls, answered } = setup({ a: { step: 'advertise-keys', round: 1, kind: 'train' } });
    expect((await answered(task('stats', 0, BEGIN))).answered).toEqual(['a', 'b']); // another round and stage
    expect((await answered(task('evaluate', 1, BEGIN))).answered).toEqual(['a', 'b']); // another stage
    expect((await answered(task('train', 1, DELIVERY))).answered).toEqual(['a', 'b']); // another step
    expect(calls.a).toBe(3);
    expect(await answered(task('train', 1, BEGIN))).toEqual({ answered: ['b'], failures: [{ participant: 'a', stage: 'round 1: train', reason: 'vanished' }] });
    expect(grid.available()).toEqual(['b']);
    expect(await grid.waitFor(2, undefined, 60_000)).toEqual(['b']); // at once: nobody comes back by themselves
    expect((await answered(task('evaluate', 1))).failures.map((f) => f.participant)).toEqual(['a']);
    expect(calls.a).toBe(3); // never asked once gone

    grid.rejoin('a');
    expect(grid.available()).toEqual(['a', 'b']);
    expect((await answered(task('train', 1, BEGIN))).answered).toEqual(['a', 'b']); // its vanish point is cleared
    expect(calls.a).toBe(4);
    expect(() => grid.rejoin('nobody')).toThrow('"nobody" has no handler on this grid');
  });

  it('a bare step vanishes at its first occurrence, in any stage', async () => {
    const { grid, answered } = setup({ b: 'masked-input' });
    expect((await answered(task('stats', 0, BEGIN))).answered).toEqual(['a', 'b']);
    expect((await answered(task('stats', 0, DELIVERY))).answered).toEqual(['a']);
    expect(grid.available()).toEqual(['a']);
  });
});
