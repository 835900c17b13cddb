import { describe, expect, it } from 'vitest';
import { exactAuc } from '../metrics/exact.ts';
import { seededRng, standardNormal, uniform01 } from '../random.ts';
import { blendScores, choosePersonal, finiteMean, LEAVE_REFERENCE_STANDARD_ERRORS, REFERENCE_ALPHA, stratifiedFolds } from './select.ts';
import type { ValidationScores } from './select.ts';

/** n validation rows: a true score z per row, label drawn from it; each model sees z plus its own noise (sd), `flip` reverses a model. */
function validation(n: number, noise: { global: number; finetuned: number; local: number }, seed: number, flip: Partial<Record<'global' | 'finetuned' | 'local', boolean>> = {}): ValidationScores {
  const rng = seededRng(seed);
  const labels: number[] = [];
  const out = { global: [] as number[], finetuned: [] as number[], local: [] as number[] };
  for (let i = 0; i < n; i++) {
    const z = 2 * standardNormal(rng);
    labels.push(uniform01(rng) < 1 / (1 + Math.exp(-z)) ? 1 : 0);
    for (const m of ['global', 'finetuned', 'local'] as const) {
      const s = z + noise[m] * standardNormal(rng);
      out[m].push(1 / (1 + Math.exp(flip[m] ? s : -s)));
    }
  }
  return { labels, ...out };
}

describe('choosePersonal', () => {
  it('keeps the reference blend when no other blend leads it by two standard errors', () => {
    const v = validation(200, { global: 1.2, finetuned: 1.2, local: 1.2 }, 1);
    const { chosen, candidates } = choosePersonal(v, { blend: true });
    expect(chosen).toMatchObject({ variant: 'blend', alpha: REFERENCE_ALPHA });
    expect(candidates.map((c) => c.variant)).toEqual(['global', 'finetuned', 'local', 'blend']);
    expect(chosen.auc).toBeCloseTo(exactAuc(blendScores(v.global, v.local, REFERENCE_ALPHA), v.labels), 12);
  });

  it('takes a clearly better global model, and falls back to the local-only model when the global one ranks backwards', () => {
    const better = validation(2000, { global: 0.1, finetuned: 3, local: 3 }, 2);
    const g = choosePersonal(better, { blend: true }).chosen;
    expect(['global', 'blend']).toContain(g.variant);
    expect(g.alpha ?? 1).toBeGreaterThanOrEqual(0.8);
    expect(g.lead! - LEAVE_REFERENCE_STANDARD_ERRORS * g.standardError!).toBeGreaterThan(0);
    const backwards = validation(2000, { global: 0.5, finetuned: 3, local: 0.5 }, 3, { global: true });
    expect(choosePersonal(backwards, { blend: true }).chosen.variant).toBe('local');
  });

  it('can keep the fine-tuned model, whole or blended', () => {
    const v = validation(2000, { global: 3, finetuned: 0.1, local: 3 }, 4);
    const { chosen, candidates } = choosePersonal(v, { blend: true });
    expect(['finetuned', 'finetuned-blend']).toContain(chosen.variant);
    expect(candidates).toContain(chosen);
    expect(chosen.lead).toBeGreaterThan(0);
  });

  it('without blends compares the global and fine-tuned models with the local-only one', () => {
    const same = validation(200, { global: 1.2, finetuned: 1.2, local: 1.2 }, 1);
    expect(choosePersonal(same, { blend: false }).chosen.variant).toBe('local');
    const better = validation(2000, { global: 0.1, finetuned: 3, local: 3 }, 2);
    expect(choosePersonal(better, { blend: false }).chosen).toMatchObject({ variant: 'global' });
  });

  it('keeps the reference when the validation rows hold one class, and repeats itself exactly', () => {
    const v = validation(50, { global: 1, finetuned: 1, local: 1 }, 5);
    const one = { ...v, labels: Array.from(v.labels, () => 1) };
    const r = choosePersonal(one, { blend: true });
    expect(r.chosen.variant).toBe('blend');
    expect(r.chosen.auc).toBeNaN();
    expect(choosePersonal(v, { blend: true })).toEqual(choosePersonal(v, { blend: true }));
    expect(() => choosePersonal(v, { blend: true, steps: 0 })).toThrow(/steps/);
    expect(() => choosePersonal(v, { blend: true, referenceAlpha: 2 })).toThrow(/referenceAlpha/);
  });
});

describe('blends', () => {
  it('mixes scores by alpha', () => {
    expect([...blendScores([1, 0], [0, 1], 0.25)]).toEqual([0.25, 0.75]);
    expect(() => blendScores([1], [0, 1], 0.5)).toThrow(/length/);
    expect(() => blendScores([1], [0], 1.5)).toThrow(/alpha/);
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
