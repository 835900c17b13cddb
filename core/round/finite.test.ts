import { describe, expect, it } from 'vitest';
import { createStrategy } from '../strategy/strategy.ts';
import { nonFiniteProblem, stateVectors } from './finite.ts';

describe('nonFiniteProblem', () => {
  it('accepts finite vectors and skips absent ones', () => {
    expect(nonFiniteProblem({ a: Float64Array.of(0, -1e308, 1e-300), b: new Float32Array(3), c: undefined })).toBeNull();
    expect(nonFiniteProblem({})).toBeNull();
  });

  it('names the vector and the first non-finite coordinate, and how many there are', () => {
    expect(nonFiniteProblem({ update: Float64Array.of(1, Infinity, 2) })).toBe('vector "update" coordinate 1 is Infinity');
    expect(nonFiniteProblem({ z: Float64Array.of(NaN), a: Float64Array.of(0, 0, -Infinity, NaN) })).toBe(
      'vector "a" coordinate 2 is -Infinity (2 of its 4 coordinates are not finite)',
    );
  });

  it('catches the FedAvg step over a vanishing total weight that overflows float32', () => {
    // Every member sends a finite update with weight 1e-300: the mean delta is ~1e299.
    const state = { weights: Float32Array.of(0.1, -0.2, 0.3), round: 0 };
    const next = createStrategy({ type: 'fedavg' }).aggregate(state, { updateSum: Float64Array.of(0.5, 0.5, -0.5), weightSum: 3e-300 });
    expect(nonFiniteProblem(stateVectors(next))).toBe('vector "weights" coordinate 0 is Infinity (3 of its 3 coordinates are not finite)');
    expect(nonFiniteProblem(stateVectors(state))).toBeNull();
  });
});
