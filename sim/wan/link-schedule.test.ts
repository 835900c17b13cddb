import { describe, expect, it } from 'vitest';
import { LinkSchedule } from './link-schedule.ts';

describe('LinkSchedule', () => {
  it('delivers a chunk after its serialization time plus the one-way delay', () => {
    // 1 Mbit/s: 1250 bytes take 10 ms to serialize.
    const s = new LinkSchedule({ latencyMs: 20, bandwidthBps: 1e6 }, 0);
    expect(s.serializationMs(1250)).toBeCloseTo(10, 9);
    expect(s.deliveryTime(100, 1250)).toBeCloseTo(130, 9);
  });

  it('queues chunks behind each other on the link (bandwidth is shared, not per chunk)', () => {
    const s = new LinkSchedule({ latencyMs: 5, bandwidthBps: 1e6 }, 0);
    const a = s.deliveryTime(0, 1250); // on the wire 0..10
    const b = s.deliveryTime(1, 1250); // waits for a: 10..20
    const c = s.deliveryTime(50, 125); // link idle again: 50..51
    expect([a, b, c].map((x) => Number(x.toFixed(6)))).toEqual([15, 25, 56]);
  });

  it('moves a delivery that falls into a stall to the end of the stall', () => {
    // Stalls 100..150, 300..350, … (every 200 ms for 50 ms, starting 100 ms after opening at t = 0).
    const s = new LinkSchedule({ latencyMs: 10, bandwidthBps: 1e12, stall: { everyMs: 200, forMs: 50, offsetMs: 100 } }, 0);
    expect(s.afterStalls(99)).toBe(99);
    expect(s.afterStalls(100)).toBe(150);
    expect(s.afterStalls(149)).toBe(150);
    expect(s.afterStalls(150)).toBe(150);
    expect(s.afterStalls(320)).toBe(350);
    expect(s.deliveryTime(95, 1)).toBeCloseTo(150, 6);
  });

  it('never lets a later chunk overtake an earlier one', () => {
    const s = new LinkSchedule({ latencyMs: 10, bandwidthBps: 1e9, stall: { everyMs: 100, forMs: 30 } }, 0);
    let last = Number.NEGATIVE_INFINITY;
    for (let t = 0; t < 1000; t += 3) {
      const at = s.deliveryTime(t, 1000);
      expect(at).toBeGreaterThanOrEqual(last);
      expect(at).toBeGreaterThanOrEqual(t + 10);
      last = at;
    }
  });

  it('rejects a shape that makes no sense, naming the field', () => {
    expect(() => new LinkSchedule({ latencyMs: -1, bandwidthBps: 1e6 }, 0)).toThrow(/latencyMs/);
    expect(() => new LinkSchedule({ latencyMs: 1, bandwidthBps: 0 }, 0)).toThrow(/bandwidthBps/);
    expect(() => new LinkSchedule({ latencyMs: 1, bandwidthBps: 1, stall: { everyMs: 10, forMs: 10 } }, 0)).toThrow(/forMs must be shorter/);
  });
});
