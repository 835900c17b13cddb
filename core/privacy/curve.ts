/**
 * RDP curves: the Rényi-DP guarantee of a mechanism at a fixed grid of orders, composed by
 * adding curves order by order (Mironov, CSF 2017, "Rényi Differential Privacy", Proposition 1).
 * A curve is plain data, so a participant's ledger can store it and add every task's curve to it.
 */
import { CoreInputError } from '../types.ts';
import { checkOrder, sampledGaussianRdpStep } from './rdp.ts';

/** RDP ε(α) at each order α (same length, same index). Orders are > 1; values are ≥ 0 or ∞. */
export interface RdpCurve {
  readonly orders: readonly number[];
  readonly rdp: readonly number[];
}

/**
 * Default grid of Rényi orders. The optimal order of the (ε, δ) conversion is roughly
 * 1 + √(log(1/δ)/ρ) for a Gaussian-like curve ε(α) ≈ ρα, so small ε needs large orders and large
 * ε needs orders near 1. The grid is dense where the optimum usually lies and coarse elsewhere:
 *  - fractional orders 1.1, 1.25, 1.5, 1.75, 2.25, 2.5, 2.75, 3.5, 4.5 (ε in the tens down to ~3);
 *  - every integer 2 … 64 (typical deep-learning budgets ε ≈ 0.3 … 10 with δ ≈ 1e−5);
 *  - 80, 96, 128, 160, 192, 256, 384, 512, 768, 1024 (small ε, many steps with tiny q).
 * For a vanishing (but non-zero) RDP the conversion still reports ε ≈ 0.0035 at δ = 1e−5, set by
 * the largest order; smaller targets cannot be certified with this grid.
 */
export const DEFAULT_RDP_ORDERS: readonly number[] = Object.freeze([
  1.1, 1.25, 1.5, 1.75, 2.25, 2.5, 2.75, 3.5, 4.5,
  ...Array.from({ length: 63 }, (_, i) => i + 2),
  80, 96, 128, 160, 192, 256, 384, 512, 768, 1024,
].sort((a, b) => a - b));

/** Parameters of a run of the Poisson-subsampled Gaussian mechanism. */
export interface SampledGaussianParams {
  /** Poisson sampling rate q ∈ [0, 1] (1 = every record in every step). */
  q: number;
  /** Noise multiplier z = noise standard deviation / L2 sensitivity, in [0, ∞]. */
  noiseMultiplier: number;
  /** Number of steps (non-negative integer), composed by adding RDP. */
  steps: number;
}

/**
 * RDP curve of `steps` steps of the Poisson-subsampled Gaussian mechanism (see ./rdp):
 * steps · ε_step(α) at each order. Throws {@link CoreInputError} naming `q`, `noiseMultiplier`,
 * `steps` or `orders`.
 */
export function sampledGaussianRdp(
  params: SampledGaussianParams,
  orders: readonly number[] = DEFAULT_RDP_ORDERS,
): RdpCurve {
  const { q, noiseMultiplier, steps } = params;
  if (!Number.isSafeInteger(steps) || steps < 0) {
    throw new CoreInputError(`steps must be a non-negative integer, got ${steps}`, 'steps');
  }
  checkOrders(orders);
  const rdp = orders.map((a) => {
    const r = sampledGaussianRdpStep(q, noiseMultiplier, a);
    return steps === 0 ? 0 : r * steps;
  });
  return { orders: [...orders], rdp };
}

/**
 * Composition: the order-wise sum of curves over the same orders (in the same sequence).
 * Composing nothing gives the zero curve over `orders`. Throws {@link CoreInputError} `curves`
 * when the orders differ.
 */
export function composeRdp(curves: readonly RdpCurve[], orders: readonly number[] = DEFAULT_RDP_ORDERS): RdpCurve {
  const grid = curves[0]?.orders ?? orders;
  checkOrders(grid);
  const rdp = grid.map(() => 0);
  curves.forEach((c, i) => {
    if (c.orders.length !== grid.length || c.orders.some((a, j) => a !== grid[j]) || c.rdp.length !== grid.length) {
      throw new CoreInputError(`curves[${i}] is over different orders than curves[0]`, 'curves');
    }
    c.rdp.forEach((r, j) => {
      if (!(r >= 0)) throw new CoreInputError(`curves[${i}].rdp[${j}] must be ≥ 0, got ${r}`, 'curves');
      rdp[j]! += r; // c.rdp.length === grid.length === rdp.length
    });
  });
  return { orders: [...grid], rdp };
}

/** `times` runs of the mechanism of `curve`: its RDP multiplied by `times` at every order. */
export function repeatRdp(curve: RdpCurve, times: number): RdpCurve {
  return { orders: [...curve.orders], rdp: curve.rdp.map((r) => r * times) };
}

/**
 * Parallel composition of two mechanisms over disjoint parts of the rows (a row is in one part
 * only): the order-wise larger of the two curves. Throws {@link CoreInputError} `curves` when the
 * orders differ.
 */
export function parallelRdp(a: RdpCurve, b: RdpCurve): RdpCurve {
  if (a.orders.length !== b.orders.length || a.orders.some((o, i) => o !== b.orders[i]) || a.rdp.length !== b.rdp.length) {
    throw new CoreInputError('parallel curves are over different orders', 'curves');
  }
  return { orders: [...a.orders], rdp: a.rdp.map((r, i) => Math.max(r, b.rdp[i]!)) }; // same lengths, checked above
}

/** Throws {@link CoreInputError} `orders` unless a non-empty list of valid orders (see ./rdp). */
export function checkOrders(orders: readonly number[]): void {
  if (!Array.isArray(orders) || orders.length === 0) {
    throw new CoreInputError('orders must be a non-empty list', 'orders');
  }
  orders.forEach((a, i) => {
    try {
      checkOrder(a);
    } catch (e) {
      throw new CoreInputError(`orders[${i}]: ${(e as Error).message}`, 'orders', { cause: e });
    }
  });
}
