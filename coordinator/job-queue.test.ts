import { describe, expect, it } from 'vitest';
import { RunQueue } from './job-queue.ts';

/** A queue of named items whose runs wait until released or aborted; records what happened. */
function harness() {
  const log: string[] = [];
  const release = new Map<string, () => void>();
  const q = new RunQueue<string>(
    (item, signal) =>
      new Promise<void>((resolve, reject) => {
        log.push(`start ${item}`);
        release.set(item, resolve);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
    (item) => log.push(`end ${item}`),
    (item, err) => log.push(`error ${item}: ${String(err)}`),
  );
  const tick = () => new Promise((r) => setTimeout(r, 0));
  return { q, log, release, tick };
}

describe('RunQueue', () => {
  it('runs items one at a time in order, and is idle when all have ended', async () => {
    const { q, log, release, tick } = harness();
    q.push('a');
    q.push('b');
    await tick();
    expect(log).toEqual(['start a']);
    expect(q.current()).toBe('a');
    expect(q.queued()).toEqual(['b']);
    const idle = q.idle();
    release.get('a')!();
    await tick();
    expect(log).toEqual(['start a', 'end a', 'start b']);
    release.get('b')!();
    await idle;
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
    expect(q.current()).toBeUndefined();
  });

  it('takes a waiting item out before it runs, and stops the running one through its signal', async () => {
    const { q, log, tick } = harness();
    for (const x of ['a', 'b', 'c']) q.push(x);
    await tick();
    expect(q.remove((x) => x === 'b')).toBe(true);
    expect(q.remove((x) => x === 'b')).toBe(false);
    expect(await q.stop((x) => x === 'c', 'not running')).toBe(false);
    expect(await q.stop((x) => x === 'a', 'stop!')).toBe(true);
    // Stopping resolves once a has ended; c starts next, b never runs.
    expect(log).toEqual(['start a', 'error a: stop!', 'end a', 'start c']);
  });

  it('once paused, stops the running item, starts nothing more and keeps the waiting ones', async () => {
    const { q, log, tick } = harness();
    q.push('a');
    q.push('b');
    await tick();
    await q.pause('stopping', 1000);
    expect(q.isPaused).toBe(true);
    q.push('c');
    await tick();
    expect(log).toEqual(['start a', 'error a: stopping', 'end a']);
    expect(q.queued()).toEqual(['b', 'c']);
    await q.idle(); // resolves at once while paused
  });

  it('gives up waiting for a stopped item that does not end', async () => {
    const q = new RunQueue<string>(() => new Promise<void>(() => undefined), () => undefined, () => undefined);
    q.push('deaf');
    await new Promise((r) => setTimeout(r, 0));
    const started = Date.now();
    await q.pause('stopping', 50);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
