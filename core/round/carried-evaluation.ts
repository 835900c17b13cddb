/**
 * The evaluation of a round's model, carried by the next round's training stage.
 *
 * Round r trains from the model of round r − 1, so every member already holds that model when
 * round r's training task arrives. The member scores it on its held-out rows before it trains
 * and sends the score histogram and loss sums together with its update, as extra vectors of the
 * same contribution. A round then needs one aggregate instead of two. With secure aggregation,
 * that is one run of the protocol per round instead of two; the final round's model, which
 * nothing trains from, is still evaluated on its own. This is the default; a job opts out with
 * `evaluation.carried: false`.
 *
 * What the coordinator learns is unchanged: the sum of the same evaluation vectors over the
 * stage's contributors, and nothing about any one member. Its metrics are known one stage later,
 * with round r + 1's training aggregate.
 *
 * Pure: names, shapes and the split of a summed contribution.
 */
import type { JobSpec } from '../job.ts';
import { evaluationShape } from '../metrics/histogram.ts';
import { evaluationRounds } from '../privacy/record-plan.ts';
import type { Contribution, ContributionShape } from '../types.ts';
import { CoreInputError } from '../types.ts';

/** Prefix of the evaluation vectors inside a training contribution ("evaluation.hist", "evaluation.loss"). */
export const CARRIED_PREFIX = 'evaluation.';

type CarryJob = Pick<JobSpec, 'privacy' | 'rounds' | 'evaluation' | 'model'>;

/**
 * The round whose evaluation round `round`'s training stage carries, or undefined: round − 1,
 * when the job carries its evaluations (`evaluation.carried`: absent or true; false opts out) and
 * evaluates that round.
 * Boosted-tree jobs, which grow a tree per round from per-level sums, evaluate each round on its
 * own.
 */
export function carriedRound(job: CarryJob, round: number): number | undefined {
  if (job.evaluation.carried === false || job.model.type === 'gbdt' || round < 1 || round > job.rounds) return undefined;
  return evaluationRounds(job).includes(round - 1) ? round - 1 : undefined;
}

/** The evaluation vectors' shape under their carried names. */
export function carriedShape(bins: number): ContributionShape {
  return Object.fromEntries(Object.entries(evaluationShape(bins)).map(([name, len]) => [CARRIED_PREFIX + name, len]));
}

/** True when `name` is a carried evaluation vector. */
export function isCarried(name: string): boolean {
  return name.startsWith(CARRIED_PREFIX);
}

/** The vector name a carried evaluation vector has in an evaluation contribution ("evaluation.hist" → "hist"). */
export function uncarriedName(name: string): string {
  return name.slice(CARRIED_PREFIX.length);
}

/**
 * A training contribution and an evaluation contribution as one contribution, the evaluation's
 * vectors renamed. Throws {@link CoreInputError} when the training contribution already has a
 * vector of a carried name.
 */
export function joinCarried(train: Contribution, evaluation: Contribution): Contribution {
  const out: Contribution = { ...train };
  for (const [name, v] of Object.entries(evaluation)) {
    const carried = CARRIED_PREFIX + name;
    if (carried in out) throw new CoreInputError(`the training contribution already has a vector "${carried}"`, 'train');
    out[carried] = v;
  }
  return out;
}

/** A summed training contribution split back into its training vectors and its evaluation vectors (original names). */
export function splitCarried(sum: Contribution): { train: Contribution; evaluation: Contribution } {
  const train: Contribution = {};
  const evaluation: Contribution = {};
  for (const [name, v] of Object.entries(sum)) {
    if (isCarried(name)) evaluation[uncarriedName(name)] = v;
    else train[name] = v;
  }
  return { train, evaluation };
}

/**
 * The privacy receipts of one member's reply to a training stage that carries an evaluation: the
 * two signed receipts (JSON) as one string, `{"evaluationReceipt": …, "trainReceipt": …}` (each
 * key present when that part was a DP release); undefined when neither was.
 */
export function joinCarriedReceipts(evaluation: string | undefined, train: string | undefined): string | undefined {
  if (evaluation === undefined && train === undefined) return undefined;
  return JSON.stringify({ ...(evaluation !== undefined ? { evaluationReceipt: evaluation } : {}), ...(train !== undefined ? { trainReceipt: train } : {}) });
}

/** What {@link joinCarriedReceipts} joined, or a plain receipt as the training part. */
export function splitCarriedReceipt(json: string): { evaluation?: string; train?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return { train: json };
  }
  if (parsed === null || typeof parsed !== 'object' || !('evaluationReceipt' in parsed || 'trainReceipt' in parsed)) return { train: json };
  const { evaluationReceipt, trainReceipt } = parsed as { evaluationReceipt?: unknown; trainReceipt?: unknown };
  return { ...(typeof evaluationReceipt === 'string' ? { evaluation: evaluationReceipt } : {}), ...(typeof trainReceipt === 'string' ? { train: trainReceipt } : {}) };
}

/** The receipts of a carrying training stage, by participant, split into those of its training part and of its evaluation part. */
export function splitCarriedReceipts(receipts: Record<string, string> | undefined): { train?: Record<string, string>; evaluation?: Record<string, string> } {
  const train: Record<string, string> = {};
  const evaluation: Record<string, string> = {};
  for (const [p, json] of Object.entries(receipts ?? {})) {
    const parts = splitCarriedReceipt(json);
    if (parts.train !== undefined) train[p] = parts.train;
    if (parts.evaluation !== undefined) evaluation[p] = parts.evaluation;
  }
  return { ...(Object.keys(train).length ? { train } : {}), ...(Object.keys(evaluation).length ? { evaluation } : {}) };
}
