/** Tests of the row-by-row holdout split. */
import { describe, expect, it } from 'vitest';
import { splitRecordwise } from './split.ts';
import type { Table } from './table.ts';

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
