/**
 * Vertical logistic regression on secret shares, both computing parties and the dealer in this
 * process (a simulation of the design in docs/vertical.md, not yet a networked job). Every input
 * party splits its columns into two additive shares, one for each computing party (the label
 * holder and one feature party); the label holder shares the labels. Each mini-batch step, on
 * shares only:
 *
 *   z = X·w (Beaver matrix triple), r = 0.5 + z/4 − y (the first-order Taylor expansion of the
 *   logistic loss around 0, as FATE's hetero-LR uses), g = Xᵀ·r (Beaver), w ← w − (lr/B)·g,
 *
 * with B a power of two so that the division is a truncation. Only the final weights are opened.
 */
import { matVecShared } from '../../core/vertical/beaver-matrix.ts';
import { decodeFixed, encodeFixed, openShares, scaleShare, share, truncateShare } from '../../core/vertical/ring.ts';
import type { Rng } from '../../core/types.ts';

/** Options of {@link trainSharedLogistic}. */
export interface SharedLogisticOptions {
  /** Passes over the training rows. */
  epochs: number;
  /** log2 of the mini-batch size B. */
  batchBits: number;
  learningRate: number;
  /** The dealer's and the parties' randomness. */
  rng: Rng;
}

/**
 * Trains on `blocks` (each input party's columns, rows aligned; the first block should carry a
 * constant 1 column for the intercept) and 0/1 labels `y`, for the rows `train`. Returns the
 * opened weights, one per column in block order.
 */
export function trainSharedLogistic(blocks: readonly (readonly Float64Array[])[], y: ArrayLike<number>, train: readonly number[], o: SharedLogisticOptions): Float64Array {
  const columns = blocks.flat();
  const k = columns.length;
  const batch = 2 ** o.batchBits;
  // Each input party shares its own columns over the training rows (row-major X, shares X0 + X1).
  const n = train.length;
  const plain = new Float64Array(n * k);
  train.forEach((row, i) => columns.forEach((c, j) => (plain[i * k + j] = c[row]!)));
  const [x0, x1] = share(encodeFixed(plain), o.rng);
  const [y0, y1] = share(encodeFixed(train.map((row) => y[row]!)), o.rng);
  let w: [BigUint64Array, BigUint64Array] = [new BigUint64Array(k), new BigUint64Array(k)];
  const half = encodeFixed([0.5])[0]!;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let start = 0; start + batch <= n; start += batch) {
      const xb: [BigUint64Array, BigUint64Array] = [x0.subarray(start * k, (start + batch) * k), x1.subarray(start * k, (start + batch) * k)];
      const z = matVecShared(xb, w, batch, k, o.rng);
      const r = ([0, 1] as const).map((p) => {
        const q = scaleShare(z[p], 0.25, p);
        const yb = (p === 0 ? y0 : y1).subarray(start, start + batch);
        for (let i = 0; i < batch; i++) q[i] = q[i]! - yb[i]! + (p === 0 ? half : 0n);
        return q;
      }) as [BigUint64Array, BigUint64Array];
      const xt = xb.map((m) => transpose(m, batch, k)) as [BigUint64Array, BigUint64Array];
      const g = matVecShared(xt, r, k, batch, o.rng);
      w = ([0, 1] as const).map((p) => {
        const step = truncateShare(scaleShare(g[p], o.learningRate, p), p, o.batchBits);
        const next = new BigUint64Array(k);
        for (let j = 0; j < k; j++) next[j] = w[p][j]! - step[j]!;
        return next;
      }) as [BigUint64Array, BigUint64Array];
    }
  }
  return decodeFixed(openShares(w[0], w[1]));
}

function transpose(m: BigUint64Array, rows: number, cols: number): BigUint64Array {
  const out = new BigUint64Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c]!;
  return out;
}
