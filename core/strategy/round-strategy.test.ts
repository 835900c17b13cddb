/**
 * Tests of the strategy stack the engine runs: the plain FedAvg reading, the client-level DP
 * wrapper against the reading it replaced in the engine (decode, inner step, round record, next
 * clip norm), its errors, and which stack a job and a resumed job get.
 */
import { describe, expect, it } from 'vitest';
import { readTrainSum, trainContribution, trainShape } from '../aggregate/train.ts';
import { sumContributions } from '../aggregate/sum.ts';
import { JobSpecSchema } from '../job.ts';
import { encodeClientUpdate } from '../privacy/client-dp-codec.ts';
import { seededRng } from '../random.ts';
import { clientContribution, clientPlanFor, readClientTrainSum, trainShapeFor } from '../round/client-round.ts';
import { CoreInputError } from '../types.ts';
import type { Contribution } from '../types.ts';
import { clientDpStrategy, fedAvgRounds, roundStrategyFor, SumReadError } from './round-strategy.ts';
import { createStrategy, initialStrategyState } from './strategy.ts';

const D = 6;
const start = initialStrategyState(Float32Array.from({ length: D }, (_, i) => i / 10));
const clientJob = (privacy: Record<string, unknown>) => JobSpecSchema.parse({ rounds: 4, strategy: { type: 'fedavgm' }, privacy: { mode: 'client', clipNorm: 0.5, ...privacy } });

/** The summed, encoded updates of three institutions with deltas of different norms. */
function clientSum(job: ReturnType<typeof clientJob>, clipNorm: number, t: number): Contribution {
  const plan = clientPlanFor(job, D, t)!;
  const rng = seededRng(11);
  const parts = [0.1, 1, 3].map((scale) => {
    const delta = Float64Array.from({ length: D }, (_, i) => scale * Math.sin(i + scale));
    const enc = encodeClientUpdate(delta, clipNorm, plan, rng);
    return clientContribution(enc.update, enc.clipBit);
  });
  return sumContributions(parts, trainShapeFor(job, D));
}

describe('fedAvgRounds', () => {
  it('reads the example-weighted sum and takes the inner step; no extra settings', () => {
    const inner = createStrategy({ type: 'fedavg' });
    const s = fedAvgRounds(inner);
    const sum = sumContributions([trainContribution(Float32Array.of(1, 1, 1, 1, 1, 1), start.weights, 3, 1.5)], trainShape(D));
    const step = s.aggregate(start, sum, 1);
    const { updateSum, weightSum, meanLoss } = readTrainSum(sum);
    expect(step.state).toEqual(inner.aggregate(start, { updateSum, weightSum }));
    expect(step.trainLoss).toBe(meanLoss);
    expect(step.clientDp).toBeUndefined();
    expect(s.fitConfig(1)).toEqual({ mu: 0 });
    expect(s.next()).toEqual({});
  });
});

describe('clientDpStrategy', () => {
  it('distributed noise: the inner step on the decoded sum, the round recorded, S kept without adaptive clipping', () => {
    const job = clientJob({ noise: 'distributed', noiseMultiplier: 0.8 });
    const inner = createStrategy(job.strategy);
    const s = clientDpStrategy(inner, job, D, 0.5);
    expect(s.fitConfig(2)).toEqual({ mu: 0, clipNorm: 0.5 });
    const sum = clientSum(job, 0.5, 3);
    const plan = clientPlanFor(job, D, 3)!;
    const read = readClientTrainSum(sum, job, plan, 0.5);
    const step = s.aggregate(start, sum, 3);
    expect(step.state).toEqual(inner.aggregate(start, { updateSum: read.updateSum, weightSum: read.weightSum }));
    expect(step.trainLoss).toBeNaN();
    expect(step.clientDp).toEqual({ noise: 'distributed', clipNorm: 0.5, noiseMultiplier: plan.noiseMultiplier, survivors: 3 });
    expect(s.next()).toEqual({ clipNorm: 0.5 });
  });

  it('central noise from the coordinator\'s Rng and adaptive clipping: S moves for the next round', () => {
    const job = clientJob({ noise: 'central', noiseMultiplier: 0.5, adaptiveClipping: { targetQuantile: 0.5, learningRate: 0.5, countNoise: 0.3 } });
    const inner = createStrategy(job.strategy);
    const s = clientDpStrategy(inner, job, D, 0.5, seededRng(5));
    const sum = clientSum(job, 0.5, 1);
    const read = readClientTrainSum(sum, job, clientPlanFor(job, D, 1)!, 0.5, seededRng(5));
    const step = s.aggregate(start, sum, 7); // central noise does not depend on t
    expect(step.state).toEqual(inner.aggregate(start, { updateSum: read.updateSum, weightSum: read.weightSum }));
    expect(step.clientDp).toMatchObject({ noise: 'central', clipNorm: 0.5, survivors: 1, unclippedFraction: read.unclippedFraction });
    expect(read.nextClipNorm).not.toBe(0.5);
    expect(s.next()).toEqual({ clipNorm: read.nextClipNorm });
    expect(s.fitConfig(2).clipNorm).toBe(read.nextClipNorm);
  });

  it('a sum that does not match the round is a SumReadError; settings that cannot work are a plain error', () => {
    const job = clientJob({ noise: 'distributed', noiseMultiplier: 0.8 });
    const s = clientDpStrategy(createStrategy(job.strategy), job, D, 0.5);
    const noBit = sumContributions([trainContribution(Float32Array.of(1, 1, 1, 1, 1, 1), start.weights, 1, 0)], trainShape(D));
    expect(() => s.aggregate(start, noBit, 3)).toThrow(SumReadError);
    let err: unknown;
    try {
      s.aggregate(start, clientSum(job, 0.5, 3), 0);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(CoreInputError);
    expect(err).not.toBeInstanceOf(SumReadError);
    expect((err as Error).message).toMatch(/survivors/);
  });
});

describe('roundStrategyFor', () => {
  it('a job without client-level DP: the base strategy over the FedAvg sum', () => {
    for (const privacy of [{ mode: 'none' }, { mode: 'record', noiseMultiplier: 1 }]) {
      const s = roundStrategyFor(JobSpecSchema.parse({ strategy: { type: 'fedprox', mu: 0.1 }, privacy }), D);
      expect(s.name).toBe('fedprox');
      expect(s.fitConfig(1)).toEqual({ mu: 0.1 });
      expect(s.next()).toEqual({});
    }
  });

  it('client-level DP: the wrapper, from the job\'s clip norm or the one a resumed job stored', () => {
    const job = clientJob({ noise: 'distributed', noiseMultiplier: 0.8 });
    expect(roundStrategyFor(job, D).fitConfig(1)).toEqual({ mu: 0, clipNorm: 0.5 });
    expect(roundStrategyFor(job, D, { resumed: { clipNorm: 0.25 } }).next()).toEqual({ clipNorm: 0.25 });
    // A resumed job that stored no clip norm is read as a plain FedAvg sum, as before.
    expect(roundStrategyFor(job, D, { resumed: {} }).fitConfig(1)).toEqual({ mu: 0 });
  });
});
