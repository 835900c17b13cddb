import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Heartbeats } from './heartbeat.ts';

describe('Heartbeats', () => {
  let hb: Heartbeats;
  beforeEach(() => {
    vi.useFakeTimers();
    hb = new Heartbeats();
  });
  afterEach(() => {
    hb.stop();
    vi.useRealTimers();
  });

  it('beats every interval while the node sends nothing else', async () => {
    const send = vi.fn(async () => ({ known: true }));
    hb.start(100, send, () => undefined);
    await vi.advanceTimersByTimeAsync(1000);
    expect(send).toHaveBeenCalledTimes(10);
  });

  it('skips a beat when a poll or push went out within the interval', async () => {
    const send = vi.fn(async () => ({ known: true }));
    hb.start(100, send, () => undefined);
    for (let i = 0; i < 10; i++) {
      hb.noteSent(Date.now());
      await vi.advanceTimersByTimeAsync(50);
      hb.noteSent(Date.now());
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(send).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(150); // silence again: the tick 150 ms after the last poll beats
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('sends no new beat while the last is unanswered, and reports an unknown session', async () => {
    let answer!: (r: { known: boolean }) => void;
    const send = vi.fn(() => new Promise<{ known: boolean }>((r) => (answer = r)));
    const unknown = vi.fn();
    hb.start(100, send, unknown);
    await vi.advanceTimersByTimeAsync(1000);
    expect(send).toHaveBeenCalledTimes(1);
    answer({ known: false });
    await vi.advanceTimersByTimeAsync(100);
    expect(unknown).toHaveBeenCalledTimes(1);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('a failed beat frees the next one', async () => {
    const send = vi.fn(async () => {
      throw new Error('UNAVAILABLE');
    });
    hb.start(100, send, () => undefined);
    await vi.advanceTimersByTimeAsync(500);
    expect(send).toHaveBeenCalledTimes(5);
  });
});
