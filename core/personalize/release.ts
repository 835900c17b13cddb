/**
 * What the consortium may learn about personalization (pure). In a job with personalization and
 * without record-level differential privacy, every member's final evaluate contribution carries
 * three more vectors, summed like `hist`:
 *
 *  - `histPersonal`, `histLocal`: per-class score histograms (core/metrics/histogram.ts layout)
 *    of the member's personalized and local-only models on its held-out rows, so the sum gives
 *    the consortium's AUC and KS of personalized and of local-only models;
 *  - `memberValue`: one slot of 4 per member of the final evaluation, in the order the task's
 *    `members` lists them — [1, federated AUC, personalized AUC, local-only AUC] in the member's
 *    own slot if its policy allows releasing its figures, zeros everywhere else. The sum thus
 *    shows exactly the figures of the members that chose to release them, and nothing of others.
 *
 * Under record-level DP these vectors are not sent at all: the evaluate histogram there is a
 * noised, accounted release of the held-out rows, and further exact histograms of the same rows
 * would fall outside the job's guarantee.
 */
import type { JobSpec } from '../job.ts';
import { personalizationOf } from '../job.ts';
import { rankStatistics } from '../metrics/histogram.ts';
import type { Contribution, ContributionShape } from '../types.ts';
import { CoreInputError } from '../types.ts';

/** Names of the extra vectors of the final evaluation. */
export const PERSONAL_HISTOGRAMS = ['histPersonal', 'histLocal'] as const;
export const MEMBER_VALUE = 'memberValue';
/** Entries per member in {@link MEMBER_VALUE}: released flag, federated, personalized, local-only AUC. */
export const MEMBER_VALUE_SLOT = 4;

/** Whether the job's final evaluation carries the personalization vectors. */
export function releasesPersonalization(job: JobSpec): boolean {
  return personalizationOf(job) !== undefined && job.privacy.mode !== 'record';
}

/**
 * The extra vectors' shape of the evaluation of `round` over `members` participants: empty but
 * for the last round of a job that sends them.
 */
export function personalReleaseShape(job: JobSpec, round: number, members: number): ContributionShape {
  if (round !== job.rounds || !releasesPersonalization(job)) return {};
  const bins = job.evaluation.bins;
  return { histPersonal: 2 * bins, histLocal: 2 * bins, [MEMBER_VALUE]: MEMBER_VALUE_SLOT * members };
}

/** A member's own held-out AUCs. */
export interface MemberFigures {
  federated: number;
  personalized: number;
  localOnly: number;
}

/**
 * The member's {@link MEMBER_VALUE} vector: its figures in its own slot when `figures` is given
 * (a NaN AUC goes out as 0, with the flag still set), zeros otherwise. Throws when `self` is not
 * among `members`.
 */
export function memberValueVector(members: readonly string[], self: string, figures?: MemberFigures): Float64Array {
  const v = new Float64Array(MEMBER_VALUE_SLOT * members.length);
  if (!figures) return v;
  const i = members.indexOf(self);
  if (i < 0) throw new CoreInputError(`"${self}" is not among the members of this evaluation`, 'members');
  const clean = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);
  v.set([1, clean(figures.federated), clean(figures.personalized), clean(figures.localOnly)], MEMBER_VALUE_SLOT * i);
  return v;
}

/** What the consortium learns from the final evaluation's sum. */
export interface PersonalizationRelease {
  /** AUC and KS over every member's held-out rows, of each member's personalized model. */
  personalized: { auc: number; ks: number };
  /** The same of each member's local-only model. */
  localOnly: { auc: number; ks: number };
  /** The figures of the members that released theirs, by name. */
  members: Record<string, MemberFigures>;
}

/** Reads the personalization vectors of a summed final evaluation; undefined when it has none. */
export function readPersonalRelease(sum: Contribution, bins: number, members: readonly string[]): PersonalizationRelease | undefined {
  const { histPersonal, histLocal } = sum;
  const value = sum[MEMBER_VALUE];
  if (!histPersonal || !histLocal || !value) return undefined;
  if (value.length !== MEMBER_VALUE_SLOT * members.length) {
    throw new CoreInputError(`vector "${MEMBER_VALUE}" has ${value.length} entries, expected ${MEMBER_VALUE_SLOT} × ${members.length} members`, MEMBER_VALUE);
  }
  const out: Record<string, MemberFigures> = {};
  members.forEach((m, i) => {
    const s = value.subarray(MEMBER_VALUE_SLOT * i, MEMBER_VALUE_SLOT * (i + 1));
    // A released slot has flag 1; the fixed-point sum returns it up to rounding.
    if (s[0]! > 0.5) out[m] = { federated: s[1]!, personalized: s[2]!, localOnly: s[3]! };
  });
  return { personalized: rankStatistics(histPersonal, bins), localOnly: rankStatistics(histLocal, bins), members: out };
}
