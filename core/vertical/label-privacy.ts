/**
 * Label differential privacy of a vertical job: what a feature party learns about the labels.
 * A feature party learns nothing label-dependent but its gradient Gᵀ·r per step, where
 * r = z/4 + 1/2 − y; changing one row's label changes r at that row by exactly 1, so the gradient
 * moves by that row of G, whose norm the feature party clips to C. The label holder adds discrete
 * Gaussian noise of standard deviation z·C (on the integer lattice of the fixed-point products, so
 * the sensitivity is an integer vector) to every gradient it helps a feature party compute. Each
 * training row is used once per epoch, so a label goes through `epochs` Gaussian mechanisms with
 * noise multiplier z: RDP epochs·α/(2z²) (discrete Gaussian: Canonne, Kamath & Steinke 2020,
 * at most the continuous one), converted to (ε, δ) with the accountant of the horizontal jobs.
 * No subsampling amplification is claimed (the batches are a shuffle, not Poisson sampling).
 */
import { epsilonFromRdp } from '../privacy/conversion.ts';
import { sampledGaussianRdp } from '../privacy/curve.ts';
import { FRAC_BITS } from './ring.ts';
import type { VerticalJobSpec } from './spec.ts';

/** The job's label privacy, when it has some. */
export interface LabelPrivacy {
  epsilon: number;
  delta: number;
  noiseMultiplier: number;
  clipNorm: number;
  /** Gaussian mechanisms each label goes through (the epochs). */
  releases: number;
}

/** (ε, δ) of a job's label privacy, or undefined without it. */
export function labelPrivacy(job: Pick<VerticalJobSpec, 'privacy' | 'train'>): LabelPrivacy | undefined {
  const p = job.privacy;
  if (p.mode !== 'label') return undefined;
  const curve = sampledGaussianRdp({ q: 1, noiseMultiplier: p.noiseMultiplier, steps: job.train.epochs });
  return { epsilon: epsilonFromRdp(curve, p.delta).epsilon, delta: p.delta, noiseMultiplier: p.noiseMultiplier, clipNorm: p.clipNorm, releases: job.train.epochs };
}

/**
 * The noise's standard deviation on the integer lattice of Gᵀ·r4: r4 = 4r and both factors carry
 * 2^f, so one unit of the gradient in r is 4·2^(2f) lattice units.
 */
export function latticeSigma(noiseMultiplier: number, clipNorm: number): number {
  return 4 * noiseMultiplier * clipNorm * 2 ** (2 * FRAC_BITS);
}

/** Rows of a row-major matrix (rows × width) scaled down to L2 norm at most `bound`, in place. */
export function clipRows(g: Float64Array, width: number, bound: number): Float64Array {
  for (let at = 0; at < g.length; at += width) {
    let ss = 0;
    for (let j = at; j < at + width; j++) ss += g[j]! * g[j]!;
    const norm = Math.sqrt(ss);
    if (norm > bound) for (let j = at; j < at + width; j++) g[j] = (g[j]! * bound) / norm;
  }
  return g;
}
