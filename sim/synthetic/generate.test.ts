/**
 * Tests of the synthetic consortium generator: determinism, calibration of the default rates,
 * the shared header, the documented missing-value patterns, informativeness of the ground truth,
 * and that schema.json / job*.json parse with the project's zod schemas.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DataSchemaSchema } from '../../core/data/schema.ts';
import { JobSpecSchema } from '../../core/job.ts';
import { PARTY_PROFILES, SHARED_COLUMNS, TARGET_DEFAULT_RATES, generateConsortium, groundTruthLogit } from './generate.ts';

// The example's job and schema files, which describe the columns this generator writes.
const here = (f: string): string => new URL(`../../examples/synthetic/${f}`, import.meta.url).pathname;
const base = generateConsortium({ seed: 1 });

/** AUC by the Mann–Whitney rank statistic (ties get mid-ranks). */
function rankAuc(scores: number[], positive: boolean[]): number {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  const rank = new Array<number>(scores.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++;
    for (let k = i; k <= j; k++) rank[order[k]!] = (i + j) / 2 + 1;
    i = j + 1;
  }
  let nPos = 0;
  let rankSum = 0;
  positive.forEach((p, i) => {
    if (p) {
      nPos++;
      rankSum += rank[i]!;
    }
  });
  const nNeg = scores.length - nPos;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

describe('rankAuc (test helper)', () => {
  it('gives 1 for a perfect ranking, 0.5 for ties and 0 for a reversed one', () => {
    expect(rankAuc([0.1, 0.2, 0.8, 0.9], [false, false, true, true])).toBe(1);
    expect(rankAuc([1, 1, 1, 1], [false, true, false, true])).toBe(0.5);
    expect(rankAuc([0.9, 0.1], [false, true])).toBe(0);
  });
});

describe('generateConsortium', () => {
  it('is a deterministic function of the seed', () => {
    const again = generateConsortium({ seed: 1 });
    const other = generateConsortium({ seed: 2 });
    const text = (c: typeof base): string[] => c.parties.map((p) => JSON.stringify(p.rows));
    expect(text(again)).toEqual(text(base));
    text(other).forEach((t, i) => expect(t).not.toBe(text(base)[i]));
  });

  it('emits the four documented parties with their sizes at scale 1, scaled otherwise', () => {
    expect(base.parties.map((p) => [p.name, p.role, p.rows.length])).toEqual([
      ['platform', 'platform', 3000],
      ['bank-a', 'bank', 2500],
      ['bank-b', 'bank', 1500],
      ['customs', 'customs', 800],
    ]);
    const small = generateConsortium({ seed: 1, scale: 0.1 });
    expect(small.parties.map((p) => p.rows.length)).toEqual([300, 250, 150, 80]);
    // each party has its own random stream: a smaller scale yields a prefix of the larger one
    small.parties.forEach((p, i) => {
      expect(JSON.stringify(p.rows)).toBe(JSON.stringify(base.parties[i]!.rows.slice(0, p.rows.length)));
    });
    expect(() => generateConsortium({ seed: 1, scale: 0 })).toThrow(/scale/);
  });

  it('gives every party the same header and well-formed rows', () => {
    for (const p of base.parties) {
      expect(p.header).toEqual([...SHARED_COLUMNS]);
      expect(p.rows.every((row) => row.length === SHARED_COLUMNS.length)).toBe(true);
    }
  });

  it('hits each documented default rate within 3 points', () => {
    for (const p of base.parties) {
      const yes = p.rows.filter((r) => r[SHARED_COLUMNS.indexOf('default')] === 'yes').length;
      expect(p.defaultRate).toBeCloseTo(yes / p.rows.length, 12);
      expect(Math.abs(p.defaultRate - TARGET_DEFAULT_RATES[p.name])).toBeLessThanOrEqual(0.03);
    }
    const rates = Object.fromEntries(base.parties.map((p) => [p.name, p.defaultRate]));
    expect(rates['bank-a']).toBeLessThan(rates.platform!);
    expect(rates.platform).toBeLessThan(rates['bank-b']!);
    expect(rates['bank-b']).toBeLessThan(rates.customs!);
  });

  it('leaves uncollected columns empty and collected ones filled, up to documented non-response', () => {
    for (const p of base.parties) {
      const profile = PARTY_PROFILES.find((q) => q.name === p.name)!;
      SHARED_COLUMNS.forEach((col, j) => {
        const empty = p.rows.filter((r) => r[j] === '').length / p.rows.length;
        if (col === 'default') {
          expect(p.rows.every((r) => r[j] === 'yes' || r[j] === 'no')).toBe(true);
        } else if (!profile.collects.includes(col)) {
          expect(empty, `${p.name}.${col}`).toBe(1);
        } else {
          const rate = profile.nonResponse[col] ?? 0;
          if (rate === 0) expect(empty, `${p.name}.${col}`).toBe(0);
          else expect(Math.abs(empty - rate), `${p.name}.${col}`).toBeLessThan(0.02);
        }
      });
    }
    const col = (name: string): number => SHARED_COLUMNS.indexOf(name as (typeof SHARED_COLUMNS)[number]);
    const [platform, bankA, , customs] = base.parties;
    if (!platform || !bankA || !customs) throw new Error(`expected 4 parties, got ${base.parties.length}`);
    expect(platform.rows.every((r) => r[col('income')] === '' && r[col('orders_12m')] !== '')).toBe(true);
    expect(bankA.rows.every((r) => r[col('return_rate')] === '' && r[col('debt_ratio')] !== '')).toBe(true);
    expect(customs.rows.every((r) => r[col('orders_12m')] === '' && r[col('inspections_2y')] !== '')).toBe(true);
  });

  it('produces labels that the ground-truth risk function ranks well (AUC >= 0.8)', () => {
    const scores: number[] = [];
    const labels: boolean[] = [];
    for (const p of base.parties) {
      const y = p.rows.map((r) => r[SHARED_COLUMNS.indexOf('default')] === 'yes');
      const s = p.borrowers.map(groundTruthLogit);
      expect(p.borrowers).toHaveLength(p.rows.length);
      expect(rankAuc(s, y), p.name).toBeGreaterThanOrEqual(0.78);
      scores.push(...s);
      labels.push(...y);
    }
    expect(rankAuc(scores, labels)).toBeGreaterThanOrEqual(0.8);
  });
});

describe('synthetic example files', () => {
  it('schema.json parses and covers exactly the generated columns', () => {
    const schema = DataSchemaSchema.parse(JSON.parse(readFileSync(here('schema.json'), 'utf8')));
    const used = [schema.label.column, ...schema.numeric.map((f) => f.name), ...schema.categorical.map((f) => f.name)];
    expect([...used].sort()).toEqual([...SHARED_COLUMNS].sort());
    for (const p of base.parties) {
      for (const f of schema.numeric) {
        const j = SHARED_COLUMNS.indexOf(f.name as (typeof SHARED_COLUMNS)[number]);
        const hasMissing = p.rows.some((r) => r[j] === '');
        if (hasMissing) expect(f.missing, `${p.name}.${f.name}`).toBe('mean');
        expect(p.rows.every((r) => r[j] === '' || Number.isFinite(Number(r[j])))).toBe(true);
      }
      for (const f of schema.categorical) {
        const j = SHARED_COLUMNS.indexOf(f.name as (typeof SHARED_COLUMNS)[number]);
        expect(p.rows.every((r) => f.levels.includes(r[j]!))).toBe(true);
      }
    }
  });

  it('job.json and job-mlp.json parse with the job schema', () => {
    const job = JobSpecSchema.parse(JSON.parse(readFileSync(here('job.json'), 'utf8')));
    expect(job).toMatchObject({ name: 'synthetic-consortium-demo', rounds: 20, minParticipants: 4, seed: 7 });
    expect(job.model.type).toBe('logistic');
    const mlp = JobSpecSchema.parse(JSON.parse(readFileSync(here('job-mlp.json'), 'utf8')));
    expect(mlp.model).toMatchObject({ type: 'mlp', hidden: [16], dropout: 0.1 });
    expect(mlp.strategy).toEqual({ type: 'fedprox', mu: 0.01 });
  });
});
