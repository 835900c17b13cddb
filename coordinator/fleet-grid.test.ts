import { afterEach, describe, expect, it } from 'vitest';
import type { StageTask } from '../core/round/grid.ts';
import type { SecAggConfig } from '../core/secagg/protocol/types.ts';
import { FleetGrid, ReplyRejectedError } from './fleet-grid.ts';

const config: SecAggConfig = { run: 'j/train/1/x.1', round: 1, participants: ['a', 'b'], threshold: 2, bits: 32, length: 3, graph: { kind: 'complete' } };

describe('FleetGrid delivery checks replies against their task', () => {
  let grid: FleetGrid;
  afterEach(() => grid.close());

  /** Runs one stage for participants a and b and returns their task ids once both are queued. */
  function stage(task: StageTask) {
    grid = new FleetGrid({ heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 60_000 });
    const a = grid.hello('a', 'bank', '');
    const b = grid.hello('b', 'bank', '');
    const done = grid.run(['a', 'b'], task, 30_000);
    return { a, b, done, taskOf: (e: typeof a) => e.queue[0]!.taskId };
  }

  it('rejects a wrong-length contribution at delivery, naming both lengths, and records the failure at once', async () => {
    const { a, b, done, taskOf } = stage({ kind: 'train', round: 1, config: {}, replyShape: { update: 2 } });
    const ta = taskOf(a);
    let err: unknown;
    try {
      grid.deliver(a, ta, { contribution: { update: new Float64Array(5) } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ReplyRejectedError);
    expect((err as Error).message).toBe('vector "update" has 5 elements, expected 2');
    // The task is closed: a second reply is stale, not garbage.
    expect(grid.deliver(a, ta, { contribution: { update: new Float64Array(2) } })).toMatch(/is closed: its reply was malformed/);
    expect(grid.deliver(b, taskOf(b), { contribution: { update: Float64Array.of(1, 2) } })).toBeNull();
    const r = await done;
    expect([...r.replies.keys()]).toEqual(['b']);
    expect(r.failures).toEqual([{ participant: 'a', stage: 'round 1: train', reason: 'malformed reply rejected: vector "update" has 5 elements, expected 2' }]);
  });

  it('rejects a masked vector of the wrong length for a secure-sum step', async () => {
    const task: StageTask = { kind: 'train', round: 1, config: {}, secagg: { config, message: { type: 'share-delivery', to: 'a', shared: ['a', 'b'], ciphertexts: [] } } };
    const { a, b, done, taskOf } = stage(task);
    expect(() => grid.deliver(a, taskOf(a), { secagg: { type: 'masked-input', from: 'a', y: new Uint32Array(2) } })).toThrow('masked input has 2 words, expected 3');
    expect(grid.deliver(b, taskOf(b), { secagg: { type: 'masked-input', from: 'b', y: new Uint32Array(3) } })).toBeNull();
    const r = await done;
    expect(r.failures.map((f) => f.reason)).toEqual(['malformed reply rejected: masked input has 2 words, expected 3']);
  });

  it('reject() fails only an open task of that participant', async () => {
    const { a, b, done, taskOf } = stage({ kind: 'stats', round: 0, config: {} });
    grid.reject(b, taskOf(a), 'not b\'s task'); // ignored
    grid.reject(a, 'no-such-task', 'unknown'); // ignored
    grid.reject(a, taskOf(a), 'tensor "stats": element 0 is NaN');
    expect(grid.deliver(b, taskOf(b), { refusal: 'no' })).toBeNull();
    const r = await done;
    expect(r.failures.map((f) => `${f.participant}: ${f.reason}`).sort()).toEqual(['a: malformed reply rejected: tensor "stats": element 0 is NaN', 'b: refused: no']);
  });
});

describe('FleetGrid membership: waiting for participants, and a node that registers again', () => {
  let grid: FleetGrid;
  afterEach(() => grid.close());

  it('waitFor resolves once enough of the wanted participants are connected, or at its timeout with whoever is connected', async () => {
    grid = new FleetGrid({ heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 60_000 });
    grid.hello('a', 'bank', '');
    let started = Date.now();
    expect(await grid.waitFor(3, undefined, 300)).toEqual(['a']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    // Only the wanted names count: b's arrival does not end the wait, c's does, long before the timeout.
    const waiting = grid.waitFor(2, ['a', 'c'], 60_000);
    started = Date.now();
    grid.hello('b', 'bank', '');
    grid.hello('c', 'bank', '');
    expect(await waiting).toEqual(['a', 'b', 'c']);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a restarted node that registers again under its name replaces its old session; the open task of the old one fails with the reason', async () => {
    grid = new FleetGrid({ heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 60_000 });
    const old = grid.hello('a', 'bank', '');
    const b = grid.hello('b', 'bank', '');
    const done = grid.run(['a', 'b'], { kind: 'stats', round: 0, config: {} }, 30_000);
    const oldTask = old.queue[0]!.taskId;
    const fresh = grid.hello('a', 'bank', '');
    expect(fresh.id).toBe(old.id);
    expect(fresh.session).not.toBe(old.session);
    expect(grid.touch(old.session)).toBeUndefined(); // its next heartbeat is "unknown session"
    expect(grid.touch(fresh.session)).toBe(fresh);
    expect(grid.available()).toEqual(['a', 'b']);
    expect(grid.deliver(old, oldTask, { refusal: 'late' })).toMatch(/is closed: the participant was dropped \(new session or no heartbeat\)/);
    expect(grid.deliver(b, b.queue[0]!.taskId, { refusal: 'no' })).toBeNull();
    expect((await done).failures).toEqual([
      { participant: 'a', stage: 'round 0: stats', reason: 'the participant reconnected with a new session' },
      { participant: 'b', stage: 'round 0: stats', reason: 'refused: no' },
    ]);
    // The next stage goes to the new session.
    const next = grid.run(['a'], { kind: 'stats', round: 0, config: {} }, 30_000);
    expect(fresh.queue.length).toBe(1);
    expect(grid.deliver(fresh, fresh.queue[0]!.taskId, { refusal: 'again' })).toBeNull();
    expect((await next).failures.map((f) => f.reason)).toEqual(['refused: again']);
  });
});
