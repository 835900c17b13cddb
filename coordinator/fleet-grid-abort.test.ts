import { afterEach, describe, expect, it } from 'vitest';
import { FleetGrid } from './fleet-grid.ts';

describe('FleetGrid waits end at once when their signal aborts', () => {
  let grid: FleetGrid;
  afterEach(() => grid.close());

  it('a stage rejects with the reason, closes the tasks it sent and takes unpulled ones out of the queues', async () => {
    grid = new FleetGrid({ heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 60_000 });
    const a = grid.hello('a', 'bank', '');
    const b = grid.hello('b', 'bank', '');
    const controller = new AbortController();
    const stage = grid.run(['a', 'b'], { kind: 'train', round: 1, config: {} }, 2 ** 31 - 1, controller.signal);
    const pulled = await grid.pull(a, 10, () => undefined); // a holds its task; b's waits in its queue
    expect(pulled).not.toBeNull();
    expect(b.queue).toHaveLength(1);
    const reason = new Error('cancelled by operator alice');
    controller.abort(reason);
    await expect(stage).rejects.toBe(reason);
    expect(b.queue).toHaveLength(0);
    expect(grid.deliver(a, pulled!.taskId, { refusal: 'late' })).toMatch(/is closed: its job was cancelled, or paused because the coordinator is stopping/);
    // A stage asked for with an aborted signal does not start.
    await expect(grid.run(['a'], { kind: 'train', round: 2, config: {} }, 1000, controller.signal)).rejects.toBe(reason);
    expect(a.queue).toHaveLength(0);
  });

  it('waiting for participants rejects with the reason instead of waiting out its timeout', async () => {
    grid = new FleetGrid({ heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 60_000 });
    const controller = new AbortController();
    const started = Date.now();
    const waiting = grid.waitFor(1, ['nobody'], 2 ** 31 - 1, controller.signal);
    setTimeout(() => controller.abort('stop'), 20);
    await expect(waiting).rejects.toBe('stop');
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(grid.waitFor(1, undefined, 10, controller.signal)).rejects.toBe('stop');
    // Without a signal, the timeout still ends the wait with whoever is connected.
    expect(await grid.waitFor(1, ['nobody'], 10)).toEqual([]);
  });
});
