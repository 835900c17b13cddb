/**
 * Exactness of the share arithmetic and label privacy. Without privacy a vertical logistic
 * regression is a deterministic function of the data and the row plan: the random pads and masks
 * cancel exactly in Z_2^64, so two runs with different randomness train bit-identical parts. With
 * label privacy the label holder's noise reaches every feature party's gradient (their parts move
 * off the exact run), the model stays useful at moderate noise, and the job reports the ε the RDP
 * accountant gives for its epochs.
 */
import { describe, expect, it } from 'vitest';
import { epsilonFromRdp } from '../../core/privacy/conversion.ts';
import { sampledGaussianRdp } from '../../core/privacy/curve.ts';
import { seededRng } from '../../core/random.ts';
import { clipRows } from '../../core/vertical/label-privacy.ts';
import { VerticalJobSpecSchema } from '../../core/vertical/spec.ts';
import { verticalPartyData } from '../../participant/vertical/table.ts';
import { generateVerticalConsortium } from '../synthetic/vertical.ts';
import { simulateVertical } from './simulate-vertical.ts';

const c = generateVerticalConsortium({ seed: 13, scale: 0.25 });
const party = (t: typeof c.bank, label?: string) => verticalPartyData(t.header, t.rows, { idColumn: t.idColumn, ...(label ? { labelColumn: label } : {}) });
const data = { bank: party(c.bank, 'default'), platform: party(c.platform), customs: party(c.customs) };
const jobWith = (privacy: object) =>
  VerticalJobSpecSchema.parse({ partition: 'vertical', labelHolder: 'bank', featureParties: ['platform', 'customs'], ids: { form: 'alnum' }, train: { epochs: 3, batchSize: 64 }, privacy });
const run = (privacy: object, seed: number) => simulateVertical(jobWith(privacy), data, { salt: 'label-dp', rng: seededRng(seed), planSeed: 3 });

describe('vertical jobs: exact arithmetic and label privacy', async () => {
  const [a, b, noised] = await Promise.all([run({ mode: 'none' }, 1), run({ mode: 'none' }, 2), run({ mode: 'label', noiseMultiplier: 1, clipNorm: 1 }, 3)]);

  it('trains bit-identical parts with different randomness: pads and masks cancel exactly', () => {
    for (const p of ['bank', 'platform', 'customs']) expect(Array.from(b.parts[p]!.weights)).toEqual(Array.from(a.parts[p]!.weights));
    expect(b.metrics.auc).toBe(a.metrics.auc);
  });

  it('with label privacy, noise reaches every feature party and the model stays useful', () => {
    for (const p of ['platform', 'customs']) {
      const diff = noised.parts[p]!.weights.map((w, j) => Math.abs(w - a.parts[p]!.weights[j]!));
      expect(Math.max(...diff), p).toBeGreaterThan(1e-4);
    }
    expect(noised.metrics.auc).toBeGreaterThan(noised.labelHolderOnly.auc + 0.02);
  });

  it('reports the ε of `epochs` Gaussian mechanisms at its noise multiplier', () => {
    const want = epsilonFromRdp(sampledGaussianRdp({ q: 1, noiseMultiplier: 1, steps: 3 }), 1e-5).epsilon;
    expect(noised.labelPrivacy).toEqual({ epsilon: want, delta: 1e-5, noiseMultiplier: 1, clipNorm: 1, releases: 3 });
    expect(a.labelPrivacy).toBeUndefined();
  });

  it('clips rows to the bound and leaves shorter rows alone', () => {
    const g = clipRows(Float64Array.of(3, 4, 0.3, 0.4), 2, 1);
    expect(Math.hypot(g[0]!, g[1]!)).toBeCloseTo(1, 12);
    expect(Array.from(g.subarray(2))).toEqual([0.3, 0.4]);
  });

  it('refuses noise beyond the sampler\'s range', () => {
    expect(() => jobWith({ mode: 'label', noiseMultiplier: 16, clipNorm: 2 })).toThrow(/at most 16/);
  });
});
