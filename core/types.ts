/**
 * Shared types of the pure core. Nothing here performs I/O, reads a clock or draws randomness;
 * randomness enters as an {@link Rng} parameter.
 */

/** Source of random bytes: crypto-backed in production, seeded in tests. */
export type Rng = (n: number) => Uint8Array;

/** Name and shape of one weight tensor of a model, in the model's flat weight order. */
export interface TensorSpec {
  name: string;
  shape: number[];
}

/** Ordered weight tensors of a model; the flat weight vector is their concatenation. */
export type Layout = TensorSpec[];

/**
 * A participant's input to the one aggregation path: named float vectors that are summed
 * element-wise across participants. Model updates, preprocessing statistics and evaluation
 * histograms are all contributions; nothing is aggregated any other way.
 */
export type Contribution = Record<string, Float64Array>;

/** Expected length of every vector in a contribution, by name. */
export type ContributionShape = Record<string, number>;

/**
 * Kinds of work a coordinator hands to a participant. `vertical`: one step of a vertical job
 * (core/vertical/messages.ts); `sketch` and `tree`: a gbdt job's bin-edge sketch and one tree
 * level's histograms (core/trees/job-stages.ts).
 */
export type TaskKind = 'stats' | 'train' | 'evaluate' | 'vertical' | 'sketch' | 'tree';

/** Number of elements of a tensor of the given shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Total number of parameters of a layout. */
export function layoutSize(layout: Layout): number {
  return layout.reduce((a, t) => a + sizeOf(t.shape), 0);
}

/** Error for a parameter that violates a documented precondition of a core function. */
export class CoreInputError extends Error {
  constructor(
    message: string,
    readonly parameter: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CoreInputError';
  }
}
