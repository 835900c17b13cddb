/**
 * The columns each party of the synthetic vertical consortium records about a borrower: noisy
 * views of the latent attributes of vertical-truth.ts, one function per party. Each function
 * draws the same number of values from its stream for every borrower it is called on (apart from
 * the Poisson counts, whose draws depend only on the borrower), so a party's cells are a pure
 * function of the seed and the borrowers it is shown.
 */
import { standardNormal, uniform01 } from '../../core/random.ts';
import type { Rng } from '../../core/types.ts';
import { poisson } from './generate.ts';
import { MERCHANT_LEVERAGE_MEAN, MERCHANT_SHARE, type VerticalBorrower } from './vertical-truth.ts';

/** The bank's columns after its ID column, in file order (the label `default` last). */
export const BANK_COLUMNS = ['bureau_score', 'past_due_30d_2y', 'debt_to_income', 'loan_amount', 'months_on_book', 'product', 'default'] as const;
/** The platform's columns after its ID column, in file order. */
export const PLATFORM_COLUMNS = ['orders_12m', 'avg_basket', 'return_rate', 'bnpl_share', 'late_bnpl_12m', 'account_age_months'] as const;
/** Customs' columns after its ID column, in file order. */
export const CUSTOMS_COLUMNS = ['declarations_12m', 'declared_value_k', 'inspection_hits_2y', 'clearance_days'] as const;

/** The levels of the bank's categorical `product` column. */
export const PRODUCTS = ['personal', 'card', 'business'] as const;
/** A bank product. */
export type Product = (typeof PRODUCTS)[number];

/** Share of empty `bureau_score` cells (no bureau file) at the bank. */
export const BUREAU_MISSING = 0.03;
/** Share of empty `avg_basket` cells (no completed order) at the platform. */
export const BASKET_MISSING = 0.04;

/** Draws one borrower's latent attributes; `merchant` forces the merchant flag (customs-only entries). */
export function drawVerticalBorrower(rng: Rng, merchant?: boolean): VerticalBorrower {
  const isMerchant = merchant ?? uniform01(rng) < MERCHANT_SHARE;
  return {
    merchant: isMerchant,
    history: standardNormal(rng),
    leverage: (isMerchant ? MERCHANT_LEVERAGE_MEAN : 0) + standardNormal(rng),
    stability: standardNormal(rng),
    trade: standardNormal(rng),
    tenureMonths: 1 + Math.floor(uniform01(rng) * 180),
  };
}

/**
 * The bank's cells (without ID and label): bureau score and 30-day past dues follow repayment
 * history, debt-to-income and loan amount follow leverage (merchants borrow more), months on
 * book is exact, and the product mix differs between merchants and other borrowers.
 */
export function bankCells(b: VerticalBorrower, rng: Rng): string[] {
  const e = (): number => standardNormal(rng);
  const score = clamp(Math.round(650 + 55 * (b.history + 0.6 * e())), 300, 850);
  const scoreMissing = uniform01(rng) < BUREAU_MISSING;
  const pastDue = poisson(Math.exp(-1.1 - 0.7 * b.history + 0.2 * b.leverage), rng);
  const dti = clamp(0.32 + 0.12 * (b.leverage + 0.5 * e()), 0, 1.5);
  const loan = Math.max(500, 100 * Math.round((80 * Math.exp(0.35 * (b.leverage + 0.7 * e())) * (b.merchant ? 2.5 : 1))));
  const u = uniform01(rng);
  const product: Product = b.merchant ? (u < 0.7 ? 'business' : u < 0.85 ? 'card' : 'personal') : u < 0.55 ? 'personal' : u < 0.95 ? 'card' : 'business';
  return [scoreMissing ? '' : String(score), String(pastDue), dti.toFixed(3), String(loan), String(b.tenureMonths), product];
}

/**
 * The platform's cells: late buy-now-pay-later instalments, returns and the BNPL share follow
 * spending stability (the BNPL share also leverage); order counts and basket size are weak.
 */
export function platformCells(b: VerticalBorrower, rng: Rng): string[] {
  const e = (): number => standardNormal(rng);
  const orders = Math.max(0, Math.round(18 + 7 * (0.3 * b.stability + e())));
  const basket = Math.round(60 * Math.exp(0.3 * e() + 0.1 * b.leverage));
  const basketMissing = uniform01(rng) < BASKET_MISSING;
  const returns = clamp(0.12 - 0.05 * (b.stability + 0.6 * e()), 0, 1);
  const bnpl = clamp(0.25 + 0.12 * (0.5 * b.leverage - 0.6 * b.stability + 0.6 * e()), 0, 1);
  const late = poisson(Math.exp(-1.0 - 0.8 * b.stability), rng);
  const age = 1 + Math.floor(uniform01(rng) * 96);
  return [String(orders), basketMissing ? '' : String(basket), returns.toFixed(3), bnpl.toFixed(3), String(late), String(age)];
}

/**
 * Customs' cells: inspection hits and clearance delays follow trade health; the number and value
 * of declarations follow it weakly.
 */
export function customsCells(b: VerticalBorrower, rng: Rng): string[] {
  const e = (): number => standardNormal(rng);
  const declarations = Math.max(1, Math.round(30 * Math.exp(0.4 * (0.3 * b.trade + e()))));
  const value = Math.max(1, Math.round(declarations * 12 * Math.exp(0.3 * b.trade + 0.4 * e())));
  const hits = poisson(Math.exp(-0.2 - 0.8 * b.trade), rng);
  const clearance = Math.max(0.5, 3 - 0.9 * (b.trade + 0.6 * e()));
  return [String(declarations), String(value), String(hits), clearance.toFixed(1)];
}

/** The number a borrower is filed under, as each party writes it. */
export const ID_FORMATS = {
  /** The bank: `C-000123`. */
  bank: (n: number): string => `C-${pad(n)}`,
  /** The platform: `c000123`, with surrounding spaces on some rows (`spaced`). */
  platform: (n: number, spaced: boolean): string => (spaced ? `  c${pad(n)} ` : `c${pad(n)}`),
  /** Customs: `C/000123`. */
  customs: (n: number): string => `C/${pad(n)}`,
} as const;

/** Share of platform IDs written with surrounding spaces. */
export const PLATFORM_SPACED_SHARE = 0.1;

function pad(n: number): string {
  return String(n).padStart(6, '0');
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
