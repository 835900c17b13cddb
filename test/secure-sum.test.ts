/**
 * The secure sum as the round engine uses it (core/round/secure-sum.ts), with the real
 * participant mod (participant/secagg-mod.ts, node:crypto randomness) behind an in-memory Grid:
 * exact sums of fixed-point vectors, quantized updates within one quantization step per summand,
 * dropouts at every step, aborts below the threshold, the SecAgg+ graph and the encoding plan's
 * limits. The participant's own checks and the authenticated variant are in
 * secure-sum-authenticated.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { statsShape } from '../core/data/preprocess.ts';
import { trainShape } from '../core/aggregate/train.ts';
import { JobSpecSchema } from '../core/job.ts';
import type { StageTask } from '../core/round/grid.ts';
import { taskFor } from '../core/round/grid.ts';
import { secureSum } from '../core/round/secure-sum.ts';
import { checkPlan, encodingPlanFor, prepareForSecureSum, secureRoundParams, updateStep } from '../core/round/secure-plan.ts';
import { inputDim } from '../core/data/schema.ts';
import { modelLayout } from '../core/model/layout.ts';
import { layoutSize } from '../core/types.ts';
import type { Contribution } from '../core/types.ts';
import type { ParsedTask } from '../participant/handler.ts';
import { memoryGrid } from '../sim/memory-grid.ts';
import { STEPS, plainSum, randomContribution, schema, setup } from './support/secure-sum.ts';

describe('secure sum over the participant mod', () => {
  it('sums preprocessing statistics exactly (fixed point) and reports the public parameters', async () => {
    const shape = statsShape(schema);
    const inputs = new Map<string, Contribution>();
    const { names, handlers, config, job } = setup(5, {}, (name) => {
      const c = randomContribution(shape, name.charCodeAt(6) * 7, 1e4);
      c.stats = c.stats!.map((x) => Math.round(x * 64) / 64); // exactly representable at 24 fractional bits
      c.label = Float64Array.of(1000 + name.charCodeAt(6), 100);
      inputs.set(name, c);
      return c;
    });
    const res = await secureSum('job-1', job).run(memoryGrid(handlers), names, { kind: 'stats', round: 0, config }, shape, 1000);
    expect(res.error).toBeUndefined();
    expect(res.contributors).toEqual(names);
    const want = plainSum([...inputs.values()]);
    expect(Array.from(res.sum!.stats!)).toEqual(Array.from(want.stats!));
    expect(Array.from(res.sum!.label!)).toEqual(Array.from(want.label!));
    expect(res.secure).toMatchObject({ participants: 5, survivors: 5, threshold: 3, neighbours: 4, modulusBits: 32, clipped: 0 });
    expect(res.secure!.steps).toBeUndefined(); // no clock, no timings
  });

  it('sums quantized updates within one quantization step per summand, and counts clipped deltas', async () => {
    const size = layoutSize(modelLayout({ type: 'mlp', hidden: [64], dropout: 0, activation: 'relu' }, inputDim(schema)));
    const shape = trainShape(size);
    const inputs: Contribution[] = [];
    let expectClipped = 0;
    const { names, handlers, config, job } = setup(4, { model: { type: 'mlp', hidden: [64] }, secureAggregation: { clip: 0.5, maxWeight: 1000 } }, (name) => {
      const n = 100 + 50 * Number(name.slice(-1));
      const c = randomContribution({ update: size }, name.charCodeAt(6), 0.2);
      const clipped = c.update!.map((d) => n * Math.max(-0.5, Math.min(0.5, d)));
      expectClipped += c.update!.filter((d) => Math.abs(d) > 0.5).length;
      inputs.push({ update: clipped, weight: Float64Array.of(n), loss: Float64Array.of(0.5 * n, n) });
      return { update: c.update!.map((d) => d * n), weight: Float64Array.of(n), loss: Float64Array.of(0.5 * n, n) };
    });
    const res = await secureSum('job-1', job).run(memoryGrid(handlers), names, { kind: 'train', round: 1, config }, shape, 1000);
    expect(res.error).toBeUndefined();
    const want = plainSum(inputs);
    expect(res.sum!.weight![0]).toBe(want.weight![0]);
    expect(res.sum!.loss![0]).toBeCloseTo(want.loss![0]!, 6);
    const step = updateStep(job.secureAggregation, 4);
    let worst = 0;
    for (let i = 0; i < size; i++) worst = Math.max(worst, Math.abs(res.sum!.update![i]! - want.update![i]!));
    expect(worst).toBeLessThanOrEqual(4 * step + 1e-9);
    expect(worst).toBeGreaterThan(0); // it really was quantized
    expect(expectClipped).toBeGreaterThan(10);
    expect(res.secure!.clipped).toBe(expectClipped);
  });

  it('caps a participant\'s FedAvg weight at maxWeight and clips its delta, never the others\'', () => {
    const spec = JobSpecSchema.parse({ secureAggregation: { clip: 1, maxWeight: 100 } }).secureAggregation;
    const c = { update: Float64Array.of(400 * 0.5, 400 * -2, 0), weight: Float64Array.of(400), loss: Float64Array.of(40, 400) };
    const p = prepareForSecureSum('train', c, spec);
    expect(Array.from(p.update!)).toEqual([50, -100, 0]); // delta 0.5 kept, −2 clipped to −1, weight 100
    expect(Array.from(p.weight!)).toEqual([100]);
    expect(Array.from(p.loss!)).toEqual([10, 100]);
    expect(Array.from(p.__clipped!)).toEqual([1]);
    expect(Array.from(c.update!)).toEqual([200, -800, 0]); // the input is untouched
  });

  it('copies a vector only when it scales or clips it, and never writes to the input', () => {
    const spec = JobSpecSchema.parse({ secureAggregation: { clip: 1, maxWeight: 100 } }).secureAggregation;
    const c = { update: Float64Array.of(10, -20, 0), weight: Float64Array.of(40), loss: Float64Array.of(4, 40) };
    const kept = prepareForSecureSum('train', c, spec);
    // Nothing above the limit (1 × 40) and no scaling: the arrays are the input's own, the counter is new.
    expect(kept.update).toBe(c.update);
    expect(kept.weight).toBe(c.weight);
    expect(kept.loss).toBe(c.loss);
    expect(Array.from(kept.__clipped!)).toEqual([0]);
    expect(kept).not.toBe(c);
    expect('__clipped' in c).toBe(false);
    const clipped = prepareForSecureSum('train', { ...c, update: Float64Array.of(10, -50, 0) }, spec);
    expect(Array.from(clipped.update!)).toEqual([10, -40, 0]);
    expect(clipped.weight).toBe(c.weight);
    const input = Float64Array.of(10, -50, 0);
    prepareForSecureSum('train', { ...c, update: input }, spec);
    expect(Array.from(input)).toEqual([10, -50, 0]);
  });

  for (const step of STEPS) {
    it(`completes with the exact sum of the survivors when one participant vanishes at ${step}`, async () => {
      const shape = statsShape(schema);
      const inputs = new Map<string, Contribution>();
      const { names, handlers, config, job } = setup(6, { secureAggregation: { threshold: 4 } }, (name) => {
        const c = randomContribution(shape, name.charCodeAt(6), 50, true);
        inputs.set(name, c);
        return c;
      });
      const res = await secureSum('job-1', job).run(memoryGrid(handlers, { 'inst-02': step }), names, { kind: 'stats', round: 0, config }, shape, 1000);
      expect(res.error).toBeUndefined();
      // Vanishing after sending the masked input still counts its input (it is in U3).
      const survivors = step === 'unmasking' ? names : names.filter((n) => n !== 'inst-02');
      expect(res.contributors).toEqual(survivors);
      const want = plainSum(survivors.map((n) => inputs.get(n)!));
      expect(Array.from(res.sum!.stats!)).toEqual(Array.from(want.stats!));
      expect(res.failures.map((f) => f.participant)).toEqual(['inst-02']);
      expect(res.failures[0]!.stage).toBe(`round 0: stats (secagg ${step})`);
    });
  }

  it('aborts below the threshold and unmasks nothing', async () => {
    const shape = statsShape(schema);
    const { names, handlers, config, job } = setup(5, { secureAggregation: { threshold: 4 } }, (name) => randomContribution(shape, name.charCodeAt(6), 10, true));
    const grid = memoryGrid(handlers, { 'inst-00': 'masked-input', 'inst-03': 'masked-input' });
    const seen: StageTask[] = [];
    const res = await secureSum('job-1', job).run({ ...grid, run: (p, t, ms) => grid.run(p, (x) => { const task = taskFor(t, x); seen.push(task); return task; }, ms) }, names, { kind: 'stats', round: 0, config }, shape, 1000);
    expect(res.sum).toBeNull();
    expect(res.error).toBe('secure aggregation aborted, nothing was unmasked: masked-input: only 3 of the required 4 participants sent masked inputs');
    expect(seen.some((t) => t.secagg?.message.type === 'unmask-request')).toBe(false);
  });

  it('keeps no input once it is masked: a second delivery of the same step is refused, not masked again', async () => {
    const shape = statsShape(schema);
    let computed = 0;
    const { names, handlers, config, job } = setup(3, {}, () => {
      computed++;
      return randomContribution(shape, 3, 1, true);
    });
    const first = names[0]!;
    const inner = handlers.get(first)!;
    const received: ParsedTask[] = [];
    handlers.set(first, (task) => {
      received.push(task);
      return inner(task);
    });
    const res = await secureSum('job-1', job).run(memoryGrid(handlers), names, { kind: 'stats', round: 0, config }, shape, 1000);
    expect(res.error).toBeUndefined();
    expect(computed).toBe(3);
    const delivery = received.find((t) => t.secagg?.message.type === 'share-delivery')!;
    const again = await inner(delivery);
    expect(again).toMatchObject({ refusal: { reason: expect.stringMatching(/input was already masked; a second share delivery is not answered/) } });
    expect(computed).toBe(3);
  });

  it('never reuses a run id, and sends the weights only with the first step', async () => {
    const shape = statsShape(schema);
    const { names, handlers, config, job } = setup(3, {}, () => randomContribution(shape, 1, 1, true));
    const seen: StageTask[] = [];
    const sum = secureSum('job-1', job);
    const weights = new Float32Array(4);
    for (let i = 0; i < 2; i++) {
      const res = await sum.run(memoryGrid(handlers, {}, seen), names, { kind: 'stats', round: 0, config, weights }, shape, 1000);
      expect(res.error).toBeUndefined();
    }
    const runs = [...new Set(seen.map((t) => t.secagg!.config.run))];
    expect(runs).toEqual(['job-1/stats/0/0.1', 'job-1/stats/0/0.2']);
    expect(seen.filter((t) => t.weights).every((t) => t.secagg!.message.type === 'begin')).toBe(true);
    expect(seen.filter((t) => t.weights).length).toBe(6);
  });

  it('draws the SecAgg+ graph in the round and sums exactly over 12 participants, one vanishing after the draw', async () => {
    const shape = statsShape(schema);
    const inputs = new Map<string, Contribution>();
    const { names, handlers, config, job } = setup(12, { secureAggregation: { neighbours: 4 } }, (name) => {
      const c = randomContribution(shape, name.charCodeAt(6) * 13 + Number(name.slice(-2)), 50, true);
      inputs.set(name, c);
      return c;
    });
    const seen: StageTask[] = [];
    let ms = 0;
    const clock = () => (ms += 10); // every reading 10 ms after the last: each step spans one tick
    const res = await secureSum('job-1', job, '0', { now: clock }).run(memoryGrid(handlers, { 'inst-05': 'share-keys' }, seen), names, { kind: 'stats', round: 0, config }, shape, 1000);
    expect(res.error).toBeUndefined();
    const survivors = names.filter((n) => n !== 'inst-05');
    expect(res.contributors).toEqual(survivors);
    expect(Array.from(res.sum!.stats!)).toEqual(Array.from(plainSum(survivors.map((n) => inputs.get(n)!)).stats!));
    expect(res.secure).toMatchObject({ participants: 12, neighbours: 4, threshold: 3 });
    expect(seen.filter((t) => t.secagg!.message.type === 'graph-reveals')).toHaveLength(12);
    expect(res.secure!.steps).toEqual(['advertise-keys', 'graph-nonce', 'share-keys', 'masked-input', 'unmasking'].map((step) => ({ step, seconds: 0.01 })));
  });

  it('fails loudly before the round when n·range cannot fit the modulus', () => {
    const spec = JobSpecSchema.parse({}).secureAggregation;
    // Exact fixed-point limbs carry at most 2^16 − 1 summands; quantized vectors need n·L < 2^32.
    expect(() => checkPlan(encodingPlanFor('stats', statsShape(schema), spec, 70_000))).toThrow(
      /^cannot sum over 70000 participants: maxSummands must be an integer in \[1, 65535\]/,
    );
    const onlyUpdate = { shape: { update: 10 }, encodings: { update: { kind: 'quantized' as const, clip: 1 } }, maxSummands: 3_000_000_000 };
    expect(() => checkPlan(onlyUpdate)).toThrow(/cannot sum over 3000000000 participants/);
    expect(checkPlan(encodingPlanFor('train', trainShape(10), spec, 10))).toBe(10 + 4 + 8 + 2);
  });

  it('uses a SecAgg+ ring of k = 2·⌈log2 n⌉ neighbours for larger rounds', () => {
    const job = JobSpecSchema.parse({ minParticipants: 2 });
    const ids = Array.from({ length: 40 }, (_, i) => `p${i}`);
    const p = secureRoundParams(job, 'stats', statsShape(schema), 'r', 0, ids);
    expect(p.neighbours).toBe(12);
    expect(p.config.graph).toEqual({ kind: 'committed', k: 12 }); // drawn in the round from every advertiser's nonce
    expect(p.config.threshold).toBe(7);
    // t never below minParticipants: k grows until each participant has that many share holders.
    const big = secureRoundParams(JobSpecSchema.parse({ minParticipants: 20 }), 'stats', statsShape(schema), 'r', 0, ids);
    expect(big.config.graph).toEqual({ kind: 'committed', k: 19 });
    expect(big.config.threshold).toBe(20);
    const small = secureRoundParams(job, 'stats', statsShape(schema), 'r', 0, ids.slice(0, 6));
    expect(small.config.graph.kind).toBe('complete');
    expect(() => secureRoundParams(JobSpecSchema.parse({ secureAggregation: { threshold: 9 } }), 'stats', statsShape(schema), 'r', 0, ids.slice(0, 6))).toThrow(
      /secureAggregation.threshold 9 exceeds the 6 holders/,
    );
    expect(() => secureRoundParams(JobSpecSchema.parse({ secureAggregation: { threshold: 3 } }), 'stats', statsShape(schema), 'r', 0, ids.slice(0, 6))).toThrow(
      /secureAggregation.threshold 3 is below a majority \(4\) of the 6 holders/,
    );
  });
});
