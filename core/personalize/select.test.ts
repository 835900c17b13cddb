import { describe, expect, it } from 'vitest';
import { exactAuc } from '../metrics/exact.ts';
import { seededRng } from '../random.ts';
import { CoreInputError } from '../types.ts';
import { blendScores, chooseBlend, chooseVariant, finiteMean, pairedStandardError, stratifiedFolds } from './select.ts';

describe('chooseVariant', () => {
  it('keeps the candidate with the highest validation AUC', () => {
    const c = chooseVariant([
      { variant: 'global', auc: 0.7 },
      { variant: 'finetuned', auc: 0.72 },
      { variant: 'local', auc: 0.75 },
      { variant: 'blend', auc: 0.74, alpha: 0.3 },
    ]);
    expect(c.variant).toBe('local');
  });

  it('prefers the global model on an exact tie', () => {
    expect(chooseVariant([{ variant: 'local', auc: 0.8 }, { variant: 'global', auc: 0.8 }]).variant).toBe('global');
    expect(chooseVariant([{ variant: 'finetuned', auc: 0.801 }, { variant: 'global', auc: 0.8 }]).variant).toBe('finetuned');
  });

  it('keeps the most averaging candidate among those within one paired standard error of the best', () => {
    // finetuned is best on average, but its lead over the ensemble changes sign across folds.
    const finetuned = { variant: 'finetuned' as const, auc: 0.72, foldAucs: [0.7, 0.74, 0.7, 0.74, 0.72] };
    const ensemble = { variant: 'ensemble' as const, auc: 0.716, foldAucs: [0.71, 0.72, 0.71, 0.73, 0.71] };
    const local = { variant: 'local' as const, auc: 0.69, foldAucs: [0.68, 0.7, 0.68, 0.7, 0.69] };
    const global = { variant: 'global' as const, auc: 0.6, foldAucs: [0.6, 0.6, 0.6, 0.6, 0.6] };
    expect(chooseVariant([global, finetuned, local, ensemble]).variant).toBe('ensemble');
    // A consistent lead (the same on every fold) is not noise: the best is kept.
    const steady = { ...ensemble, foldAucs: finetuned.foldAucs.map((x) => x - 0.004) };
    expect(pairedStandardError(finetuned.foldAucs, steady.foldAucs)).toBeCloseTo(0, 12);
    expect(chooseVariant([global, finetuned, local, steady]).variant).toBe('finetuned');
    // The global model is kept when it wins, never merely because it is close.
    expect(chooseVariant([{ ...global, auc: 0.73, foldAucs: [0.73, 0.73, 0.73, 0.73, 0.73] }, finetuned]).variant).toBe('global');
    expect(chooseVariant([{ ...global, auc: 0.719, foldAucs: [0.72, 0.72, 0.72, 0.72, 0.715] }, finetuned]).variant).toBe('finetuned');
  });

  it('computes the paired standard error over folds with finite values', () => {
    expect(pairedStandardError([1, 2, 3], [0, 0, 0])).toBeCloseTo(Math.sqrt(1 / 3), 12);
    expect(pairedStandardError([1, NaN], [0, 0])).toBe(Infinity);
  });

  it('keeps the global model when no candidate has a finite AUC, and ignores NaN candidates', () => {
    expect(chooseVariant([{ variant: 'global', auc: NaN }, { variant: 'local', auc: NaN }]).variant).toBe('global');
    expect(chooseVariant([{ variant: 'global', auc: 0.6 }, { variant: 'local', auc: NaN }]).variant).toBe('global');
  });

  it('refuses a candidate list without the global model', () => {
    expect(() => chooseVariant([{ variant: 'local', auc: 0.9 }])).toThrow(CoreInputError);
  });
});

describe('blends', () => {
  it('mixes scores by alpha', () => {
    expect([...blendScores([1, 0], [0, 1], 0.25)]).toEqual([0.25, 0.75]);
    expect(() => blendScores([1], [0, 1], 0.5)).toThrow(/length/);
    expect(() => blendScores([1], [0], 1.5)).toThrow(/alpha/);
  });

  it('chooses alpha by the mean validation AUC over folds, the larger alpha on a tie', () => {
    // The local scores rank perfectly, the global ones in reverse: only alpha small enough ranks right.
    const labels = [0, 0, 1, 1];
    const fold = { global: [0.9, 0.8, 0.2, 0.1], local: [0.1, 0.2, 0.8, 0.9], labels };
    const b = chooseBlend([fold, fold]);
    expect(b.auc).toBe(1);
    expect(b.alpha).toBe(0.4); // at 0.5 every score is 0.5; below it the local ranking wins
    expect(exactAuc(blendScores(fold.global, fold.local, b.alpha), labels)).toBe(1);
    // Identical scores: every alpha ties, and the global side wins.
    expect(chooseBlend([{ global: [0.1, 0.9], local: [0.1, 0.9], labels: [0, 1] }]).alpha).toBe(1);
  });

  it('averages only finite values', () => {
    expect(finiteMean([0.5, NaN, 0.7])).toBeCloseTo(0.6);
    expect(finiteMean([NaN])).toBeNaN();
  });
});

describe('stratifiedFolds', () => {
  const labels = Uint8Array.from({ length: 103 }, (_, i) => (i % 5 === 0 ? 1 : 0));

  it('covers every row once per fold split, keeps the class balance and is deterministic in the rng', () => {
    const folds = stratifiedFolds(labels, 5, seededRng(3));
    expect(folds).toHaveLength(5);
    const seen = new Uint8Array(labels.length);
    for (const f of folds) {
      expect(f.fit.length + f.validation.length).toBe(labels.length);
      expect(new Set([...f.fit, ...f.validation]).size).toBe(labels.length);
      expect([...f.validation]).toEqual([...f.validation].sort((a, b) => a - b));
      for (const i of f.validation) seen[i]!++;
      const pos = [...f.validation].filter((i) => labels[i] === 1).length;
      expect(pos === 4 || pos === 5).toBe(true); // 21 positives over 5 folds
    }
    expect(seen.every((v) => v === 1)).toBe(true);
    expect(stratifiedFolds(labels, 5, seededRng(3))).toEqual(folds);
    expect(stratifiedFolds(labels, 5, seededRng(4))).not.toEqual(folds);
  });

  it('rejects bad input with a clear message', () => {
    expect(() => stratifiedFolds(labels, 1, seededRng(1))).toThrow(/folds must be an integer ≥ 2/);
    expect(() => stratifiedFolds([0, 1], 3, seededRng(1))).toThrow(/2 rows cannot be split into 3 folds/);
    expect(() => stratifiedFolds([0, 2, 1], 2, seededRng(1))).toThrow(/labels\[1\] must be 0 or 1/);
  });
});
