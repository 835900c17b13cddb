/** Tests of the holdout splits: stratified (without DP) and row by row (record-level DP). */
import { describe, expect, it } from 'vitest';
import { seededRng, uniform01 } from '../random';
import { classCounts, holdoutCount, splitHoldout, splitRecordwise } from './split';
import type { Table } from './table';

function randomLabels(n: number, rate: number, seed: number): Uint8Array {
  const rng = seededRng(seed);
  return Uint8Array.from({ length: n }, () => (uniform01(rng) < rate ? 1 : 0));
}

const isSorted = (a: Uint32Array) => a.every((v, i) => i === 0 || a[i - 1] < v);

describe('splitHoldout', () => {
  it('is deterministic in (labels, fraction, seed) and changes with the seed', () => {
    const y = randomLabels(500, 0.28, 1);
    const a = splitHoldout(y, 0.2, 42);
    const b = splitHoldout(y, 0.2, 42);
    const c = splitHoldout(y, 0.2, 43);
    expect(Array.from(a.test)).toEqual(Array.from(b.test));
    expect(Array.from(a.train)).toEqual(Array.from(b.train));
    expect(Array.from(a.test)).not.toEqual(Array.from(c.test));
  });

  it('is disjoint, covering and sorted', () => {
    const y = randomLabels(1000, 0.1, 2);
    const { train, test } = splitHoldout(y, 0.25, 7);
    expect(isSorted(train) && isSorted(test)).toBe(true);
    const all = [...train, ...test].sort((p, q) => p - q);
    expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('is stratified: each class contributes round(fraction · count)', () => {
    const y = randomLabels(4454, 0.282, 3);
    const [neg, pos] = classCounts(y);
    const { train, test } = splitHoldout(y, 0.2, 9);
    expect(classCounts(y, test)).toEqual([Math.round(0.2 * neg), Math.round(0.2 * pos)]);
    expect(classCounts(y, train)).toEqual([neg - Math.round(0.2 * neg), pos - Math.round(0.2 * pos)]);
  });

  it('holds out at least one row of a class with two or more rows, and keeps one for training', () => {
    const y = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    const { train, test } = splitHoldout(y, 0.1, 5);
    expect(classCounts(y, test)).toEqual([1, 1]);
    expect(classCounts(y, train)).toEqual([9, 1]);
    expect(holdoutCount(2, 0.9)).toBe(1);
    expect(holdoutCount(1, 0.2)).toBe(0);
    expect(holdoutCount(0, 0.5)).toBe(0);
  });

  it('rejects bad fractions and labels', () => {
    expect(() => splitHoldout(new Uint8Array(4), 0, 1)).toThrow('holdout fraction must be in (0, 1), got 0');
    expect(() => splitHoldout(new Uint8Array(4), 1, 1)).toThrow('holdout fraction must be in (0, 1), got 1');
    expect(() => splitHoldout(Uint8Array.from([0, 2]), 0.5, 1)).toThrow('labels[1] is 2; labels must be 0 or 1');
  });
});

describe('splitRecordwise', () => {
  const table = (n: number, extra?: number): Table => {
    const labels = Uint8Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const x = Float64Array.from({ length: n }, (_, i) => i * 1.5);
    const cat = Int32Array.from({ length: n }, (_, i) => i % 3);
    if (extra === undefined) return { n, labels, numeric: [x], categorical: [cat] };
    return { n: n + 1, labels: Uint8Array.of(extra % 2, ...labels), numeric: [Float64Array.of(extra, ...x)], categorical: [Int32Array.of(1, ...cat)] };
  };
  const sideOf = (t: Table, seed: number) => {
    const s = splitRecordwise(t, 0.25, seed);
    const test = new Set(s.test);
    return Array.from({ length: t.n }, (_, i) => test.has(i));
  };

  it('puts each row on a side by its own values alone: adding a row moves no other', () => {
    const base = sideOf(table(4000), 7);
    const more = sideOf(table(4000, 123.25), 7);
    expect(more.slice(1)).toEqual(base);
    const held = base.filter(Boolean).length / base.length;
    expect(held).toBeGreaterThan(0.22);
    expect(held).toBeLessThan(0.28);
  });

  it('is deterministic in the seed, covers every row once, and another seed gives another split', () => {
    const t = table(1000);
    const a = splitRecordwise(t, 0.3, 1);
    expect(splitRecordwise(t, 0.3, 1)).toEqual(a);
    expect(a.train.length + a.test.length).toBe(1000);
    expect(new Set([...a.train, ...a.test]).size).toBe(1000);
    expect(splitRecordwise(t, 0.3, 2).test).not.toEqual(a.test);
    expect(() => splitRecordwise(t, 1, 1)).toThrow(/holdout fraction must be in \(0, 1\)/);
  });
});
