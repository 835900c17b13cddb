/**
 * Tests of the non-IID credit_data split and of the real-data example's schema and job files:
 * determinism, that the split is a partition of all 4,454 rows, that it is non-IID, and that
 * the written files round-trip.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataSchemaSchema } from '../../core/data/schema.ts';
import { JobSpecSchema } from '../../core/job.ts';
import { readCsvFile } from '../../sim/csv.ts';
import { CREDIT_DATA_PATH, CREDIT_PARTIES, badRate, splitCreditData, writeCreditSplit } from './split.ts';

const here = (f: string): string => new URL(f, import.meta.url).pathname;
const { header, rows } = readCsvFile(CREDIT_DATA_PATH);
const split = splitCreditData(header, rows, { parties: 3, seed: 11 });
const key = (r: readonly string[]): string => JSON.stringify(r);

describe('splitCreditData', () => {
  it('reads the whole credit_data file', () => {
    expect(rows).toHaveLength(4454);
    expect(header).toHaveLength(14);
  });

  it('is deterministic for a seed and changes with the seed', () => {
    const again = splitCreditData(header, rows, { parties: 3, seed: 11 });
    expect(JSON.stringify(again.map((p) => p.rows))).toBe(JSON.stringify(split.map((p) => p.rows)));
    const other = splitCreditData(header, rows, { parties: 3, seed: 12 });
    expect(other.map((p) => p.rows.length)).not.toEqual(split.map((p) => p.rows.length));
  });

  it('is a partition of all rows: nothing lost, nothing duplicated, file order kept', () => {
    expect(split.map((p) => p.name)).toEqual([...CREDIT_PARTIES]);
    const all = split.flatMap((p) => p.rows);
    expect(all).toHaveLength(rows.length);
    expect(new Set(all).size).toBe(rows.length);
    expect(all.map(key).sort()).toEqual(rows.map(key).sort());
    const position = new Map(rows.map((r, i) => [r, i]));
    for (const p of split) {
      const idx = p.rows.map((r) => position.get(r)!);
      expect(idx).toEqual([...idx].sort((a, b) => a - b));
    }
  });

  it('is non-IID: sizes and default rates differ across parties', () => {
    const sizes = split.map((p) => p.rows.length);
    expect(new Set(sizes).size).toBe(3);
    expect(Math.max(...sizes) / Math.min(...sizes)).toBeGreaterThan(1.5);
    const rates = split.map((p) => badRate(header, p.rows));
    expect(Math.max(...rates) - Math.min(...rates)).toBeGreaterThanOrEqual(0.05);
    const ownerShare = split.map((p) => p.rows.filter((r) => r[header.indexOf('Home')] === 'owner').length / p.rows.length);
    expect(ownerShare[0]! - ownerShare[1]!).toBeGreaterThan(0.3);
  });

  it('rejects unsupported arguments', () => {
    expect(() => splitCreditData(header, rows, { parties: 4 as 3, seed: 1 })).toThrow(/3 parties/);
    expect(() => splitCreditData(['Status'], [['bad']], { parties: 3, seed: 1 })).toThrow(/Home/);
  });
});

describe('writeCreditSplit', () => {
  it('writes one CSV per party with the original header, readable back unchanged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'credit-split-'));
    try {
      const written = writeCreditSplit(dir, 11);
      expect(written.map((w) => w.name)).toEqual([...CREDIT_PARTIES]);
      written.forEach((w, i) => {
        const back = readCsvFile(w.path);
        expect(back.header).toEqual(header);
        expect(JSON.stringify(back.rows)).toBe(JSON.stringify(split[i]!.rows));
        expect(w.rows).toBe(split[i]!.rows.length);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('credit example files', () => {
  it('schema.json parses, uses every column, and lists every categorical level in the data', () => {
    const schema = DataSchemaSchema.parse(JSON.parse(readFileSync(here('schema.json'), 'utf8')));
    const used = [schema.label.column, ...schema.numeric.map((f) => f.name), ...schema.categorical.map((f) => f.name)];
    expect([...used].sort()).toEqual([...header].sort());
    for (const f of schema.categorical) {
      const j = header.indexOf(f.name);
      const present = new Set(rows.map((r) => r[j]).filter((v) => v !== ''));
      expect([...present].sort(), f.name).toEqual([...f.levels].sort());
    }
    for (const f of schema.numeric) {
      const j = header.indexOf(f.name);
      const missing = rows.some((r) => r[j] === '');
      expect(f.indicator, f.name).toBe(missing);
      expect(rows.every((r) => r[j] === '' || Number.isFinite(Number(r[j]))), f.name).toBe(true);
    }
  });

  it('job.json parses with the job schema', () => {
    const job = JobSpecSchema.parse(JSON.parse(readFileSync(here('job.json'), 'utf8')));
    expect(job).toMatchObject({ rounds: 30, minParticipants: 3, seed: 1, model: { type: 'logistic' } });
    expect(job.train).toMatchObject({ batchSize: 32, optimizer: 'sgd', learningRate: 0.1, classWeights: 'none' });
    expect(job.evaluation.holdout).toBe(0.25);
  });
});
