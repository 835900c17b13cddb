/**
 * The participant's fleet client against a real coordinator on loopback: how it reacts when the
 * coordinator forgets its session while a task is being executed, and when it heartbeats.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCoordinator } from '../coordinator/server.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import { createLogger } from '../platform/log.ts';
import { job, schema } from '../proto/vectors/fixtures.ts';
import type { ParsedTask, TaskHandler } from '../participant/handler.ts';
import { ParticipantNode } from '../participant/node.ts';

const quiet = createLogger('test', 'error');

async function waitUntil(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ParticipantNode', () => {
  let coord: CoordinatorHandle | undefined;
  let node: ParticipantNode | undefined;
  let dir = '';
  afterEach(async () => {
    node?.stop();
    await coord?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('registers again, instead of giving up, when its session expired while it was executing a task', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fc-node-'));
    coord = await startCoordinator({ stateDir: dir, port: 0, heartbeatIntervalMs: 50, heartbeatTimeoutMs: 60_000, logger: quiet });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: ParsedTask[] = [];
    const handler: TaskHandler = async (task) => {
      seen.push(task);
      await gate;
      return { refusal: { code: 'test', reason: 'held, then refused' } };
    };
    node = new ParticipantNode({ coordinator: coord.address, name: 'bank-a', role: 'bank', schemaDigest: 'd', handler, log: quiet, pollWaitMs: 200 });
    const running = node.run();
    const grid = coord.grid;
    await waitUntil(() => grid.available().includes('bank-a'), 10_000, 'bank-a to register');

    const config = { jobId: 'j1', job: job(), schema: schema() };
    const stage = grid.run(['bank-a'], { kind: 'stats', round: 0, config }, 30_000);
    await waitUntil(() => seen.length === 1, 10_000, 'the task to reach the handler');
    // The coordinator forgets the node's session while the task runs (a Hello under its name
    // replaces it, as after a heartbeat timeout): the node's heartbeat learns it is unknown.
    const replaced = grid.hello('bank-a', 'bank', 'd').session;
    await new Promise((r) => setTimeout(r, 300));
    release();

    await waitUntil(() => {
      const s = grid.list().find((e) => e.name === 'bank-a')?.session;
      return s !== undefined && s !== replaced && grid.available().includes('bank-a');
    }, 10_000, 'bank-a to register again');
    // Its answer went with the forgotten session and was not accepted.
    expect(node.tasksDone).toBe(0);
    let settled: unknown = 'pending';
    running.then(() => (settled = 'resolved'), (e) => (settled = e));
    await new Promise((r) => setTimeout(r, 200));
    expect(settled).toBe('pending');
    node.stop();
    await running;
    await stage.catch(() => undefined);
  });

  it('gets its next task in the PushResult reply: one signed call per step, a PullTask only after an empty wait', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fc-node-'));
    const record = path.join(dir, 'messages.jsonl');
    coord = await startCoordinator({ stateDir: dir, port: 0, logger: quiet, recordMessages: record });
    const refuse: TaskHandler = async (task) => ({ refusal: { code: 'test', reason: `step ${task.round}` } });
    const rpcs = () => readFileSync(record, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { rpc: string; message: { nextWaitMs?: number } }));
    const count = (rpc: string) => rpcs().filter((m) => m.rpc === rpc).length;
    const config = { jobId: 'j1', job: job(), schema: schema() };
    const steps = async (name: string, rounds: number[]) => {
      for (const round of rounds) {
        const r = await coord!.grid.run([name], { kind: 'stats', round, config }, 10_000);
        expect(r.failures.map((f) => f.reason)).toEqual([`refused: step ${round} [test]`]);
      }
    };
    let pullsBefore = 0;
    for (const [name, mode] of [['bank-a', 'push-reply'], ['bank-b', 'pull-beside-push']] as const) {
      node = new ParticipantNode({ coordinator: coord.address, name, role: 'bank', schemaDigest: 'd', handler: refuse, log: quiet, pollWaitMs: 2000, nextTask: mode });
      const running = node.run();
      await waitUntil(() => coord!.grid.available().includes(name), 10_000, `${name} to register`);
      // Its first long poll follows the Hello: counted before the steps, not during them.
      await waitUntil(() => count('PullTask') > (name === 'bank-a' ? 0 : pullsBefore), 10_000, `${name}'s first PullTask`);
      const before = rpcs().length;
      const pulls = count('PullTask');
      await steps(name, [0, 1, 2, 3]);
      const pushes = rpcs().slice(before).filter((m) => m.rpc === 'PushResult');
      expect(pushes.length).toBe(4);
      if (mode === 'push-reply') {
        // Each push asked for its next task, and the tasks of steps 1-3 came in the replies: no PullTask in between.
        expect(pushes.every((m) => m.message.nextWaitMs === 2000)).toBe(true);
        expect(count('PullTask')).toBe(pulls);
        // The last reply's wait runs out (no step follows): the node polls again and still gets a later task.
        await waitUntil(() => count('PullTask') > pulls, 10_000, 'a PullTask after the empty wait');
        await steps(name, [4]);
      } else {
        // A PullTask beside each push (the last may still be on its way), and none of the pushes waits.
        expect(pushes.every((m) => !m.message.nextWaitMs)).toBe(true);
        expect(count('PullTask')).toBeGreaterThanOrEqual(pulls + 3);
      }
      node.stop();
      await running;
      node = undefined;
      pullsBefore = count('PullTask');
    }
  });

  it('heartbeats only when no poll or push told the coordinator it is alive within the interval', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fc-node-'));
    coord = await startCoordinator({ stateDir: dir, port: 0, heartbeatIntervalMs: 50, heartbeatTimeoutMs: 60_000, logger: quiet });
    const refuse: TaskHandler = async () => ({ refusal: { code: 'test', reason: 'unused' } });
    // One node's long polls return empty every 20 ms (as between a round's steps), the other's wait 10 s (idle).
    const busy = new ParticipantNode({ coordinator: coord.address, name: 'busy', role: 'bank', schemaDigest: 'd', handler: refuse, log: quiet, pollWaitMs: 20 });
    const idle = new ParticipantNode({ coordinator: coord.address, name: 'idle', role: 'bank', schemaDigest: 'd', handler: refuse, log: quiet, pollWaitMs: 10_000 });
    const beats = { busy: 0, idle: 0 };
    for (const [name, n] of [['busy', busy], ['idle', idle]] as const) {
      // Heartbeats go out on the node's second connection (its `beats` client).
      const client = (n as unknown as { beats: { heartbeat: (...a: unknown[]) => unknown } }).beats;
      const original = client.heartbeat.bind(client);
      client.heartbeat = (...a: unknown[]) => {
        beats[name]++;
        return original(...a);
      };
    }
    const runs = [busy.run(), idle.run()];
    try {
      await waitUntil(() => coord!.grid.available().length === 2, 10_000, 'both nodes to register');
      beats.busy = 0;
      beats.idle = 0;
      await new Promise((r) => setTimeout(r, 1500));
      // About 30 ticks each: the idle node beats at most of them (fewer on a loaded machine, whose
      // timers fire late), the busy one at (nearly) none.
      expect(beats.idle).toBeGreaterThanOrEqual(10);
      expect(beats.busy).toBeLessThan(beats.idle / 3);
      expect(coord.grid.available()).toEqual(['busy', 'idle']);
    } finally {
      busy.stop();
      idle.stop();
      await Promise.allSettled(runs);
    }
  });

  it('hands out a heartbeat interval of a fifth of the timeout unless one is configured', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fc-node-'));
    for (const [opts, expected] of [
      [{}, 2000],
      [{ heartbeatTimeoutMs: 2500 }, 500],
      [{ heartbeatTimeoutMs: 60_000 }, 12_000],
      [{ heartbeatTimeoutMs: 2500, heartbeatIntervalMs: 300 }, 300],
    ] as const) {
      coord = await startCoordinator({ stateDir: path.join(dir, String(expected)), port: 0, logger: quiet, ...opts });
      expect(coord.grid.opts.heartbeatIntervalMs, JSON.stringify(opts)).toBe(expected);
      await coord.stop();
      coord = undefined;
    }
    await expect(startCoordinator({ stateDir: path.join(dir, 'bad'), port: 0, logger: quiet, heartbeatTimeoutMs: 1000, heartbeatIntervalMs: 1000 })).rejects.toThrow(
      'heartbeatIntervalMs must be positive and below heartbeatTimeoutMs (1000), got 1000',
    );
  });
});
