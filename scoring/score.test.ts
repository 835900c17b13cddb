/**
 * Scoring hand-made models whose probabilities, points and reason codes are worked out by hand:
 * a logistic regression (exact contributions w·x against the reference applicant) and two trees
 * (contributions by replacement with the reference), from an applicants CSV with and without the
 * label column.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../core/data/errors.ts';
import { encodeTable } from '../core/data/preprocess.ts';
import { initBackend } from '../participant/trainer/backend.ts';
import { predictScores } from '../participant/trainer/predict.ts';
import { readApplicantsCsv } from './applicants.ts';
import { denseFeatureColumns, logisticAttributions, logitOf, replacementAttributions } from './attribution.ts';
import { TEST_SCHEMA, writeTestPackage } from './fixtures.ts';
import { loadModelPackage } from './package-load.ts';
import { scoreCsvFile } from './score.ts';

let root = '';
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
/** Points by the textbook formula: 600 at 50:1 good:bad, 20 points per doubling of the odds. */
const points = (p: number) => 600 + (20 / Math.LN2) * (Math.log((1 - p) / p) - Math.log(50));
const lost = (logit: number) => (-20 / Math.LN2) * logit;

beforeAll(async () => {
  await initBackend('cpu');
  root = mkdtempSync(path.join(tmpdir(), 'fedcredit-score-'));
  // A: income 100 (standardized −1), age 30 (−1), renting. B: income missing, age 60 (+2), an unseen home.
  writeFileSync(path.join(root, 'applicants.csv'), 'id,income,age,home,note\nA,100,30,rent,x\nB,,60,castle,y\n');
  writeFileSync(path.join(root, 'labelled.csv'), 'income,age,home,default\n100,30,rent,yes\n,60,castle,no\n900,50,own,no\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('scoreApplicants', () => {
  it('logistic regression: probabilities, points and exact reason codes against the reference applicant', async () => {
    await writeTestPackage(path.join(root, 'lr'), { type: 'logistic' });
    const pkg = await loadModelPackage(path.join(root, 'lr'));
    const r = await scoreCsvFile(pkg, path.join(root, 'applicants.csv'), { idColumn: 'id', reasons: 3 });
    const [a, b] = r.scores;
    // A: logit = −2 + (−0.6)(−1) + (−0.2)(−1) + 0.4 = −0.8.
    expect(a!.id).toBe('A');
    expect(a!.probability).toBeCloseTo(sigmoid(-0.8), 6);
    expect(a!.points).toBeCloseTo(points(sigmoid(-0.8)), 3);
    expect(a!.reasons.map((x) => x.feature)).toEqual(['income', 'home', 'age']);
    expect(a!.reasons.map((x) => x.value)).toEqual([100, 'rent', 30]);
    [0.6, 0.4, 0.2].forEach((c, k) => {
      expect(a!.reasons[k]!.logit).toBeCloseTo(c, 6);
      expect(a!.reasons[k]!.points).toBeCloseTo(lost(c), 4);
    });
    // B: income missing → input 0 and indicator 1 (+0.5); age +2 (−0.4, lowers the risk: no reason); home other (+0.1).
    expect(b!.probability).toBeCloseTo(sigmoid(-2 + 0.5 - 0.4 + 0.1), 6);
    expect(b!.reasons.map((x) => [x.feature, x.value])).toEqual([['income', null], ['home', '__other__']]);
    expect(b!.reasons[0]!.logit).toBeCloseTo(0.5, 6);
    expect(r.metrics).toBeUndefined();
    expect(r.warnings.join('\n')).toContain('__other__');
  });

  it('points follow the scaling options', async () => {
    const pkg = await loadModelPackage(path.join(root, 'lr'));
    const r = await scoreCsvFile(pkg, path.join(root, 'applicants.csv'), { scaling: { baseScore: 500, baseOdds: 20, pdo: 40 } });
    const p = sigmoid(-0.8);
    expect(r.scores[0]!.points).toBeCloseTo(500 + (40 / Math.LN2) * (Math.log((1 - p) / p) - Math.log(20)), 3);
    expect(r.scores[0]!.reasons[0]!.points).toBeCloseTo((-40 / Math.LN2) * 0.6, 4);
  });

  it('gbdt: contributions replace a feature by the reference (numeric mean, no level set)', async () => {
    await writeTestPackage(path.join(root, 'gbdt'), { type: 'gbdt' });
    const pkg = await loadModelPackage(path.join(root, 'gbdt'));
    const r = await scoreCsvFile(pkg, path.join(root, 'applicants.csv'), { idColumn: 'id' });
    const [a, b] = r.scores;
    // A: income 100 ≤ 150 → +0.9 (reference 200 → −0.4); renting → +0.3 (no level → −0.1).
    expect(a!.probability).toBeCloseTo(sigmoid(-1.5 + 0.9 + 0.3), 6);
    expect(a!.reasons.map((x) => [x.feature, x.value])).toEqual([['income', 100], ['home', 'rent']]);
    expect(a!.reasons[0]!.logit).toBeCloseTo(1.3, 6);
    expect(a!.reasons[1]!.logit).toBeCloseTo(0.4, 6);
    // B: income missing goes right like the reference (no contribution); an unseen home is not "rent" either.
    expect(b!.probability).toBeCloseTo(sigmoid(-1.5 - 0.4 - 0.1), 6);
    expect(b!.reasons).toEqual([]);
  });

  it('labelled rows get the coordinator\'s metrics; the label column is optional but checked when present', async () => {
    const pkg = await loadModelPackage(path.join(root, 'lr'));
    const r = await scoreCsvFile(pkg, path.join(root, 'labelled.csv'));
    expect(r.scores.map((s) => s.id)).toEqual(['1', '2', '3']);
    // The one defaulter (row 1, p ≈ 0.31) outranks both others (p ≈ 0.14 and ≈ 0.001): AUC 1, KS 1.
    expect(r.metrics).toMatchObject({ auc: 1, ks: 1, n: 3, positives: 1, bins: 100 });
    writeFileSync(path.join(root, 'bad-label.csv'), 'income,age,home,default\n100,30,rent,maybe\n');
    expect(() => readApplicantsCsv(path.join(root, 'bad-label.csv'), TEST_SCHEMA)).toThrow(/bad-label\.csv line 2, column "default": unexpected label "maybe"/);
  });

  it('bad applicant files are refused naming the file, line and column', async () => {
    writeFileSync(path.join(root, 'bad.csv'), 'income,age,home\n100,thirty,rent\n');
    expect(() => readApplicantsCsv(path.join(root, 'bad.csv'), TEST_SCHEMA)).toThrow(/bad\.csv line 2, column "age": expected a number, got "thirty"/);
    writeFileSync(path.join(root, 'noage.csv'), 'income,home\n100,rent\n');
    expect(() => readApplicantsCsv(path.join(root, 'noage.csv'), TEST_SCHEMA)).toThrow(DataError);
    expect(() => readApplicantsCsv(path.join(root, 'applicants.csv'), TEST_SCHEMA, { idColumn: 'ref' })).toThrow(/id column "ref" is not in the header/);
  });
});

describe('attributions', () => {
  it('replacement with the reference equals the exact w·x of a logistic regression', async () => {
    const pkg = await loadModelPackage(path.join(root, 'lr'));
    const { table } = readApplicantsCsv(path.join(root, 'labelled.csv'), TEST_SCHEMA);
    const x = encodeTable(table, TEST_SCHEMA, pkg.preprocessing);
    const m = pkg.model;
    if (m.kind !== 'dense') throw new Error('expected a dense model');
    const groups = denseFeatureColumns(TEST_SCHEMA);
    const exact = logisticAttributions(m.weights, x, m.inputDim, groups);
    const replaced = replacementAttributions(x, m.inputDim, groups, (rows) => Array.from(predictScores(m.spec, m.inputDim, m.weights, rows), logitOf));
    for (let i = 0; i < exact.contrib.length; i++) expect(replaced.contrib[i]).toBeCloseTo(exact.contrib[i]!, 5);
  });
});
