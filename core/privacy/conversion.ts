/**
 * Conversion of an RDP curve to (ε, δ)-DP with the improved bound of Balle, Barthe, Gaboardi,
 * Hsu & Sato 2020 ("Hypothesis Testing Interpretations and Rényi Differential Privacy", Thm. 21)
 * and Canonne, Kamath & Steinke 2020 ("The Discrete Gaussian for Differential Privacy", Prop. 12):
 * a mechanism that is (α, ρ)-RDP is (ε, δ)-DP for
 *   ε = ρ + log((α−1)/α) − (log δ + log α)/(α−1),
 * equivalently, for a given ε ≥ 0,
 *   δ = exp((α−1)(ρ − ε + log(1 − 1/α))) / α.
 * Both are minimised over the orders of the curve. This is never worse than Mironov's classic
 * ε = ρ + log(1/δ)/(α−1) (both correction terms are negative).
 *
 * If ρ(α) = 0 at some order, the two output distributions are identical (a Rényi divergence of
 * order > 1 vanishes only then), so the mechanism is (0, 0)-DP and that is reported.
 */
import { CoreInputError } from '../types.ts';
import type { RdpCurve } from './curve.ts';
import { checkOrders } from './curve.ts';

/** An ε guarantee at a fixed δ, with the Rényi order that attains it. */
export interface EpsilonResult {
  epsilon: number;
  /** The minimising order (the first order of the curve when every ρ is ∞). */
  order: number;
}

/** A δ guarantee at a fixed ε, with the Rényi order that attains it. */
export interface DeltaResult {
  delta: number;
  /** The minimising order (the first order of the curve when every ρ is ∞). */
  order: number;
}

/**
 * Smallest ε over the curve's orders such that the mechanism is (ε, δ)-DP (formula in the module
 * header), clamped at ≥ 0. Throws {@link CoreInputError}: `delta` unless in (0, 1), `curve` on a
 * malformed curve.
 */
export function epsilonFromRdp(curve: RdpCurve, delta: number): EpsilonResult {
  checkCurve(curve);
  if (!(delta > 0 && delta < 1)) throw new CoreInputError(`delta must be in (0, 1), got ${delta}`, 'delta');
  const logDelta = Math.log(delta);
  // checkCurve: orders is non-empty and rdp has the same length.
  let best: EpsilonResult = { epsilon: Infinity, order: curve.orders[0]! };
  for (let i = 0; i < curve.orders.length; i++) {
    const a = curve.orders[i]!;
    const rho = curve.rdp[i]!;
    if (rho === 0) return { epsilon: 0, order: a };
    const eps = rho + Math.log1p(-1 / a) - (logDelta + Math.log(a)) / (a - 1);
    if (eps < best.epsilon) best = { epsilon: eps, order: a };
  }
  return { epsilon: Math.max(0, best.epsilon), order: best.order };
}

/**
 * Smallest δ over the curve's orders such that the mechanism is (ε, δ)-DP (formula in the module
 * header), capped at 1. Throws {@link CoreInputError}: `epsilon` unless finite and ≥ 0, `curve`
 * on a malformed curve.
 */
export function deltaFromRdp(curve: RdpCurve, epsilon: number): DeltaResult {
  checkCurve(curve);
  if (!(epsilon >= 0 && epsilon < Infinity)) {
    throw new CoreInputError(`epsilon must be finite and ≥ 0, got ${epsilon}`, 'epsilon');
  }
  let bestLog = Infinity;
  // checkCurve: orders is non-empty and rdp has the same length.
  let order = curve.orders[0]!;
  for (let i = 0; i < curve.orders.length; i++) {
    const a = curve.orders[i]!;
    const rho = curve.rdp[i]!;
    if (rho === 0) return { delta: 0, order: a };
    const logDelta = (a - 1) * (rho - epsilon + Math.log1p(-1 / a)) - Math.log(a);
    if (logDelta < bestLog) {
      bestLog = logDelta;
      order = a;
    }
  }
  return { delta: Math.min(1, Math.exp(bestLog)), order };
}

function checkCurve(curve: RdpCurve): void {
  try {
    checkOrders(curve.orders);
  } catch (e) {
    throw new CoreInputError(`curve: ${(e as Error).message}`, 'curve', { cause: e });
  }
  if (curve.rdp.length !== curve.orders.length) {
    throw new CoreInputError(`curve has ${curve.orders.length} orders but ${curve.rdp.length} values`, 'curve');
  }
  curve.rdp.forEach((r, i) => {
    if (!(r >= 0)) throw new CoreInputError(`curve.rdp[${i}] must be ≥ 0 (∞ allowed), got ${r}`, 'curve');
  });
}
