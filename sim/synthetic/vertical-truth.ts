/**
 * The ground-truth credit-risk model of the synthetic VERTICAL consortium: one population of
 * borrowers that a bank, an e-commerce platform and a customs authority each know a different
 * part of.
 *
 * Every borrower has latent attributes, each mostly visible through ONE party's columns:
 *
 *   history    h ~ N(0, 1)        repayment history          → bank (bureau score, past dues)
 *   leverage   l ~ N(μ, 1)        indebtedness, μ = 0.2 for merchants, else 0 → bank (DTI, loan amount)
 *   stability  s ~ N(0, 1)        spending/payment stability → platform (BNPL lateness, returns, …)
 *   trade      t ~ N(0, 1)        health of a merchant's cross-border trade → customs (merchants only)
 *   merchant   m ∈ {0, 1}         P(m = 1) = 0.28; the bank sees it only through its product mix
 *   tenure     months on the bank's book, uniform on 1..180 (observed exactly by the bank)
 *
 * P(default) = σ(logit) with
 *
 *   logit = α − 0.75·h + 0.55·l − 0.003·min(tenure, 120)              (bank's share)
 *             − 1.10·s                                                (platform's share)
 *             + m·(0.30 − 1.40·t)                                     (customs' share)
 *             + 0.35·max(0, l)·max(0, −s)                              (interaction: leverage hurts
 *                                                                      more when spending is unstable)
 *             + 0.30·m·max(0, l)·max(0, −t)                            (interaction: indebted merchants
 *                                                                      with weak trade)
 *
 * and α = {@link VERTICAL_INTERCEPT}, calibrated once by Monte Carlo (1,000,000 borrowers) to an
 * expected default rate of about 14 %. Stability matters whether or not the platform knows the
 * borrower: for the ~15 % the platform does not cover, that part of the risk stays unobserved by
 * everyone. The columns are noisy views of the latent attributes (vertical.ts), so no model on the
 * columns reaches the discrimination of this function; a model on the bank's columns alone misses
 * the platform's and customs' shares entirely.
 */

/** The latent description of one borrower, from which its columns at every party and its label derive. */
export interface VerticalBorrower {
  /** Repayment history (higher = better). */
  history: number;
  /** Indebtedness (higher = more indebted). */
  leverage: number;
  /** Spending and payment stability seen by the platform (higher = steadier). */
  stability: number;
  /** Health of a merchant's trade seen by customs (drawn for everyone, used for merchants only). */
  trade: number;
  /** Whether the borrower runs a trading business (customs knows exactly these borrowers). */
  merchant: boolean;
  /** Months on the bank's book, 1..180. */
  tenureMonths: number;
}

/** Coefficients of the ground-truth logit (stated in the header comment). */
export const VERTICAL_TRUTH = {
  history: -0.75,
  leverage: 0.55,
  tenure: -0.003,
  stability: -1.1,
  merchant: 0.3,
  merchantTrade: -1.4,
  leverageTimesUnstable: 0.35,
  merchantLeverageTimesWeakTrade: 0.3,
} as const;

/** Intercept α of the logit, calibrated to an expected default rate of about {@link TARGET_VERTICAL_DEFAULT_RATE}. */
export const VERTICAL_INTERCEPT = -2.58;

/** The default rate the intercept was calibrated to. */
export const TARGET_VERTICAL_DEFAULT_RATE = 0.14;

/** Share of borrowers who are merchants. */
export const MERCHANT_SHARE = 0.28;

/** Mean of the leverage of merchants (non-merchants: 0). */
export const MERCHANT_LEVERAGE_MEAN = 0.2;

/** The three parts of the logit that each party's columns reveal, and the interactions across them. */
export interface LogitParts {
  bank: number;
  platform: number;
  customs: number;
  interaction: number;
}

/** The logit split by party (without the intercept), for checking that each party carries signal. */
export function verticalLogitParts(b: VerticalBorrower): LogitParts {
  const g = VERTICAL_TRUTH;
  const m = b.merchant ? 1 : 0;
  return {
    bank: g.history * b.history + g.leverage * b.leverage + g.tenure * Math.min(b.tenureMonths, 120),
    platform: g.stability * b.stability,
    customs: m * (g.merchant + g.merchantTrade * b.trade),
    interaction:
      g.leverageTimesUnstable * Math.max(0, b.leverage) * Math.max(0, -b.stability) +
      g.merchantLeverageTimesWeakTrade * m * Math.max(0, b.leverage) * Math.max(0, -b.trade),
  };
}

/** The ground-truth log-odds of default: α plus every part. P(default) = σ(logit). */
export function verticalLogit(b: VerticalBorrower): number {
  const p = verticalLogitParts(b);
  return VERTICAL_INTERCEPT + p.bank + p.platform + p.customs + p.interaction;
}

/** The logistic function σ(z) = 1 / (1 + e^(−z)), stable for large |z|. */
export function logistic(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}
