/**
 * The server side of training as the round engine (core/round/engine.ts) sees it: the settings a
 * round's train tasks carry, and the server step from the round's summed train contributions. A
 * base {@link Strategy} (./strategy.ts) works on the example-weighted FedAvg sum
 * ({@link fedAvgRounds} reads it); features wrap it instead of branching in the engine, and
 * {@link roundStrategyFor} builds the stack a job asks for — the one place on the coordinator's
 * training path that looks at the job's privacy mode.
 *
 * Client-level differential privacy is such a wrapper ({@link clientDpStrategy}), in the style of
 * Flower's DifferentialPrivacy{Server,Client}Side{Fixed,Adaptive}Clipping: it owns everything DP
 * adds to the server side of a round, and the inner strategy only ever sees an ordinary sum.
 * - `fitConfig`: the inner strategy's settings plus the round's clip norm S (each participant
 *   clips its whole model delta to S and rounds it to integers, core/privacy/client-dp.ts);
 * - `aggregate`: derives the round's public plan for the secure sum's threshold t, reads the
 *   clipped integer sum — adding the coordinator's noise when the job puts the noise there
 *   (central) — and hands the inner strategy the noisy Σ of deltas with every institution
 *   weighted 1; it records the round's clip norm, noise multiplier and t, and, with adaptive
 *   clipping, moves S towards the target quantile from the noisy unclipped fraction (Andrew et
 *   al. 2021) for the next round;
 * - `next`: the clip norm the next round starts from, persisted with every round.
 * What each round costs the participants is accounted on their side (participant ledgers, from
 * core/privacy/job-cost.ts); the training loss is not reported under client-level DP.
 *
 * Pure: randomness (central noise) only through an injected Rng.
 */
import type { JobSpec } from '../job.ts';
import { readTrainSum } from '../aggregate/train.ts';
import type { Contribution, Rng } from '../types.ts';
import { CoreInputError } from '../types.ts';
import type { ClientDpPlan } from '../privacy/client-dp.ts';
import { clientPlanFor, clientPrivacy } from '../privacy/job-cost.ts';
import { readClientTrainSum } from '../round/client-round.ts';
import type { ClientDpRound, NextRound } from '../round/engine-types.ts';
import type { Strategy, StrategyState } from './strategy.ts';
import { createStrategy } from './strategy.ts';
import type { StrategyRegistry } from './strategy.ts';

/** The outcome of one round's server step. */
export interface RoundStep {
  state: StrategyState;
  /** Mean training loss per example (NaN when the participants do not report it). */
  trainLoss: number;
  /** Client-level DP: the round's clip norm, noise and noisy unclipped fraction. */
  clientDp?: ClientDpRound;
}

/** A strategy over the round's summed train contributions. */
export interface RoundStrategy {
  readonly name: string;
  /** The round's settings for the participants' local training: FedProx μ, and a clip norm S when one applies. */
  fitConfig(round: number): { mu: number; clipNorm?: number };
  /**
   * The next state from the round's train sum, formed over secure sums whose threshold was
   * `survivors` (1 without one). Throws {@link SumReadError} when the sum cannot be read as
   * the round's settings say, {@link CoreInputError} when the strategy cannot use it.
   */
  aggregate(state: StrategyState, sum: Contribution, survivors: number): RoundStep;
  /** What the next round needs besides the state (persisted with every round). */
  next(): NextRound;
}

/** A train sum that does not match the round's settings (the engine fails the round with this message). */
export class SumReadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SumReadError';
  }
}

/** `strategy` over the example-weighted FedAvg sum (core/aggregate/train.ts). */
export function fedAvgRounds(strategy: Strategy): RoundStrategy {
  return {
    name: strategy.name,
    fitConfig: (round) => strategy.fitConfig(round),
    aggregate(state, sum) {
      const { updateSum, weightSum, meanLoss } = readTrainSum(sum);
      return { state: strategy.aggregate(state, { updateSum, weightSum }), trainLoss: meanLoss };
    },
    next: () => ({}),
  };
}

/**
 * `inner` under client-level DP for a model of `paramCount` parameters, starting from clip norm
 * `clipNorm`; central noise is drawn from `noiseRng`.
 */
export function clientDpStrategy(inner: Strategy, job: Pick<JobSpec, 'privacy' | 'rounds'>, paramCount: number, clipNorm: number, noiseRng?: Rng): RoundStrategy {
  let S = clipNorm;
  return {
    name: `client-dp(${inner.name})`,
    fitConfig: (round) => ({ ...inner.fitConfig(round), clipNorm: S }),
    aggregate(state, sum, survivors) {
      const plan = planOf(job, paramCount, survivors);
      let read: ReturnType<typeof readClientTrainSum>;
      try {
        read = readClientTrainSum(sum, job, plan, S, noiseRng);
      } catch (err) {
        throw new SumReadError((err as Error).message, { cause: err });
      }
      const next = inner.aggregate(state, { updateSum: read.updateSum, weightSum: read.weightSum });
      const clientDp: ClientDpRound = {
        noise: plan.noise, clipNorm: S, noiseMultiplier: plan.noiseMultiplier, survivors: plan.survivors,
        ...(read.unclippedFraction !== undefined ? { unclippedFraction: read.unclippedFraction } : {}),
      };
      S = read.nextClipNorm;
      return { state: next, trainLoss: Number.NaN, clientDp };
    },
    next: () => ({ clipNorm: S }),
  };
}

/**
 * The round's plan. Settings that cannot work are the job's, not the participants' replies: they
 * surface as a plain error, never as an unusable aggregate.
 */
function planOf(job: Pick<JobSpec, 'privacy' | 'rounds'>, paramCount: number, survivors: number): ClientDpPlan {
  try {
    return clientPlanFor(job, paramCount, survivors)!;
  } catch (err) {
    if (err instanceof CoreInputError) throw new Error(err.message, { cause: err });
    throw err;
  }
}

/** Options of {@link roundStrategyFor}. */
export interface RoundStrategyOptions {
  /** A resumed job: what the last stored round left for the next (its clip norm). */
  resumed?: NextRound;
  /** The coordinator's randomness, for central client-level DP noise. */
  noiseRng?: Rng;
  /** User-defined strategies the job may name (`strategy.type: "custom"`). */
  strategies?: StrategyRegistry;
}

/**
 * The job's strategy with its features around it: with client-level DP, the DP wrapper starting
 * from the job's clip norm (or the one a resumed job stored).
 */
export function roundStrategyFor(job: JobSpec, paramCount: number, opts: RoundStrategyOptions = {}): RoundStrategy {
  const base = createStrategy(job.strategy, opts.strategies);
  const client = clientPrivacy(job);
  const clipNorm = opts.resumed ? opts.resumed.clipNorm : client?.clipNorm;
  return client && clipNorm ? clientDpStrategy(base, job, paramCount, clipNorm, opts.noiseRng) : fedAvgRounds(base);
}
