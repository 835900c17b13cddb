/**
 * The liveness sweep of the coordinator's FleetGrid with real timers: a participant silent for
 * longer than the heartbeat timeout is dropped, but time during which the coordinator's own event
 * loop was blocked does not count as silence (heartbeats sent meanwhile wait in the sockets, and
 * the loop runs the sweep before it reads them).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FleetGrid } from './fleet-grid.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Blocks this thread's event loop for `ms`, as a long synchronous step of the coordinator would. */
function block(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy: no timer, socket or immediate runs meanwhile
  }
}

describe('FleetGrid liveness', () => {
  let grid: FleetGrid;
  afterEach(() => grid.close());

  const start = () => {
    const left: string[] = [];
    grid = new FleetGrid({ heartbeatIntervalMs: 60, heartbeatTimeoutMs: 300, onLeave: (name, why) => left.push(`${name}: ${why}`) });
    return left;
  };

  it('drops a participant that stays silent past the timeout, and keeps one that sends heartbeats', async () => {
    const left = start();
    grid.hello('silent', 'bank', '');
    const talker = grid.hello('talker', 'bank', '');
    for (let i = 0; i < 12; i++) {
      await sleep(60);
      grid.touch(talker.session);
    }
    expect(left).toEqual(['silent: disconnected: no heartbeat for 300 ms']);
    expect(grid.touch(talker.session)).toBeDefined();
  });

  it('does not count the coordinator\'s own stall as silence: a heartbeat read right after it keeps the participant', async () => {
    const left = start();
    const a = grid.hello('a', 'bank', '');
    await sleep(100);
    grid.touch(a.session);
    // The loop is held for more than three timeouts; the heartbeat that arrived meanwhile is read
    // only after the loop's next timers, the liveness sweep among them.
    block(1000);
    setImmediate(() => grid.touch(a.session));
    await sleep(150);
    expect(left).toEqual([]);
    expect(grid.touch(a.session)).toBeDefined();
    // Silence after the stall still counts (waited for, as a loaded machine may run the sweep late too).
    for (let i = 0; i < 100 && left.length === 0; i++) await sleep(50);
    expect(left).toEqual(['a: disconnected: no heartbeat for 300 ms']);
  });
});
