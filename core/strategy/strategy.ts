/**
 * Server-side federated optimisation strategies behind one small interface: a strategy is a
 * small interface, and features (DP, secure aggregation) are wrappers around it.
 *
 * Every strategy receives the example-weighted sum of client deltas from ../aggregate/train and
 * forms the pseudo-gradient Δ = Σ n_k (w_k − w) / Σ n_k, then:
 *  - fedavg  — w' = w + Δ (McMahan et al., AISTATS 2017);
 *  - fedprox — same server step; clients add the proximal term (μ/2)‖w − w_global‖² to their
 *              local objective (Li et al., MLSys 2020, "Federated Optimization in Heterogeneous
 *              Networks");
 *  - fedavgm — server momentum m = β m + Δ, w' = w + η m (Hsu, Qi & Brown 2019, "Measuring the
 *              Effects of Non-Identical Data Distribution for Federated Visual Classification");
 *  - fedadam — m = β1 m + (1−β1) Δ, v = β2 v + (1−β2) Δ², w' = w + η m / (√v + τ), no bias
 *              correction, v initialised to τ² (Reddi et al., ICLR 2021, "Adaptive Federated
 *              Optimization", Algorithm 2).
 * Strategies are pure: they never mutate the state they are given and return fresh arrays.
 */
import type { StrategySpec } from '../job.ts';
import { CoreInputError } from '../types.ts';

// Persistence lives in ./state; re-exported so callers need one import for the strategy API.
export { decodeStrategyState, encodeStrategyState, EncodedStrategyStateSchema } from './state.ts';
export type { EncodedStrategyState } from './state.ts';

/** Serializable server-side state (persisted after every round as JSON-friendly data). */
export interface StrategyState {
  /** Global model weights in the model's flat layout order. */
  weights: Float32Array;
  /** Number of aggregation steps applied so far (0 for the initial model). */
  round: number;
  /** First moment (fedavgm momentum buffer, fedadam m); absent before the first step. */
  m?: Float64Array;
  /** Second moment (fedadam v); absent before the first step. */
  v?: Float64Array;
}

/** Example-weighted sum of client deltas, as read by `readTrainSum`. */
export interface AggregateInput {
  /** Σ_k n_k (w_k − w). */
  updateSum: Float64Array;
  /** Σ_k n_k (must be positive). */
  weightSum: number;
}

/** A server-side federated optimisation strategy. */
export interface Strategy {
  /** Strategy name as in the job file (`fedavg`, `fedprox`, `fedavgm`, `fedadam`). */
  readonly name: string;
  /** Per-round client settings: FedProx proximal coefficient μ (0 for plain local SGD). */
  fitConfig(round: number): { mu: number };
  /** New global state from the current one and the summed train contributions. */
  aggregate(state: StrategyState, sum: AggregateInput): StrategyState;
}

/**
 * Makes a user-defined strategy from its job parameters (`strategy.params`) and the FedProx
 * coefficient `mu` of the job. Without its own `fitConfig`, clients get `{ mu }` every round.
 */
export type StrategyFactory = (params: Record<string, unknown>, mu: number) => Pick<Strategy, 'aggregate'> & Partial<Pick<Strategy, 'fitConfig'>>;

/** User-defined strategies by name, as jobs refer to them (`{ "type": "custom", "name": … }`). */
export type StrategyRegistry = ReadonlyMap<string, StrategyFactory>;

/** The state before the first round: a copy of `weights`, round 0, no optimiser moments. */
export function initialStrategyState(weights: Float32Array): StrategyState {
  if (weights.length === 0) throw new CoreInputError('weights must not be empty', 'weights');
  return { weights: Float32Array.from(weights), round: 0 };
}

/**
 * Validates `state` and `sum` and returns the pseudo-gradient Δ = updateSum / weightSum.
 * Throws {@link CoreInputError} on a length mismatch, a non-positive weight or non-finite values.
 */
export function meanDelta(state: StrategyState, sum: AggregateInput): Float64Array {
  const n = state.weights.length;
  if (sum.updateSum.length !== n) {
    throw new CoreInputError(
      `updateSum has length ${sum.updateSum.length} but the model has ${n} weights`,
      'sum.updateSum',
    );
  }
  if (!Number.isFinite(sum.weightSum) || sum.weightSum <= 0) {
    throw new CoreInputError(`weightSum must be positive, got ${sum.weightSum}`, 'sum.weightSum');
  }
  if (!Number.isInteger(state.round) || state.round < 0) {
    throw new CoreInputError(`state.round must be a non-negative integer, got ${state.round}`, 'state.round');
  }
  const delta = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = sum.updateSum[i]!; // length checked above; an absent entry would fail isFinite too
    if (!Number.isFinite(u)) throw new CoreInputError(`updateSum[${i}] is not finite (${u})`, 'sum.updateSum');
    delta[i] = u / sum.weightSum;
  }
  return delta;
}

/** A copy of an optional moment vector, or a vector of length `n` filled with `init`. */
function moment(prev: Float64Array | undefined, n: number, init: number, parameter: string): Float64Array {
  if (prev === undefined) return new Float64Array(n).fill(init);
  if (prev.length !== n) {
    throw new CoreInputError(`${parameter} has length ${prev.length}, expected ${n}`, parameter);
  }
  return Float64Array.from(prev);
}

/** w + step (float64 arithmetic, rounded once to float32). */
function applyStep(weights: Float32Array, step: Float64Array, scale: number): Float32Array {
  const out = new Float32Array(weights.length);
  for (let i = 0; i < weights.length; i++) out[i] = weights[i]! + scale * step[i]!;
  return out;
}

function checkPositive(value: number, parameter: string): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new CoreInputError(`${parameter} must be positive, got ${value}`, parameter);
  }
}

function checkUnitInterval(value: number, parameter: string): void {
  if (!Number.isFinite(value) || value < 0 || value >= 1) {
    throw new CoreInputError(`${parameter} must be in [0, 1), got ${value}`, parameter);
  }
}

/** Plain FedAvg server step, with the proximal coefficient `mu` sent to clients (0 = FedAvg). */
function averaging(name: string, mu: number): Strategy {
  return {
    name,
    fitConfig: () => ({ mu }),
    aggregate(state, sum) {
      const delta = meanDelta(state, sum);
      return { weights: applyStep(state.weights, delta, 1), round: state.round + 1 };
    },
  };
}

/** FedAvgM: server SGD with momentum on the pseudo-gradient. */
function fedAvgM(serverLr: number, momentum: number, mu: number): Strategy {
  return {
    name: 'fedavgm',
    fitConfig: () => ({ mu }),
    aggregate(state, sum) {
      const delta = meanDelta(state, sum);
      const m = moment(state.m, delta.length, 0, 'state.m');
      for (let i = 0; i < m.length; i++) m[i] = momentum * m[i]! + delta[i]!;
      return { weights: applyStep(state.weights, m, serverLr), round: state.round + 1, m };
    },
  };
}

/** FedAdam: server Adam without bias correction, v initialised to τ². */
function fedAdam(serverLr: number, beta1: number, beta2: number, tau: number, mu: number): Strategy {
  return {
    name: 'fedadam',
    fitConfig: () => ({ mu }),
    aggregate(state, sum) {
      const delta = meanDelta(state, sum);
      const n = delta.length;
      const m = moment(state.m, n, 0, 'state.m');
      const v = moment(state.v, n, tau * tau, 'state.v');
      const step = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const d = delta[i]!;
        m[i] = beta1 * m[i]! + (1 - beta1) * d;
        v[i] = beta2 * v[i]! + (1 - beta2) * d * d;
        step[i] = m[i]! / (Math.sqrt(v[i]!) + tau);
      }
      return { weights: applyStep(state.weights, step, serverLr), round: state.round + 1, m, v };
    },
  };
}

/**
 * The strategy described by a (zod-parsed) job `spec`. Re-checks the numeric parameters
 * cheaply and throws {@link CoreInputError} naming the bad one.
 */
export function createStrategy(spec: StrategySpec, custom: StrategyRegistry = new Map()): Strategy {
  switch (spec.type) {
    case 'custom': {
      const factory = custom.get(spec.name);
      if (!factory) {
        const known = [...custom.keys()];
        throw new CoreInputError(`strategy "${spec.name}" is not registered on this coordinator${known.length ? ` (registered: ${known.join(', ')})` : ' (none is)'}`, 'spec.name');
      }
      checkMu(spec.mu);
      const s = factory(spec.params, spec.mu);
      return { name: spec.name, fitConfig: (round) => s.fitConfig?.(round) ?? { mu: spec.mu }, aggregate: (state, sum) => s.aggregate(state, sum) };
    }
    case 'fedavg':
      return averaging('fedavg', 0);
    case 'fedprox':
      checkMu(spec.mu);
      return averaging('fedprox', spec.mu);
    case 'fedavgm':
      checkPositive(spec.serverLr, 'spec.serverLr');
      checkUnitInterval(spec.momentum, 'spec.momentum');
      checkMu(spec.mu);
      return fedAvgM(spec.serverLr, spec.momentum, spec.mu);
    case 'fedadam':
      checkPositive(spec.serverLr, 'spec.serverLr');
      checkUnitInterval(spec.beta1, 'spec.beta1');
      checkUnitInterval(spec.beta2, 'spec.beta2');
      checkPositive(spec.tau, 'spec.tau');
      checkMu(spec.mu);
      return fedAdam(spec.serverLr, spec.beta1, spec.beta2, spec.tau, spec.mu);
    default: {
      const unknown: never = spec;
      throw new CoreInputError(`unknown strategy ${JSON.stringify(unknown)}`, 'spec.type');
    }
  }
}

function checkMu(mu: number): void {
  if (!Number.isFinite(mu) || mu < 0) throw new CoreInputError(`mu must be finite and ≥ 0, got ${mu}`, 'spec.mu');
}
