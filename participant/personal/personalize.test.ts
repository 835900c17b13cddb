/**
 * personalize() on a small synthetic logistic problem: the choice never looks at the test rows,
 * follows the validation rows when given (a clearly better global model is taken, a backwards one
 * left), a global model that ranks the member's borrowers backwards is replaced, and a run is
 * deterministic in its inputs.
 */
import { describe, expect, it } from 'vitest';
import { JobSpecSchema } from '../../core/job.ts';
import { seededRng, standardNormal, uniform01 } from '../../core/random.ts';
import { personalize } from './personalize.ts';
import type { PersonalizeInput, Rows } from './personalize.ts';

const TRUE = [1.5, -1, 0.5];

function rows(n: number, seed: number): Rows {
  const rng = seededRng(seed);
  const x = new Float32Array(n * 3);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let z = -1;
    for (let j = 0; j < 3; j++) {
      x[i * 3 + j] = standardNormal(rng);
      z += TRUE[j]! * x[i * 3 + j]!;
    }
    y[i] = uniform01(rng) < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { x, y };
}

const job = JobSpecSchema.parse({ rounds: 2, seed: 4, train: { batchSize: 32, learningRate: 0.2 }, personalization: { mode: 'finetune', folds: 3, maxEpochs: 8, patience: 2 } });
const input = (global: number[], test: Rows = rows(150, 2)): PersonalizeInput => ({
  job, spec: job.personalization!, member: 'm', inputDim: 3, global: Float32Array.from(global), classWeights: { positive: 1, negative: 1 },
  train: rows(400, 1), test, stopBy: Number.POSITIVE_INFINITY,
});

describe('personalize', () => {
  it('replaces a global model that ranks the member\'s borrowers backwards', async () => {
    const out = await personalize(input([-1.5, 1, -0.5, 0]));
    expect(out.chosen.variant).not.toBe('global');
    expect(out.test.global.auc).toBeLessThan(0.3);
    expect(out.test.personalized.auc).toBeGreaterThan(0.7);
    expect(out.localWeights).toHaveLength(3); // one local-only model per fold
    expect(out.folds).toBe(3);
    expect(out.complete).toBe(true);
  });

  it('chooses without looking at the test rows, and repeats itself exactly', async () => {
    const test = rows(150, 2);
    const flipped = { x: test.x, y: test.y.map((v) => 1 - v) };
    const a = await personalize(input([1, -0.5, 0.2, 0], test));
    const b = await personalize(input([1, -0.5, 0.2, 0], flipped));
    expect(b.chosen).toEqual(a.chosen);
    expect(b.validation).toEqual(a.validation);
    expect(b.test.personalized.auc).toBeCloseTo(1 - a.test.personalized.auc, 10);
    const again = await personalize(input([1, -0.5, 0.2, 0], test));
    expect(again.test).toEqual(a.test);
  });

  it('judges on the validation rows when given: a global model that ranks them far better is taken, a backwards one is left', async () => {
    const validation = rows(1500, 3);
    // The true model as the global one, against local models of 400 rows: the global model leads clearly on 1500 rows.
    const good = await personalize({ ...input([...TRUE, -1]), validation });
    expect(['global', 'blend']).toContain(good.chosen.variant);
    expect(good.chosen.alpha ?? 1).toBeGreaterThan(0.15);
    expect(good.validation.find((c) => c.variant === good.chosen.variant && c.alpha === good.chosen.alpha)?.lead).toBeGreaterThan(0);
    const backwards = await personalize({ ...input([-1.5, 1, -0.5, 0]), validation });
    expect(backwards.chosen.variant).not.toBe('global');
    expect(backwards.chosen.alpha ?? 0).toBeLessThan(0.5);
    // The same good global model, judged on validation rows whose labels are flipped, is not taken: the choice follows those rows.
    const flipped = await personalize({ ...input([...TRUE, -1]), validation: { x: validation.x, y: validation.y.map((v) => 1 - v) } });
    expect(flipped.chosen.variant).not.toBe('global');
    expect(flipped.chosen.alpha ?? 0).toBeLessThan(0.5);
  });

  it('stops starting epochs once past its time limit and says so', async () => {
    const out = await personalize({ ...input([1, -0.5, 0.2, 0]), stopBy: 0 });
    expect(out.complete).toBe(false);
    expect(out.localEpochs).toBe(0);
  });
});
