import { describe, expect, it } from 'vitest';
import { encodeTable, preprocessingFromStats, statsContribution } from '../data/preprocess.ts';
import { DataSchemaSchema, encodedLevels, featureNames } from '../data/schema.ts';
import type { DataSchema } from '../data/schema.ts';
import { validateTable } from '../data/table.ts';
import { seededRng, uniform01 } from '../random.ts';
import { CoreInputError } from '../types.ts';
import { pointsFactors, pointsOf } from './points.ts';
import { renderScorecard, scorecardCsv } from './render.ts';
import { scorecardTable } from './table.ts';

const scaling = { baseScore: 600, baseOdds: 50, pdo: 20 };

function weightsFor(schema: DataSchema, seed: number): number[] {
  const rng = seededRng(seed);
  return featureNames(schema).map(() => 2 * uniform01(rng) - 1);
}

/** Float64 logit of the real encoding of `rows`. */
function logits(schema: DataSchema, header: string[], rows: string[][], prep: { mean: number[]; std: number[] }, w: number[], b: number): number[] {
  const t = validateTable(header, rows, schema, 'applicants.csv').table;
  const x = encodeTable(t, schema, { ...prep, n: t.n, positives: 0 });
  const d = w.length;
  return Array.from({ length: t.n }, (_, i) => w.reduce((z, wj, j) => z + wj * x[i * d + j]!, b));
}

describe('scorecardTable', () => {
  it('categorical levels: base points plus one level per feature equal pointsOf(p) exactly', () => {
    const schema = DataSchemaSchema.parse({
      label: { column: 'y', positive: '1' },
      categorical: [
        { name: 'home', levels: ['rent', 'own'], unseen: 'other', missing: 'level' },
        { name: 'job', levels: ['fixed', 'freelance', 'none'] },
      ],
    });
    const w = weightsFor(schema, 3);
    const b = -1.3;
    const card = scorecardTable(schema, { mean: [], std: [] }, { weights: w, intercept: b }, scaling);
    const header = ['home', 'job', 'y'];
    const rows = [['rent', 'fixed', '0'], ['own', 'none', '1'], ['', 'freelance', '0'], ['boat', 'fixed', '0']];
    const z = logits(schema, header, rows, { mean: [], std: [] }, w, b);
    const levelOf = ['rent', 'own', '__missing__', '__other__'];
    rows.forEach((r, i) => {
      const p = 1 / (1 + Math.exp(-z[i]!));
      const pick = (feature: string, label: string) => card.rows.find((x) => x.feature === feature && x.label === label)!.points;
      const total = card.basePoints + pick('home', levelOf[i]!) + pick('job', r[1]!);
      expect(Math.abs(total - pointsOf(p, scaling))).toBeLessThan(1e-9);
    });
    // Every encoded level has exactly one row, and the base points follow from the scaling.
    expect(card.rows.filter((r) => r.kind === 'level').map((r) => `${r.feature}=${r.label}`)).toEqual(
      schema.categorical.flatMap((f) => encodedLevels(f).map((l) => `${f.name}=${l}`)),
    );
    const { factor, offset } = pointsFactors(scaling);
    expect(card.basePoints).toBeCloseTo(offset - factor * b, 12);
  });

  const schema = DataSchemaSchema.parse({
    label: { column: 'y', positive: '1' },
    numeric: [
      { name: 'income', transform: 'log', range: [0, 12], indicator: true },
      { name: 'age', range: [18, 80], missing: 'zero' },
      { name: 'debt' },
    ],
    categorical: [{ name: 'home', levels: ['rent', 'own'] }],
  });
  const header = ['income', 'age', 'debt', 'home', 'y'];
  const rng = seededRng(9);
  const data = Array.from({ length: 300 }, () => [(uniform01(rng) * 9000).toFixed(2), String(18 + Math.floor(uniform01(rng) * 60)), (uniform01(rng) * 2).toFixed(3), uniform01(rng) < 0.5 ? 'rent' : 'own', '0']);
  const table = validateTable(header, data, schema, 'train.csv').table;
  const prep = preprocessingFromStats(statsContribution(table, schema), schema);
  const w = weightsFor(schema, 5);
  const b = 0.4;
  const card = scorecardTable(schema, prep, { weights: w, intercept: b }, scaling);

  it('numeric bins: points at each midpoint and for a missing value equal the real encoding\'s contribution', () => {
    const { factor } = pointsFactors(scaling);
    const base = ['3000', '40', '1', 'rent', '0'];
    for (const [k, f] of schema.numeric.entries()) {
      // The reference applicant has this feature at its mean (standardized 0: no points of its own).
      const atMean = [...base];
      atMean[k] = String(f.transform === 'log' ? Math.expm1(prep.mean[k]!) : prep.mean[k]!);
      const z0 = logits(schema, header, [atMean], prep, w, b)[0]!;
      for (const r of card.rows.filter((x) => x.feature === f.name)) {
        const cells = [...base];
        cells[k] = r.kind === 'missing' ? '' : String(r.value);
        const z = logits(schema, header, [cells], prep, w, b)[0]!;
        expect(Math.abs(-factor * (z - z0) - r.points)).toBeLessThan(1e-4);
      }
    }
  });

  it('an applicant at bin midpoints scores the table\'s total', () => {
    const pick = (feature: string, i: number) => card.rows.filter((r) => r.feature === feature && r.kind === 'bin')[i]!;
    const rows = [pick('income', 1), pick('age', 0), pick('debt', 3)];
    const z = logits(schema, header, [[...rows.map((r) => String(r.value)), 'own', '0']], prep, w, b)[0]!;
    const total = card.basePoints + rows.reduce((s, r) => s + r.points, 0) + card.rows.find((r) => r.feature === 'home' && r.label === 'own')!.points;
    expect(Math.abs(total - pointsOf(1 / (1 + Math.exp(-z)), scaling))).toBeLessThan(1e-4);
  });

  it('cuts bins at mean + k·std of the transformed value, inside the range, shown in original units', () => {
    const income = card.rows.filter((r) => r.feature === 'income' && r.kind === 'bin');
    const [m, s] = [prep.mean[0]!, prep.std[0]!];
    const cuts = [-2, -1, 0, 1, 2].map((k) => m + k * s).filter((e) => e > 0 && e < 12);
    expect(income.map((r) => r.low)).toEqual([0, ...cuts.map((e) => Math.expm1(e))]);
    expect(income.at(-1)!.high).toBeCloseTo(Math.expm1(12), 6);
    const debt = card.rows.filter((r) => r.feature === 'debt' && r.kind === 'bin');
    expect(debt).toHaveLength(6);
    expect(debt[0]!.low).toBe(-Infinity);
    expect(debt[0]!.value).toBeCloseTo(prep.mean[2]! - 2.5 * prep.std[2]!, 12);
    expect(card.numeric.find((n) => n.feature === 'debt')!.pointsPerUnit).toBeCloseTo((-pointsFactors(scaling).factor * w[3]!) / prep.std[2]!, 12);
    // income has an indicator (input 1); age's "zero" policy imputes 18, its range's low end.
    expect(card.rows.filter((r) => r.kind === 'missing').map((r) => r.feature)).toEqual(['income', 'age', 'debt']);
  });

  it('renders CSV with one line per row and Markdown with every feature', () => {
    const csv = scorecardCsv(card).trim().split('\n');
    expect(csv[0]).toBe('feature,kind,label,low,high,value,points,points_per_unit');
    expect(csv).toHaveLength(card.rows.length + 1);
    expect(Number(csv[1]!.split(',')[6])).toBe(card.basePoints);
    const md = renderScorecard(card, 'md', 'Test | card');
    for (const f of ['income', 'age', 'debt', 'home']) expect(md).toContain(`## ${f}`);
    expect(md).toContain('# Test \\| card');
    expect(JSON.parse(renderScorecard(card, 'json')).rows).toHaveLength(card.rows.length);
  });

  it('refuses weights that do not match the schema', () => {
    expect(() => scorecardTable(schema, prep, { weights: [1, 2], intercept: 0 }, scaling)).toThrow(CoreInputError);
    expect(() => scorecardTable(schema, prep, { weights: w, intercept: 0 }, scaling, { binEdgesStd: [1, 0] })).toThrow(/increasing/);
  });
});
