/**
 * Adds to `g` the gradient of the class-weighted mean BCE of rows `rows[from..to)` of a batch of
 * `b` rows at `theta`; returns their summed unweighted BCE when `withLoss`, else 0.
 */
export declare function addBatchGradient(
  x: Float32Array,
  y: Uint8Array,
  d: number,
  theta: Float64Array,
  rows: Uint32Array,
  from: number,
  to: number,
  b: number,
  positive: number,
  negative: number,
  g: Float64Array,
  withLoss: boolean,
): number;
