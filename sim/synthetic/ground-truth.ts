/**
 * The ground-truth credit-risk model of the synthetic consortium.
 *
 * Every synthetic borrower has a few latent attributes (financial capacity, payment discipline,
 * leverage) plus facts that are observed exactly (age, relationship tenure, segment, region).
 * Whether a borrower defaults is a Bernoulli draw with probability σ(groundTruthLogit(b)). The
 * risk function is the SAME at every party; only the intercept differs per party, which is what
 * gives the parties their different default rates. The observed CSV columns are noisy views of
 * the latent attributes (see generate.ts), so a model trained on the columns can approach but not
 * reach the discrimination of this function. examples/synthetic/README.md states the formula.
 */

/** The four synthetic parties, in the order the generator emits them. */
export const PARTY_NAMES = ['platform', 'bank-a', 'bank-b', 'customs'] as const;
/** Name of a synthetic party. */
export type PartyName = (typeof PARTY_NAMES)[number];

/** Borrower segments (a categorical column). */
export const SEGMENTS = ['consumer', 'sme', 'trader'] as const;
/** A borrower segment. */
export type Segment = (typeof SEGMENTS)[number];

/** Regions (a categorical column). */
export const REGIONS = ['north', 'south', 'east', 'west'] as const;
/** A region. */
export type Region = (typeof REGIONS)[number];

/** The latent description of one synthetic borrower, from which both its columns and its label derive. */
export interface Borrower {
  /** The party that holds this borrower (selects the intercept). */
  party: PartyName;
  /** Age in whole years (observed exactly). */
  age: number;
  /** Months of relationship with the holding party (observed exactly). */
  tenureMonths: number;
  /** Latent financial capacity (higher = more income/wealth); roughly N(μ_party, 1). */
  capacity: number;
  /** Latent payment discipline (higher = pays on time); roughly N(μ_party, 1). */
  discipline: number;
  /** Latent leverage (higher = more indebted); roughly N(μ_party, 1). */
  leverage: number;
  segment: Segment;
  region: Region;
}

/** Coefficients of the shared part of the ground-truth logit (documented in the README). */
export const GROUND_TRUTH = {
  discipline: -1.2,
  capacity: -0.75,
  leverage: 0.85,
  /** Over-indebted AND low-capacity borrowers are extra risky: coefficient of max(0, l)·max(0, −c). */
  leverageTimesLowCapacity: 0.35,
  /** Young borrowers are riskier: coefficient of max(0, 28 − age). */
  youngAge: 0.05,
  /** A longer relationship lowers risk: coefficient of min(tenureMonths, 120). */
  tenure: -0.004,
  segment: { consumer: 0, sme: 0.2, trader: 0.35 } as Record<Segment, number>,
  region: { north: -0.15, south: 0.2, east: 0, west: 0 } as Record<Region, number>,
} as const;

/**
 * Party intercepts α_party. They were calibrated once (Monte Carlo, 400,000 borrowers per party
 * drawn from the populations in generate.ts) so that the expected default rate of each party
 * matches {@link TARGET_DEFAULT_RATES}; they are constants so that the formula is fixed and
 * documented rather than re-fitted per sample.
 */
export const PARTY_INTERCEPTS: Record<PartyName, number> = {
  platform: -3.09,
  'bank-a': -2.45,
  'bank-b': -3.51,
  customs: -2.01,
};

/** The default rate each party's population is calibrated to (documented targets). */
export const TARGET_DEFAULT_RATES: Record<PartyName, number> = {
  platform: 0.12,
  'bank-a': 0.08,
  'bank-b': 0.18,
  customs: 0.25,
};

/** The part of the logit shared by all parties (everything except the party intercept). */
export function sharedLogit(b: Omit<Borrower, 'party'>): number {
  const g = GROUND_TRUTH;
  return (
    g.discipline * b.discipline +
    g.capacity * b.capacity +
    g.leverage * b.leverage +
    g.leverageTimesLowCapacity * Math.max(0, b.leverage) * Math.max(0, -b.capacity) +
    g.youngAge * Math.max(0, 28 - b.age) +
    g.tenure * Math.min(b.tenureMonths, 120) +
    g.segment[b.segment] +
    g.region[b.region]
  );
}

/**
 * The ground-truth log-odds of default of a borrower: α_party + the shared risk function.
 * P(default) = 1 / (1 + exp(−logit)).
 */
export function groundTruthLogit(b: Borrower): number {
  return PARTY_INTERCEPTS[b.party] + sharedLogit(b);
}

/** The logistic function σ(z) = 1 / (1 + e^(−z)), computed stably for large |z|. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}
