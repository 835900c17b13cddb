/**
 * Finiteness of what a round produces. Every reply is checked for non-finite values at delivery,
 * yet finite inputs can still add or divide up to something that is not: a sum beyond the float64
 * range, or a FedAvg step over a vanishing total weight (updates over weights of 1e-300) that
 * overflows float32. Such an aggregate or model is useless and must never be stored or handed to
 * participants as the global model, so the round engine checks both with {@link nonFiniteProblem}
 * and fails the round, naming the vector and coordinate. Pure.
 */
import type { StrategyState } from '../strategy/strategy.ts';

/** Named vectors to check (absent ones are skipped). */
export type NamedVectors = Record<string, ArrayLike<number> | undefined>;

/**
 * The first non-finite coordinate among `vectors` (in name order), in words — with how many of
 * that vector's coordinates are non-finite — or null when every coordinate is finite.
 */
export function nonFiniteProblem(vectors: NamedVectors): string | null {
  for (const name of Object.keys(vectors).sort()) {
    const v = vectors[name];
    if (!v) continue;
    let first = -1;
    let count = 0;
    for (let i = 0; i < v.length; i++) {
      if (Number.isFinite(v[i])) continue;
      if (first < 0) first = i;
      count++;
    }
    if (first >= 0) {
      return `vector "${name}" coordinate ${first} is ${v[first]}` + (count > 1 ? ` (${count} of its ${v.length} coordinates are not finite)` : '');
    }
  }
  return null;
}

/** The vectors of a strategy state: the model weights and the optimiser moments it has. */
export function stateVectors(state: StrategyState): NamedVectors {
  return { weights: state.weights, m: state.m, v: state.v };
}
