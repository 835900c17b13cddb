/**
 * Who the synthetic parties' borrowers are: size, age and tenure distributions, shifts of the
 * latent attributes, segment and region mix, and which columns each party collects. Differences
 * between these profiles are what make the consortium non-IID (README.md, "Why non-IID").
 */
import type { PartyName, Region, Segment } from './ground-truth.ts';

/** The shared CSV header: the same columns, in the same order, at every party. */
export const SHARED_COLUMNS = [
  'age',
  'income',
  'debt_ratio',
  'delinquencies_2y',
  'inquiries_6m',
  'tenure_months',
  'orders_12m',
  'return_rate',
  'instalment_share',
  'trade_volume',
  'inspections_2y',
  'region',
  'segment',
  'default',
] as const;
/** A column of the shared header. */
export type Column = (typeof SHARED_COLUMNS)[number];

/** Kind of institution a party is. */
export type PartyRole = 'platform' | 'bank' | 'customs';

/** The population and data-collection profile of one synthetic party. */
export interface PartyProfile {
  name: PartyName;
  role: PartyRole;
  /** Number of borrowers at scale 1. */
  size: number;
  /** Age ~ round(N(mean, sd)), clamped to [18, 80]. */
  age: { mean: number; sd: number };
  /** Tenure in months ~ uniform on 1..max, capped by the months since the borrower turned 18. */
  maxTenureMonths: number;
  /** Means of the latent attributes (each has unit standard deviation). */
  latentMean: { capacity: number; discipline: number; leverage: number };
  /** Segment mix (relative weights). */
  segments: Record<Segment, number>;
  /** Region mix (relative weights). */
  regions: Record<Region, number>;
  /** Feature columns this party records; every other feature column is left empty. */
  collects: readonly Column[];
  /** Item non-response: probability that a collected column is nevertheless empty in a row. */
  nonResponse: Partial<Record<Column, number>>;
}

const BANK_COLUMNS: readonly Column[] = [
  'age',
  'income',
  'debt_ratio',
  'delinquencies_2y',
  'inquiries_6m',
  'tenure_months',
  'region',
  'segment',
];

/** The four party profiles, in generation order. */
export const PARTY_PROFILES: readonly PartyProfile[] = [
  {
    name: 'platform',
    role: 'platform',
    size: 3000,
    age: { mean: 33, sd: 9 },
    maxTenureMonths: 96,
    latentMean: { capacity: -0.1, discipline: 0, leverage: 0.1 },
    segments: { consumer: 0.85, sme: 0.15, trader: 0 },
    regions: { north: 0.2, south: 0.2, east: 0.45, west: 0.15 },
    collects: ['age', 'tenure_months', 'orders_12m', 'return_rate', 'instalment_share', 'region', 'segment'],
    nonResponse: { age: 0.05 },
  },
  {
    name: 'bank-a',
    role: 'bank',
    size: 2500,
    age: { mean: 46, sd: 11 },
    maxTenureMonths: 240,
    latentMean: { capacity: 0.4, discipline: 0.3, leverage: -0.1 },
    segments: { consumer: 0.7, sme: 0.25, trader: 0.05 },
    regions: { north: 0.45, south: 0.15, east: 0.2, west: 0.2 },
    collects: BANK_COLUMNS,
    nonResponse: { income: 0.03 },
  },
  {
    name: 'bank-b',
    role: 'bank',
    size: 1500,
    age: { mean: 31, sd: 8 },
    maxTenureMonths: 60,
    latentMean: { capacity: -0.4, discipline: -0.3, leverage: 0.4 },
    segments: { consumer: 0.85, sme: 0.1, trader: 0.05 },
    regions: { north: 0.15, south: 0.45, east: 0.2, west: 0.2 },
    collects: BANK_COLUMNS,
    nonResponse: { income: 0.08, debt_ratio: 0.04 },
  },
  {
    name: 'customs',
    role: 'customs',
    size: 800,
    age: { mean: 44, sd: 10 },
    maxTenureMonths: 180,
    latentMean: { capacity: 0.2, discipline: -0.2, leverage: 0.2 },
    segments: { consumer: 0, sme: 0.2, trader: 0.8 },
    regions: { north: 0.1, south: 0.3, east: 0.2, west: 0.4 },
    collects: ['age', 'tenure_months', 'trade_volume', 'inspections_2y', 'region', 'segment'],
    nonResponse: { trade_volume: 0.02 },
  },
];

/** The profile of a party by name. */
export function profileOf(name: PartyName): PartyProfile {
  const p = PARTY_PROFILES.find((q) => q.name === name);
  if (!p) throw new Error(`unknown synthetic party "${name}"`);
  return p;
}
