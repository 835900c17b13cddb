/**
 * Seeded synthetic data and small helpers shared by the trainer's tests and its benchmark. Not
 * used in production paths; kept free of tfjs so that tests can check the trainer against plain
 * arithmetic.
 */
import type { FitConfig, ModelSpec } from '../../core/job.ts';
import { seededRng, standardNormal, uniform01 } from '../../core/random.ts';

/** A labelled table: n × d row-major features and 0/1 labels. */
export interface SyntheticTable {
  x: Float32Array;
  y: Uint8Array;
  rows: number;
  features: number;
}

/**
 * A credit-like table: standard-normal features and labels drawn from a logistic model
 * P(y = 1) = σ(intercept + signal·βᵀx) with ‖β‖ = 1. A large `signal` makes the classes nearly
 * linearly separable; the default intercept gives roughly a quarter of positives.
 */
export function syntheticRows(rows: number, features: number, seed: number, signal = 2, intercept = -1.2): SyntheticTable {
  const rng = seededRng(seed);
  const raw = Array.from({ length: features }, () => standardNormal(rng));
  const norm = Math.hypot(...raw);
  const beta = raw.map((b) => b / norm);
  const x = new Float32Array(rows * features);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    let z = intercept;
    for (let j = 0; j < features; j++) {
      const v = standardNormal(rng);
      x[i * features + j] = v;
      z += signal * beta[j]! * v;
    }
    y[i] = uniform01(rng) < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { x, y, rows, features };
}

/**
 * A table whose label depends on a non-linear interaction (y = 1 when x₀·x₁ > 0, with 5% label
 * noise): no linear model does better than chance, an MLP can.
 */
export function xorRows(rows: number, features: number, seed: number): SyntheticTable {
  const rng = seededRng(seed);
  const x = new Float32Array(rows * features);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < features; j++) x[i * features + j] = standardNormal(rng);
    const clean = x[i * features]! * x[i * features + 1]! > 0 ? 1 : 0;
    y[i] = uniform01(rng) < 0.05 ? 1 - clean : clean;
  }
  return { x, y, rows, features };
}

/**
 * AUC by the rank formula (Mann–Whitney U): (Σ ranks of positives − P(P+1)/2) / (P·N), with
 * average ranks for ties.
 */
export function rankAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (labels.length !== scores.length) throw new RangeError(`${scores.length} scores but ${labels.length} labels`);
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  const ranks = new Float64Array(scores.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    for (let k = i; k <= j; k++) ranks[idx[k]!] = (i + j) / 2 + 1;
    i = j + 1;
  }
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1) {
      pos++;
      rankSum += ranks[i]!;
    }
  }
  const neg = labels.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Mean of the unweighted binary cross-entropy of scores against labels, in float64. */
export function meanBce(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < scores.length; i++) {
    const p = Math.min(Math.max(scores[i]!, 1e-12), 1 - 1e-12);
    s -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return s / scores.length;
}

/** Euclidean distance between two vectors of equal length. */
export function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/** A fit configuration with test-friendly defaults; `over` replaces any part of it. */
export function fitConfig(over: { train?: Partial<FitConfig['train']> } & Partial<Omit<FitConfig, 'train'>> = {}): FitConfig {
  return {
    train: {
      localEpochs: 1,
      batchSize: 64,
      optimizer: 'sgd',
      learningRate: 0.1,
      classWeights: 'none',
      l2: 0,
      ...over.train,
    },
    mu: over.mu ?? 0,
    classWeights: over.classWeights ?? { positive: 1, negative: 1 },
    seed: over.seed ?? 1,
  };
}

/** The model specs the tests sweep over. */
export const SPECS: Readonly<Record<'logistic' | 'mlp16' | 'mlpDrop' | 'mlpElu', ModelSpec>> = {
  logistic: { type: 'logistic' },
  mlp16: { type: 'mlp', hidden: [16], dropout: 0, activation: 'relu' },
  mlpDrop: { type: 'mlp', hidden: [8, 4], dropout: 0.3, activation: 'tanh' },
  mlpElu: { type: 'mlp', hidden: [6], dropout: 0.1, activation: 'elu' },
};
