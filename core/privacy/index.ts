/**
 * Differential-privacy primitives, pure and deterministic given their inputs
 * (randomness only through an injected `Rng`):
 *
 * - Accounting for the Poisson-subsampled Gaussian mechanism with Rényi DP (Mironov, CSF 2017):
 *   per-step RDP at integer and fractional orders by Mironov, Talwar & Zhang 2019, "Rényi
 *   Differential Privacy of the Sampled Gaussian Mechanism" — A_α = Σ_k C(α,k)(1−q)^{α−k} q^k
 *   exp((k²−k)/(2z²)), ε(α) = log A_α/(α−1), and their two-part erfc series for fractional α —
 *   composed over steps by addition ({@link sampledGaussianRdp}, {@link composeRdp}).
 * - Conversion to (ε, δ) by ε = min_α [ε(α) + log((α−1)/α) − (log δ + log α)/(α−1)] (Balle et al.
 *   2020; Canonne, Kamath & Steinke 2020) and its inverse for δ ({@link epsilonFromRdp},
 *   {@link deltaFromRdp}).
 * - Calibration of the noise multiplier for a target (ε, δ) ({@link calibrateNoiseMultiplier}).
 * - An exact sampler of the discrete Gaussian (Canonne, Kamath & Steinke 2020, Algorithms 1–3)
 *   for integer noise under secure aggregation ({@link sampleDiscreteGaussian}), and a faster
 *   integer-only exact one (Karney 2016, Algorithm D; {@link karneyDiscreteGaussian}).
 * - Lattice noise for DP-SGD without floating-point precision attacks: the clipped sum rounded
 *   to a power-of-two grid plus exact discrete Gaussian noise ({@link latticeNoisePlan}).
 *
 * The accountant must match the sampling actually used: these bounds assume
 * Poisson sampling with rate q, not shuffled fixed-size batches.
 */
export { sampledGaussianRdpStep, MAX_RDP_ORDER } from './rdp.ts';
export type { RdpCurve, SampledGaussianParams } from './curve.ts';
export { DEFAULT_RDP_ORDERS, sampledGaussianRdp, composeRdp, parallelRdp } from './curve.ts';
export type { EpsilonResult, DeltaResult } from './conversion.ts';
export { epsilonFromRdp, deltaFromRdp } from './conversion.ts';
export type { CalibrationTarget, Calibration } from './calibrate.ts';
export {
  sampledGaussianEpsilon,
  calibrateNoiseMultiplier,
  DEFAULT_CALIBRATION_TOLERANCE,
  MIN_NOISE_MULTIPLIER,
  MAX_NOISE_MULTIPLIER,
} from './calibrate.ts';
export type { Rational, ExactRandom } from './exact-random.ts';
export { exactRandom, toRational } from './exact-random.ts';
export type { DiscreteGaussianParams } from './discrete-gaussian.ts';
export {
  sampleDiscreteGaussian,
  discreteGaussian,
  discreteGaussianParams,
  discreteLaplace,
  bernoulliExp,
  MAX_SIGMA2,
} from './discrete-gaussian.ts';
export type { DistributedDGaussParams, DistributedCalibrationTarget, DistributedCalibration } from './distributed-dgauss.ts';
export { distributedDGaussRdp, distributedDGaussEpsilon, calibrateDistributedSigma, MIN_DGAUSS_SIGMA2, MAX_SURVIVORS } from './distributed-dgauss.ts';
export type { SigmaFraction, DiscreteGaussianSampler } from './karney-dgauss.ts';
export { karneyDiscreteGaussian, sigmaAtLeast } from './karney-dgauss.ts';
export type { LatticeNoisePlan } from './lattice-noise.ts';
export { latticeNoisePlan, latticeSampler, noisyLatticeSum } from './lattice-noise.ts';
