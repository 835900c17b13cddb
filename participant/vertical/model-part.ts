/**
 * A party's part of a vertical model: how it turns its standardized columns x (k per row) into
 * its contribution u to the joint score z = Σ_parties u, and how it updates its weights from
 * Gᵀ·r summed over a batch, where G is the per-row "gradient matrix" of u and r the residual. The
 * joint protocol only ever needs Gᵀ·r (a cross product with the residual shares), so any part
 * that is linear in its last-layer weights fits:
 *
 *   logistic  u = x·w                                  G = x                               (width k)
 *   mlp       h = tanh([x, 1]·W), u = h·v + x·w         G = [h | (1 − h_j²)·[x, 1] for each j | x]
 *
 * The split MLP is a bottom network per party — one tanh layer of `hidden` units beside a linear
 * skip connection, so it contains the logistic part — whose outputs the label holder's top
 * combines: a sum and the logistic link. Every party's gradient is a batch sum
 * (∂/∂v = hᵀr, ∂/∂W_·j = v_j·(diag(1 − h_j²)[x, 1])ᵀr, ∂/∂w = xᵀr), never a per-row value. The
 * label holder's x starts with its intercept column.
 */
import type { Rng } from '../../core/types.ts';
import { uniform01 } from '../../core/random.ts';

/** The model of a part. */
export type PartModel = { type: 'logistic' } | { type: 'mlp'; hidden: number };

/** Width of a part's gradient matrix G for k input columns. */
export function gradientWidth(model: PartModel, k: number, _labelHolder: boolean): number {
  if (model.type === 'logistic') return k;
  const d = model.hidden;
  return d + (k + 1) * d + k;
}

/** Initial weights: zeros for logistic; Glorot-uniform W and zero v and w for the MLP (layout [W | v | w]). */
export function initialWeights(model: PartModel, k: number, _labelHolder: boolean, rng: Rng): Float64Array {
  if (model.type === 'logistic') return new Float64Array(k);
  const d = model.hidden;
  const w = new Float64Array((k + 1) * d + d + k);
  const limit = Math.sqrt(6 / (k + 1 + d));
  for (let i = 0; i < (k + 1) * d; i++) w[i] = (2 * uniform01(rng) - 1) * limit;
  return w;
}

/** Hidden activations h (rows × d) of the MLP for a row-major block x (rows × k). */
function hidden(x: Float64Array, k: number, w: Float64Array, d: number): Float64Array {
  const rows = x.length / k;
  const h = new Float64Array(rows * d);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < d; j++) {
      let a = w[k * d + j]!; // the bias row of W
      for (let c = 0; c < k; c++) a += x[i * k + c]! * w[c * d + j]!;
      h[i * d + j] = Math.tanh(a);
    }
  }
  return h;
}

/** Each row's contribution u, clipped to ±`clip` (fixed-point bounds). */
export function partScores(model: PartModel, x: Float64Array, k: number, w: Float64Array, _labelHolder: boolean, clip = 1000): Float64Array {
  const rows = x.length / k;
  const out = new Float64Array(rows);
  if (model.type === 'logistic') {
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += x[i * k + j]! * w[j]!;
      out[i] = Math.max(-clip, Math.min(clip, s));
    }
    return out;
  }
  const d = model.hidden;
  const h = hidden(x, k, w, d);
  const v0 = (k + 1) * d;
  const l0 = v0 + d;
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += h[i * d + j]! * w[v0 + j]!;
    for (let c = 0; c < k; c++) s += x[i * k + c]! * w[l0 + c]!;
    out[i] = Math.max(-clip, Math.min(clip, s));
  }
  return out;
}

/** The gradient matrix G (rows × width, row-major) of a block x at weights w. */
export function gradientMatrix(model: PartModel, x: Float64Array, k: number, w: Float64Array, _labelHolder: boolean): Float64Array {
  if (model.type === 'logistic') return x;
  const d = model.hidden;
  const rows = x.length / k;
  const m = gradientWidth(model, k, false);
  const h = hidden(x, k, w, d);
  const g = new Float64Array(rows * m);
  for (let i = 0; i < rows; i++) {
    const base = i * m;
    for (let j = 0; j < d; j++) {
      const hij = h[i * d + j]!;
      g[base + j] = hij;
      const slope = 1 - hij * hij;
      const block = base + d + j * (k + 1);
      for (let c = 0; c < k; c++) g[block + c] = slope * x[i * k + c]!;
      g[block + k] = slope;
    }
    const skip = base + d + (k + 1) * d;
    for (let c = 0; c < k; c++) g[skip + c] = x[i * k + c]!;
  }
  return g;
}

/**
 * One step: `gr` = Gᵀ·r summed over a batch of `batch` rows; w ← w − lr·(∂/B + l2·w), with no
 * penalty on the label holder's intercept (its column 0) or the hidden biases.
 */
export function applyGradient(model: PartModel, w: Float64Array, gr: Float64Array, k: number, labelHolder: boolean, batch: number, lr: number, l2: number): void {
  if (model.type === 'logistic') {
    for (let j = 0; j < k; j++) w[j] = w[j]! - lr * (gr[j]! / batch + (labelHolder && j === 0 ? 0 : l2 * w[j]!));
    return;
  }
  const d = model.hidden;
  const v0 = (k + 1) * d;
  const dW = new Float64Array(v0);
  for (let j = 0; j < d; j++) {
    const vj = w[v0 + j]!;
    for (let c = 0; c <= k; c++) dW[c * d + j] = vj * gr[d + j * (k + 1) + c]!;
  }
  for (let i = 0; i < v0; i++) w[i] = w[i]! - lr * (dW[i]! / batch + (i >= k * d ? 0 : l2 * w[i]!));
  for (let j = 0; j < d; j++) w[v0 + j] = w[v0 + j]! - lr * (gr[j]! / batch + l2 * w[v0 + j]!);
  const l0 = v0 + d;
  const g0 = d + (k + 1) * d;
  for (let c = 0; c < k; c++) w[l0 + c] = w[l0 + c]! - lr * (gr[g0 + c]! / batch + (labelHolder && c === 0 ? 0 : l2 * w[l0 + c]!));
}

/** Gᵀ·r in floating point (the label holder's own-columns baseline). */
export function gradientTimes(g: Float64Array, r: Float64Array, width: number): Float64Array {
  const out = new Float64Array(width);
  for (let i = 0; i < r.length; i++) for (let j = 0; j < width; j++) out[j] = out[j]! + g[i * width + j]! * r[i]!;
  return out;
}
