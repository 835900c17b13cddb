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
    expect(chooseVariant([{ variant: 'finetuned', auc: 0.801 }, { variant: 'local', auc: 0.8 }, { variant: 'global', auc: 0.7 }]).variant).toBe('finetuned');
  });

  it('leaves the local-only model only for a lead beyond one paired standard error', () => {
    const local = { variant: 'local' as const, auc: 0.7, foldAucs: [0.68, 0.72, 0.68, 0.72, 0.7] };
    const global = { variant: 'global' as const, auc: 0.6, foldAucs: [0.6, 0.6, 0.6, 0.6, 0.6] };
    // finetuned leads by 0.004 on average, but the lead changes sign across folds: noise.
    const noisy = { variant: 'finetuned' as const, auc: 0.704, foldAucs: [0.7, 0.7, 0.7, 0.7, 0.72] };
    expect(pairedStandardError(noisy.foldAucs, local.foldAucs)).toBeGreaterThan(0.004);
    expect(chooseVariant([global, noisy, local]).variant).toBe('local');
    // The same lead on every fold is not noise.
    const steady = { ...noisy, foldAucs: local.foldAucs.map((x) => x + 0.004) };
    expect(chooseVariant([global, steady, local]).variant).toBe('finetuned');
    // Among candidates that cannot be told from a clear winner, the one that averages most.
    const winner = { variant: 'finetuned' as const, auc: 0.75, foldAucs: [0.73, 0.77, 0.73, 0.77, 0.75] };
    const ensemble = { variant: 'ensemble' as const, auc: 0.748, foldAucs: [0.74, 0.76, 0.74, 0.75, 0.75] };
    expect(chooseVariant([global, winner, local, ensemble]).variant).toBe('ensemble');
    expect(chooseVariant([global, winner, local, { ...ensemble, auc: 0.72, foldAucs: [0.72, 0.72, 0.72, 0.72, 0.72] }]).variant).toBe('finetuned');
    // The global model ties the fine-tuned one and wins the tie, but must still beat the local-only model beyond noise.
    expect(chooseVariant([{ ...global, auc: 0.704, foldAucs: noisy.foldAucs }, noisy, local]).variant).toBe('local');
    expect(chooseVariant([{ ...global, auc: 0.704, foldAucs: steady.foldAucs }, steady, local]).variant).toBe('global');
    expect(chooseVariant([{ ...global, auc: 0.7, foldAucs: noisy.foldAucs }, local]).variant).toBe('global'); // exact tie with local
  });

  it('names a blend at α = 1 or 0 after the model it equals', () => {
    const local = { variant: 'local' as const, auc: 0.6, foldAucs: [0.6, 0.6, 0.6, 0.6, 0.6] };
    const finetuned = { variant: 'finetuned' as const, auc: 0.73, foldAucs: [0.7, 0.76, 0.7, 0.76, 0.73] };
    const globalFolds = [0.72, 0.73, 0.72, 0.73, 0.725];
    const global = { variant: 'global' as const, auc: 0.725, foldAucs: globalFolds };
    // The fine-tuned model is best but cannot be told from the blend, which at α = 1 is the global model.
    expect(chooseVariant([global, local, finetuned, { variant: 'blend', auc: 0.725, foldAucs: globalFolds, alpha: 1 }]).variant).toBe('global');
    expect(chooseVariant([global, local, finetuned, { variant: 'blend', auc: 0.725, foldAucs: globalFolds, alpha: 0.8 }]).variant).toBe('blend');
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
