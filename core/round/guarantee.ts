/**
 * The privacy guarantee in force for a job, in plain words, for the CLI, the job metadata and
 * the model metadata (docs/threat-model.md).
 */
import type { JobSpec } from '../job.ts';
import { personalizationOf } from '../job.ts';
import { MODULUS_BITS } from './secure-plan.ts';
import type { SecureSumInfo } from './sum-protocol.ts';

/** Public secure-aggregation facts of a job, summarized over its rounds. */
export interface SecureAggregationFacts {
  /** Participants asked per round (n), threshold t and neighbours k of the latest round. */
  participants: number;
  threshold: number;
  neighbours: number;
  modulusBits: number;
  /** Update deltas are clipped to ±clip; a participant's FedAvg weight is capped at maxWeight. */
  clip: number;
  maxWeight: number;
  /** Update coordinates clipped over the whole job (sum over rounds and survivors). */
  clipped: number;
  /** Every round ran with signed key adverts and the consistency check (a coordinator with a roster). */
  authenticated: boolean;
}

/** Facts of a job's secure aggregation from its round records, or undefined for plain jobs. */
export function secureFacts(job: JobSpec, rounds: { secure?: SecureSumInfo }[]): SecureAggregationFacts | undefined {
  if (job.aggregation !== 'secagg') return undefined;
  const infos = rounds.map((r) => r.secure).filter((s): s is SecureSumInfo => s !== undefined);
  const last = infos[infos.length - 1];
  return {
    participants: last?.participants ?? 0,
    threshold: last?.threshold ?? 0,
    neighbours: last?.neighbours ?? 0,
    modulusBits: last?.modulusBits ?? MODULUS_BITS,
    clip: job.secureAggregation.clip,
    maxWeight: job.secureAggregation.maxWeight,
    clipped: infos.reduce((a, s) => a + s.clipped, 0),
    authenticated: infos.length > 0 && infos.every((s) => s.authenticated === true),
  };
}

/** How the coordinator checks the participants' privacy receipts. */
export interface ReceiptChecking {
  /**
   * The coordinator has the consortium roster and checks every receipt against the key it lists
   * for the participant (a receipt signed with another key is rejected). False: no roster, so a
   * receipt can only be checked against the key embedded in it.
   */
  receiptsPinned?: boolean;
}

/** One-paragraph statement of what the coordinator could learn in this job. */
export function guaranteeText(job: JobSpec, rounds: { secure?: SecureSumInfo }[], receipts: ReceiptChecking = {}): string {
  if (job.aggregation === 'plain') {
    return (
      'plain aggregation (debugging only): raw rows never leave a participant, but the coordinator sees each ' +
      `participant's ${job.model.type === 'gbdt' ? 'sketch counts, gradient histograms' : 'update'}, statistics and evaluation histogram in clear; no secure aggregation. ` +
      privacyText(job, receipts)
    );
  }
  const f = secureFacts(job, rounds)!;
  const graph = f.participants === 0 ? '' : `, k = ${f.neighbours} masking neighbours each${f.neighbours >= f.participants - 1 ? ' (everyone)' : ' (SecAgg+)'}`;
  const params = f.participants === 0 ? '' : ` t = ${f.threshold} of n = ${f.participants}${graph};`;
  const boosted = job.model.type === 'gbdt';
  const clipping = boosted
    ? (job.privacy.mode === 'record' ? 'gradient histograms rounded to multiples of 2^-6 and noised' : 'gradient histograms in exact fixed point (multiples of 2^-24)') +
      ', every level of a tree summed over the same members'
    : job.privacy.mode === 'client'
      ? 'each participant clips its model delta to an L2 norm and rounds it to integers (client-level DP, below)'
      : `update deltas clipped to ±${f.clip}, FedAvg weight capped at ${f.maxWeight} (${f.clipped} coordinate(s) clipped in this job)`;
  const active = f.authenticated
    ? ' Institutions are authenticated: key adverts are signed and checked against each participant\'s roster, and shares are revealed only after a consistency check of the survivor set (the active-adversary variant), so this holds even if the coordinator deviates from the protocol.'
    : ' Rounds were not authenticated (no roster): this holds against a coordinator that follows the protocol.';
  const drawn = f.participants > 0 && f.neighbours < f.participants - 1 ? ' The neighbour graph is drawn in each round from a nonce every participant committed to, so no single party chooses it.' : '';
  const guard =
    ` Every participant refuses a sum of fewer than ${Math.max(3, job.minParticipants)} contributors (or a lower floor it sets; t ≥ 2), and releases an input ` +
    'without DP noise at most once, again only over the identical survivor set, remembering this across restarts. What a coalition can learn: ' +
    'the coordinator together with all other contributors of a sum learns the remaining one\'s input from it' +
    (job.privacy.mode === 'record' ? ' only as a DP-noised value' : '') +
    '; and without DP, exact statistics of different jobs over member sets that differ by one can be subtracted — participants refuse identical inputs but cannot recognise related ones.' +
    (boosted
      ? ' The coordinator chooses every split: participants check that a tree is well formed, not that its splits follow the gain rule, so a coordinator that deviates can make a node hold very few borrowers and learn the sum of their gradients' +
        (job.privacy.mode === 'record' ? ', though only with the DP noise every level carries (the sensitivity bound holds whatever the splits).' : '.')
      : '');
  return (
    'secure aggregation (Bonawitz et al. 2017): the coordinator learns only the sum over each round\'s surviving ' +
    `participants of their ${boosted ? 'counts of feature values over the public sketch grid, gradient histograms of each tree level' : 'updates'}, preprocessing statistics and evaluation histograms, never one participant's;${params} ` +
    `inputs summed in Z_2^${f.modulusBits}; ${clipping}.${active}${drawn}${guard}${personalText(job)} ${privacyText(job, receipts)}`
  );
}

/** What personalization adds to the job's releases (empty when the job does not personalize). */
function personalText(job: JobSpec): string {
  if (!personalizationOf(job)) return '';
  if (job.privacy.mode === 'record') return ' Personalization: each member keeps its personal and local-only models to itself; nothing about them is released.';
  return (
    ' Personalization: each member keeps its personal and local-only models to itself; the last evaluation also sums the histograms of their held-out ' +
    "scores, and a member whose policy allows it (releaseValueReport) reveals its own held-out AUCs in its slot of that sum."
  );
}

/** The differential-privacy part of the statement, including how far the participants' receipts can be trusted. */
export function privacyText(job: JobSpec, receipts: ReceiptChecking = {}): string {
  const p = job.privacy;
  if (p.mode === 'none') return 'No differential privacy: the sums and the model are not noised';
  const target = p.epsilon !== undefined ? `a target of ε = ${p.epsilon}` : `noise multiplier ${p.noiseMultiplier}`;
  const ledger =
    'each participant\'s own ledger, which checks the whole job against its budget before round 1 and refuses tasks beyond it, states its spend in signed receipts, ' +
    (receipts.receiptsPinned
      ? 'each verified against the key the consortium roster lists for that participant (a receipt signed with any other key is rejected)'
      : 'which are NOT pinned to a roster (this coordinator has none): each is checked only against the key embedded in it, so it does not prove who made it');
  const notCovered = 'preprocessing statistics and evaluation histograms are released exactly (protected by secure aggregation and the participants\' floor only) and are not covered by this guarantee';
  if (p.mode === 'record') {
    return (
      `Record-level differential privacy (${target} at δ = ${p.delta} for the whole job, adding or removing one borrower row): every release is noised — ` +
      (job.model.type === 'gbdt'
        ? 'the sketch counts and every tree level\'s gradient and hessian histograms (logistic loss: each row moves one bin per feature by |g| ≤ 1, h ≤ 1/4), '
        : `DP-SGD updates (per-example clip norm ${p.clipNorm}) weighted by a noisy row count, `) +
      `preprocessing statistics of values clipped to the schema's ranges, ` +
      'and evaluation histograms (discrete Gaussian noise inside the secure sum, Kairouz, Liu & Steinke 2021); training and held-out rows are split row by row, ' +
      `so the two sides compose in parallel; ${ledger}`
    );
  }
  const clip = `each institution's whole model delta is clipped to L2 norm ${p.clipNorm}` +
    (p.adaptiveClipping ? ` at first, then adapted towards the ${p.adaptiveClipping.targetQuantile}-quantile of update norms (Andrew et al. 2021)` : '');
  const noise =
    p.noise === 'distributed'
      ? 'every participant adds discrete Gaussian noise inside the secure sum (Kairouz, Liu & Steinke 2021), calibrated so that the sum of any t survivors carries the full noise; nobody, the coordinator included, sees an un-noised update or sum'
      : 'the COORDINATOR adds Gaussian noise to the sum, so the guarantee holds only if the coordinator is trusted (it sees the un-noised sum)';
  return (
    `Client-level differential privacy (DP-FedAvg, McMahan et al. 2018; ${target} at δ = ${p.delta} for the whole job): ${clip}; ${noise}; ` +
    `${ledger}; ${notCovered}`
  );
}
