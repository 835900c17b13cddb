/**
 * The one aggregation path. Every aggregate of a job — preprocessing statistics, model updates
 * and evaluation histograms — is formed by a {@link SumProtocol}. The plain protocol below sums
 * vectors the coordinator sees in clear (explicitly labelled as such); secure aggregation plugs in
 * as another SumProtocol with the same contract: the coordinator obtains only the sum.
 */
import { sumContributions } from '../aggregate/sum.ts';
import type { Contribution, ContributionShape } from '../types.ts';
import type { Grid, StageFailure, StageTask } from './grid.ts';

/** What a secure sum reports about one aggregate (public parameters and outcome). */
export interface SecureSumInfo {
  /** Participants asked to take part (n). */
  participants: number;
  /** Participants whose inputs are in the sum (|U3|). */
  survivors: number;
  /** Shamir threshold t. */
  threshold: number;
  /** Masking neighbours per participant (k; n − 1 = everyone). */
  neighbours: number;
  /** Inputs are summed in Z_2^modulusBits. */
  modulusBits: number;
  /** Coordinates clipped by the survivors, in total (train stage: update deltas beyond ±clip). */
  clipped: number;
  /** Words in each masked vector. */
  words: number;
  /** Set when the round ran the active-adversary variant (signed adverts, ConsistencyCheck). */
  authenticated?: boolean;
  /**
   * How long each step of the sum took, in the order they ran: from sending the step's messages
   * to the coordinator's own step done with the replies. Present when the protocol was given a
   * clock; absent for sums formed before timings were recorded.
   */
  steps?: SecureStepTime[];
  /**
   * Set when this sum's keys were set up ahead (`secureAggregation.keysAhead`): the round whose
   * sum carried its key adverts, graph nonces and shares (0: round 0's statistics sum, which reads
   * as "not set up ahead" on the wire and in the audit log). Its `steps` then start at masked-input.
   */
  keysSetUpIn?: number;
}

/** One step of a secure sum and its duration (see {@link SecureSumInfo.steps}). */
export interface SecureStepTime {
  /**
   * The step, named by the reply it collects: `advertise-keys`, `graph-nonce` (rounds with a
   * committed SecAgg+ graph), `share-keys`, `masked-input`, `consistency-signature`
   * (authenticated rounds) or `unmasking`.
   */
  step: string;
  seconds: number;
}

/** Result of one aggregated stage. */
export interface SumResult {
  /** Element-wise sum over `contributors`, or null when nobody contributed. */
  sum: Contribution | null;
  contributors: string[];
  failures: StageFailure[];
  /** Why the aggregate could not be formed at all (e.g. the secure sum aborted), when it could not. */
  error?: string;
  /** Set by secure aggregation. */
  secure?: SecureSumInfo;
  /** Signed privacy receipts (JSON) that contributors sent with their DP-trained inputs. */
  receipts?: Record<string, string>;
}

/**
 * How one stage's sum must be formed, for a stage that may have been unmasked before (a round
 * interrupted by a coordinator restart): `exact` is the survivor set of that earlier unmasking —
 * participants release an input without DP noise again only over exactly that set, so the sum
 * must be over it or nothing; `beforeUnmask` is told the survivor set before any participant is
 * asked to unmask, so that a restarted coordinator knows it (write it durably before resolving).
 */
export interface SumRunOptions {
  exact?: string[];
  /**
   * The update vectors of the job's training rounds, given with the statistics stage: a protocol
   * may set up the first rounds' sums while it runs (secure aggregation's keys set up ahead).
   */
  trainShape?: ContributionShape;
  beforeUnmask?: (survivors: string[]) => Promise<void>;
}

/** A way of turning participants' vectors into their sum. */
export interface SumProtocol {
  /** Name recorded in job metadata ("plain" = the coordinator sees each vector in clear). */
  readonly name: string;
  run(grid: Grid, participants: string[], task: StageTask, shape: ContributionShape, deadlineMs: number, options?: SumRunOptions): Promise<SumResult>;
}

/** Checks one reply against the expected shape; returns a reason when it does not fit. */
export function shapeProblem(c: Record<string, Float64Array>, shape: ContributionShape): string | null {
  const want = Object.keys(shape).sort();
  const got = Object.keys(c).sort();
  if (want.join('\u0000') !== got.join('\u0000')) {
    return `sent vectors [${got.join(', ')}] but the stage expects [${want.join(', ')}]`;
  }
  for (const name of want) {
    const v = c[name];
    const len = shape[name];
    // Both exist after the name check above; a reply is untrusted, so say so rather than assume.
    if (v === undefined || len === undefined) return `vector "${name}" is missing`;
    if (v.length !== len) return `vector "${name}" has ${v.length} elements, expected ${len}`;
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) return `vector "${name}" element ${i} is not finite`;
    }
  }
  return null;
}

/**
 * Plain summation: the coordinator receives every participant's vectors in clear. Available
 * only as an explicit job setting; replies with a wrong shape become failures of that participant.
 */
export const plainSum: SumProtocol = {
  name: 'plain',
  async run(grid, participants, task, shape, deadlineMs) {
    const { replies, failures } = await grid.run(participants, { ...task, replyShape: shape }, deadlineMs);
    const accepted: Contribution[] = [];
    const contributors: string[] = [];
    const receipts: Record<string, string> = {};
    const stage = `round ${task.round}: ${task.kind}`;
    for (const [name, reply] of replies) {
      if (!('contribution' in reply)) {
        failures.push({ participant: name, stage, reason: 'sent a secure-aggregation message to a plain stage' });
        continue;
      }
      const c = reply.contribution;
      const problem = shapeProblem(c, shape);
      if (problem) failures.push({ participant: name, stage, reason: `malformed reply: ${problem}` });
      else {
        accepted.push(c);
        contributors.push(name);
        if (reply.receipt) receipts[name] = reply.receipt;
      }
    }
    return { sum: accepted.length ? sumContributions(accepted, shape) : null, contributors, failures, ...(Object.keys(receipts).length ? { receipts } : {}) };
  },
};
