/**
 * Seeded generator of the synthetic credit consortium: an e-commerce platform, two banks and a
 * customs authority, each holding different borrowers over one shared column set.
 *
 * The generator is a pure function of its options: all randomness comes from
 * `seededRng(deriveSeed(seed, "synthetic:<party>"))` (core/random.ts), one stream per party, so
 * a party's rows do not change when another party's size changes. Writing files lives in
 * write.ts. The risk model is in ground-truth.ts, the populations in population.ts.
 */
import { deriveSeed, seededRng, standardNormal, uniform01 } from '../../core/random.ts';
import type { Rng } from '../../core/types.ts';
import { groundTruthLogit, sigmoid, type Borrower, type PartyName } from './ground-truth.ts';
import { PARTY_PROFILES, SHARED_COLUMNS, type Column, type PartyProfile, type PartyRole } from './population.ts';

export { groundTruthLogit, PARTY_NAMES, TARGET_DEFAULT_RATES, type Borrower, type PartyName } from './ground-truth.ts';
export { PARTY_PROFILES, SHARED_COLUMNS, type Column, type PartyProfile, type PartyRole } from './population.ts';

/** Options of {@link generateConsortium}. */
export interface ConsortiumOptions {
  /** Seed of every random draw; the same seed gives the same rows. */
  seed: number;
  /** Multiplies every party's size (default 1); each party keeps at least one row. */
  scale?: number;
}

/** One party's generated data. */
export interface GeneratedParty {
  name: PartyName;
  role: PartyRole;
  /** The shared header ({@link SHARED_COLUMNS}); identical for every party. */
  header: string[];
  /** CSV cells, one array per borrower, aligned with `header`; "" is a missing value. */
  rows: string[][];
  /** Realized share of rows whose label is "yes". */
  defaultRate: number;
  /** The latent borrower behind each row (same order as `rows`), for checking against the ground truth. */
  borrowers: Borrower[];
}

/** The generated consortium. */
export interface Consortium {
  parties: GeneratedParty[];
}

/**
 * Generates the four parties' borrowers. Each borrower's latent attributes are drawn from its
 * party's population, its label from Bernoulli(σ(groundTruthLogit)), and its columns as noisy
 * views of the latent attributes; columns the party does not collect are left empty.
 */
export function generateConsortium(opts: ConsortiumOptions): Consortium {
  const scale = opts.scale ?? 1;
  if (!Number.isInteger(opts.seed)) throw new RangeError(`seed must be an integer, got ${opts.seed}`);
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`scale must be a positive number, got ${scale}`);
  const parties = PARTY_PROFILES.map((profile) => {
    const rng = seededRng(deriveSeed(opts.seed, `synthetic:${profile.name}`));
    const n = Math.max(1, Math.round(profile.size * scale));
    const rows: string[][] = [];
    const borrowers: Borrower[] = [];
    let defaults = 0;
    for (let i = 0; i < n; i++) {
      const b = drawBorrower(profile, rng);
      const isDefault = uniform01(rng) < sigmoid(groundTruthLogit(b));
      const cells = observe(b, profile, rng);
      cells.default = isDefault ? 'yes' : 'no';
      if (isDefault) defaults++;
      rows.push(SHARED_COLUMNS.map((c) => cells[c]));
      borrowers.push(b);
    }
    return { name: profile.name, role: profile.role, header: [...SHARED_COLUMNS], rows, defaultRate: defaults / n, borrowers };
  });
  return { parties };
}

/** Draws the latent attributes of one borrower of a party. */
export function drawBorrower(p: PartyProfile, rng: Rng): Borrower {
  const age = clamp(Math.round(p.age.mean + p.age.sd * standardNormal(rng)), 18, 80);
  const maxTenure = Math.min(p.maxTenureMonths, (age - 18) * 12 + 1);
  const tenureMonths = 1 + Math.floor(uniform01(rng) * maxTenure);
  return {
    party: p.name,
    age,
    tenureMonths,
    capacity: p.latentMean.capacity + standardNormal(rng),
    discipline: p.latentMean.discipline + standardNormal(rng),
    leverage: p.latentMean.leverage + standardNormal(rng),
    segment: pick(p.segments, rng),
    region: pick(p.regions, rng),
  };
}

/**
 * The columns a party records for a borrower: noisy, roughly linear views of the latent
 * attributes (formulas in README.md). Every view is drawn for every borrower, whether or not
 * the party collects it, so that the random stream does not depend on the collection pattern.
 */
export function observe(b: Borrower, p: PartyProfile, rng: Rng): Record<Column, string> {
  const e = (): number => standardNormal(rng);
  const views: Record<Column, string> = {
    age: String(b.age),
    income: String(10 * Math.round(Math.max(300, 3200 * (1 + 0.3 * (b.capacity + 0.5 * e()))) / 10)),
    debt_ratio: fixed3(clamp(0.32 + 0.13 * (b.leverage + 0.5 * e()), 0, 1.2)),
    delinquencies_2y: String(poisson(Math.exp(-1.3 - 0.9 * b.discipline), rng)),
    inquiries_6m: String(poisson(Math.exp(0.1 + 0.4 * b.leverage - 0.3 * b.discipline), rng)),
    tenure_months: String(b.tenureMonths),
    orders_12m: String(Math.max(0, Math.round(14 + 6 * (b.capacity + 0.6 * e())))),
    return_rate: fixed3(clamp(0.1 - 0.045 * (b.discipline + 0.6 * e()), 0, 1)),
    instalment_share: fixed3(clamp(0.3 + 0.15 * (b.leverage + 0.6 * e()), 0, 1)),
    trade_volume: String(Math.max(5, Math.round(400 * (1 + 0.35 * (b.capacity + 0.5 * e()))))),
    inspections_2y: String(poisson(Math.exp(0.2 - 0.6 * b.discipline), rng)),
    region: b.region,
    segment: b.segment,
    default: '',
  };
  for (const c of SHARED_COLUMNS) {
    if (c === 'default') continue;
    const skipped = uniform01(rng) < (p.nonResponse[c] ?? 0);
    if (!p.collects.includes(c) || skipped) views[c] = '';
  }
  return views;
}

/** A Poisson(λ) draw by Knuth's multiplication method (fine for the small λ used here). */
export function poisson(lambda: number, rng: Rng): number {
  if (!(lambda >= 0) || lambda > 50) throw new RangeError(`poisson: lambda must be in [0, 50], got ${lambda}`);
  const limit = Math.exp(-lambda);
  let k = 0;
  let prod = uniform01(rng);
  while (prod > limit) {
    k++;
    prod *= uniform01(rng);
  }
  return k;
}

function pick<K extends string>(weights: Record<K, number>, rng: Rng): K {
  const keys = Object.keys(weights) as K[];
  const total = keys.reduce((s, k) => s + weights[k], 0);
  let u = uniform01(rng) * total;
  for (const k of keys) {
    u -= weights[k];
    if (u < 0) return k;
  }
  return keys.filter((k) => weights[k] > 0).at(-1) as K;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

function fixed3(x: number): string {
  return x.toFixed(3);
}
