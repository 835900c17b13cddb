/**
 * How many members of a securely aggregated round may drop out before it must abort. A secure sum
 * over n members completes only if at least t of them survive every step (the Shamir threshold,
 * core/round/secure-plan.ts), and each member itself refuses a sum with fewer contributors than
 * its floor (by default 3; a policy's `minContributors`, participant/releases/floor.ts). So the
 * round tolerates n − max(t, floor) dropouts; at zero, one member missing aborts every round —
 * worth saying before the job runs, with the numbers and what to change.
 *
 * Pure: the job and the number of members in, numbers and words out.
 */
import type { JobSpec } from '../job.ts';
import { CoreInputError } from '../types.ts';
import { neighbourCount, thresholdFor } from './secure-plan.ts';

/** The contributor floor a member applies to every secure sum unless its policy sets another. */
export const DEFAULT_MEMBER_FLOOR = 3;

/** The dropout tolerance of a secure round of `members` members. */
export interface DropoutTolerance {
  members: number;
  /** The Shamir threshold t for that many members. */
  threshold: number;
  /** The members' default floor of contributors. */
  floor: number;
  /** How many members may drop out: n − max(t, floor), at least 0. */
  tolerance: number;
}

/** The tolerance of `job` with `members` members; undefined for plain aggregation or an invalid threshold. */
export function dropoutTolerance(job: JobSpec, members: number): DropoutTolerance | undefined {
  if (job.aggregation !== 'secagg' || members < 1) return undefined;
  const spec = job.secureAggregation;
  let threshold: number;
  try {
    threshold = thresholdFor(spec, job.minParticipants, members, neighbourCount(spec, members, job.minParticipants));
  } catch (err) {
    if (err instanceof CoreInputError) return undefined; // the round itself reports an impossible threshold
    throw err;
  }
  const floor = DEFAULT_MEMBER_FLOOR;
  return { members, threshold, floor, tolerance: Math.max(0, members - Math.max(threshold, floor)) };
}

/**
 * A warning when a secure round of `members` members tolerates no dropout, naming the numbers
 * and what to change; undefined when at least one member may drop out (or the job is plain).
 * `whose` says where the member count comes from ("the job's 3 listed participants").
 */
export function noDropoutWarning(job: JobSpec, members: number, whose: string): string | undefined {
  const d = dropoutTolerance(job, members);
  if (!d || d.tolerance > 0) return undefined;
  const why =
    d.threshold >= d.members
      ? `the secure-aggregation threshold t = ${d.threshold} equals ${whose} (n = ${d.members})`
      : `with n = ${d.members} (${whose}), every member's default floor of ${d.floor} contributors (policy minContributors) is all of them (t = ${d.threshold})`;
  const fixes = [`add members (n ≥ ${Math.max(d.threshold, d.floor) + 1})`];
  if (job.minParticipants >= d.members) fixes.push(`lower minParticipants (now ${job.minParticipants}) below ${d.members}`);
  if (job.secureAggregation.threshold !== undefined && job.secureAggregation.threshold >= d.members) fixes.push(`lower secureAggregation.threshold (now ${job.secureAggregation.threshold})`);
  if (d.threshold < d.members && d.floor >= d.members) fixes.push(`let the members set minContributors ${d.members - 1} in their policies`);
  return `no dropout tolerance: ${why}, so one member missing aborts every round; to tolerate one dropout, ${fixes.join(', or ')}`;
}
