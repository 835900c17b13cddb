/**
 * A small, exact logistic regression for the vertical baselines: Newton's method (iteratively
 * reweighted least squares) with an L2 penalty on the weights (not on the intercept), solved by a
 * Cholesky factorization of the d × d Hessian. With a few dozen inputs and a few thousand rows it
 * converges in under ten iterations to the unique optimum, so the reference numbers do not depend
 * on a learning rate, an epoch count or a random initialization.
 *
 * Rows are dense `Float64Array`s of equal width; the intercept is added here, not by the caller.
 */

/** A fitted model: `bias + Σ weights[j]·x[j]` is the log-odds of the positive class. */
export interface LogisticModel {
  bias: number;
  weights: Float64Array;
  /** Newton iterations used. */
  iterations: number;
}

/** Options of {@link fitLogistic}. */
export interface LogisticOptions {
  /** L2 penalty λ on the weights (the objective is the summed log-loss + λ/2·‖w‖²); default 1. */
  l2?: number;
  /** Stop when no coefficient moves by more than this (default 1e-9). */
  tolerance?: number;
  /** At most this many Newton steps (default 50). */
  maxIterations?: number;
}

/** Fits a penalized logistic regression of `y` (0/1) on the rows `x`. */
export function fitLogistic(x: readonly Float64Array[], y: ArrayLike<number>, opts: LogisticOptions = {}): LogisticModel {
  const n = x.length;
  if (n === 0 || n !== y.length) throw new RangeError(`fitLogistic: ${n} rows and ${y.length} labels`);
  const d = x[0]!.length + 1; // the intercept is coefficient 0
  const l2 = opts.l2 ?? 1;
  const tol = opts.tolerance ?? 1e-9;
  const maxIter = opts.maxIterations ?? 50;
  const beta = new Float64Array(d);
  const row = new Float64Array(d);
  for (let iter = 1; iter <= maxIter; iter++) {
    const grad = new Float64Array(d);
    const hess = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      const xi = x[i]!;
      if (xi.length !== d - 1) throw new RangeError(`fitLogistic: row ${i} has ${xi.length} inputs, row 0 has ${d - 1}`);
      row[0] = 1;
      row.set(xi, 1);
      let z = 0;
      for (let j = 0; j < d; j++) z += beta[j]! * row[j]!;
      const p = sigmoid(z);
      const r = p - y[i]!;
      const w = Math.max(p * (1 - p), 1e-12);
      for (let j = 0; j < d; j++) {
        const rj = row[j]!;
        grad[j]! += r * rj;
        const wj = w * rj;
        for (let k = 0; k <= j; k++) hess[j * d + k]! += wj * row[k]!;
      }
    }
    for (let j = 1; j < d; j++) {
      grad[j]! += l2 * beta[j]!;
      hess[j * d + j]! += l2;
    }
    const step = choleskySolve(hess, grad, d);
    let moved = 0;
    for (let j = 0; j < d; j++) {
      beta[j]! -= step[j]!;
      moved = Math.max(moved, Math.abs(step[j]!));
    }
    if (moved < tol) return { bias: beta[0]!, weights: beta.slice(1), iterations: iter };
  }
  return { bias: beta[0]!, weights: beta.slice(1), iterations: maxIter };
}

/** The model's log-odds for each row (a monotone score, enough for AUC and KS). */
export function scoreLogistic(m: LogisticModel, x: readonly Float64Array[]): Float64Array {
  return Float64Array.from(x, (xi) => {
    let z = m.bias;
    for (let j = 0; j < m.weights.length; j++) z += m.weights[j]! * xi[j]!;
    return z;
  });
}

/**
 * Solves A·s = b for a symmetric positive-definite A of which only the lower triangle
 * (row-major, d × d) is filled. Throws when A is not positive definite.
 */
export function choleskySolve(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    for (let k = 0; k <= j; k++) {
      let s = a[j * d + k]!;
      for (let m = 0; m < k; m++) s -= l[j * d + m]! * l[k * d + m]!;
      if (j === k) {
        if (!(s > 0)) throw new RangeError(`choleskySolve: the matrix is not positive definite (pivot ${j})`);
        l[j * d + j] = Math.sqrt(s);
      } else {
        l[j * d + k] = s / l[k * d + k]!;
      }
    }
  }
  const z = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    let s = b[j]!;
    for (let m = 0; m < j; m++) s -= l[j * d + m]! * z[m]!;
    z[j] = s / l[j * d + j]!;
  }
  const out = new Float64Array(d);
  for (let j = d - 1; j >= 0; j--) {
    let s = z[j]!;
    for (let m = j + 1; m < d; m++) s -= l[m * d + j]! * out[m]!;
    out[j] = s / l[j * d + j]!;
  }
  return out;
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}
