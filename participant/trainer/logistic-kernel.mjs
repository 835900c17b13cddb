// The inner loop of logistic regression on the host, in plain JavaScript so that a worker thread
// can load it without a TypeScript loader (types: logistic-kernel.d.mts). Used by the one-thread
// loop (logistic-host.ts) and by both threads of the two-thread one (logistic-threads.ts).

/**
 * Adds to `g` (length d + 1: kernel, then bias) the gradient of the class-weighted mean BCE of the
 * rows `rows[from..to)` of a batch of `b` rows, at the weights `theta`, and returns the sum of
 * their unweighted BCE when `withLoss` (else 0). Per row: z = x·k + c, ∂/∂z = w·(σ(z) − y)/b.
 */
export function addBatchGradient(x, y, d, theta, rows, from, to, b, positive, negative, g, withLoss) {
  const bias = theta[d];
  let loss = 0;
  for (let r = from; r < to; r++) {
    const i = rows[r];
    const at = i * d;
    let z = bias;
    for (let j = 0; j < d; j++) z += x[at + j] * theta[j];
    const label = y[i];
    if (withLoss) loss += Math.max(z, 0) - z * label + Math.log1p(Math.exp(-Math.abs(z)));
    const p = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    const dz = ((label === 1 ? positive : negative) * (p - label)) / b;
    for (let j = 0; j < d; j++) g[j] += dz * x[at + j];
    g[d] += dz;
  }
  return loss;
}
