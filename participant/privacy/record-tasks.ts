/**
 * The tasks of a job with record-level DP at one node (the releases are planned in
 * core/privacy/record-plan.ts, the whole job's cost in core/privacy/job-cost.ts): at the job's
 * first task the node checks that the WHOLE job fits its budget and refuses up front otherwise,
 * then — for a dense model — draws and charges its noisy row count and fixes its DP-SGD settings
 * (record-jobs.ts); every release — noised statistics, each round's DP-SGD update weighted by the
 * noisy count, a gbdt job's noised sketch and tree levels, each noised evaluation — is charged to
 * the ledger with the rows it used and signed in a receipt before it leaves.
 *
 * The noise of statistics and evaluations is calibrated for t = the secure sum's threshold (each
 * sum holds at least t participants' noise); without a secure sum (plain aggregation) t = 1, so
 * each node adds the full noise itself.
 */
import type { DataSchema } from '../../core/data/schema.ts';
import type { Table } from '../../core/data/table.ts';
import { evaluationRounds, recordPrivacy, recordReleasePlan } from '../../core/privacy/record-plan.ts';
import type { RecordReleasePlan } from '../../core/privacy/record-plan.ts';
import { jobPrivacyCost, releaseSpend } from '../../core/privacy/job-cost.ts';
import type { CostMemo } from '../../core/privacy/job-cost.ts';
import type { BoostingReleasePlan } from '../../core/privacy/boosting-plan.ts';
import type { NoisedRelease } from '../../core/privacy/record-plan.ts';
import { boundedEvaluation, boundedStats, noisedRelease } from '../../core/privacy/record-releases.ts';
import { sampleDiscreteGaussian } from '../../core/privacy/discrete-gaussian.ts';
import { formatDelta, formatEpsilon } from '../../core/privacy/ledger-format.ts';
import type { Contribution, Rng } from '../../core/types.ts';
import { CoreInputError } from '../../core/types.ts';
import { trainContribution } from '../../core/aggregate/train.ts';
import type { HandlerResult, ParsedTask } from '../handler.ts';
import type { TrainInput } from '../local-handler.ts';
import { trainLocal } from '../trainer/train.ts';
import { dpSgdSpend } from './dp-params.ts';
import type { NodePrivacy } from './node-privacy.ts';
import type { RecordJob } from './record-jobs.ts';

/** A refusal of a task, with its code and reason. */
export type Refusal = Extract<HandlerResult, { refusal: unknown }>;
const refusal = (code: string, reason: string): Refusal => ({ refusal: { code, reason } });

/** The release plan for this task's secure sum (t of its config, 1 without one). */
export function planFor(task: ParsedTask): RecordReleasePlan {
  return recordReleasePlan(task.config.job, task.config.schema, task.survivors ?? 1);
}

/**
 * This node's settings for the task's job: fixed at its first task after checking that the whole
 * job fits the budget (a refusal otherwise, before anything is charged or released).
 */
export function recordJobFor(task: ParsedTask, trainRows: number, privacy: NodePrivacy | undefined, rng: Rng): RecordJob | Refusal {
  if (!privacy) {
    return refusal('privacy_not_configured', 'the job asks for record-level differential privacy, but this node has no privacy budget; start it with --privacy-budget-epsilon and --state-dir');
  }
  const known = privacy.jobs.get(task.jobId);
  if (known) return known;
  const { job } = task.config;
  let plan: RecordReleasePlan;
  try {
    plan = planFor(task);
  } catch (err) {
    if (!(err instanceof CoreInputError)) throw err;
    return refusal('privacy_settings', `record-level privacy cannot run: ${err.message}`);
  }
  // A dense model's DP-SGD is weighted and sampled by a noisy row count; boosting uses none, so none is drawn.
  const noisyRows = job.model.type === 'gbdt' ? undefined : trainRows + sampleDiscreteGaussian(1, plan.countSigma2, rng)[0]!; // one draw asked, one returned
  const cost = jobPrivacyCost(job, { schema: task.config.schema, survivors: task.survivors ?? 1, ...(noisyRows !== undefined ? { trainingRows: noisyRows } : {}) });
  if (cost.mode !== 'record') throw new Error(`job ${task.jobId} has no record-level differential privacy`);
  const preview = privacy.ledger.previewJob(task.jobId, { train: cost.train, holdout: cost.holdout });
  if (!preview.fits) {
    const { budget } = privacy.ledger;
    return refusal(
      'privacy_budget',
      `privacy budget: the whole job would cost this node ε = ${formatEpsilon(cost.epsilon)} at δ = ${formatDelta(cost.delta)} ` +
        `(${job.rounds} rounds, ${plan.evaluation.rounds.length} evaluations), taking its total from ε = ${formatEpsilon(preview.epsilonBefore)} to ` +
        `${formatEpsilon(preview.epsilonAfter)} at δ = ${formatDelta(budget.delta)}, beyond its budget ε = ${formatEpsilon(budget.epsilon)}; refused before round 1, nothing was spent`,
    );
  }
  const count = cost.releases.find((r) => r.release === 'count');
  if (count) privacy.charge(task, count.spend, { stage: 'count', partition: 'train' });
  const fixed: RecordJob = { jobId: task.jobId, ...(noisyRows !== undefined ? { noisyRows } : {}), ...cost.sgd, epsilonJob: cost.epsilon };
  privacy.jobs.put(fixed);
  return fixed;
}

/** The noised preprocessing statistics of the training rows, charged and signed. */
export function statsRelease(task: ParsedTask, train: Table, schema: DataSchema, privacy: NodePrivacy, rng: Rng): HandlerResult {
  const plan = planFor(task);
  const receipt = privacy.charge(task, releaseSpend(plan.stats), { partition: 'train' });
  return { contribution: noisedRelease(boundedStats(train, schema), plan.stats, rng), receipt, noised: true };
}

/**
 * One round of DP-SGD on the training rows (`inputOf`, read only once the task is accepted) with
 * this node's fixed settings: previewed against the budget, then charged and signed before the
 * update leaves. Its FedAvg weight is the noisy row count (a DP release), never the exact one;
 * the training loss is not sent.
 */
export async function trainRelease(task: ParsedTask, inputOf: () => TrainInput, record: RecordJob, privacy: NodePrivacy, rng?: Rng): Promise<HandlerResult> {
  const { job } = task.config;
  const { clipNorm, secureNoise } = recordPrivacy(job)!;
  const { noiseMultiplier, sampleRate, stepsPerRound, noisyRows } = record;
  if (noiseMultiplier === undefined || sampleRate === undefined || stepsPerRound === undefined || noisyRows === undefined) {
    return refusal('privacy_plan', `job ${task.jobId} has no DP-SGD settings at this node (a ${job.model.type} job trains no dense model): a train task is outside its plan`);
  }
  const dp = { noiseMultiplier, clipNorm, sampleRate, secureNoise };
  const preview = privacy.ledger.preview(dpSgdSpend(dp, stepsPerRound), { jobId: task.jobId, partition: 'train' });
  if (!preview.fits) return refusal('privacy_budget', `privacy budget: ${preview.reason}`);
  const input = inputOf();
  const out = await trainLocal({ spec: job.model, ...input, dp, ...(rng ? { dpRng: rng } : {}) });
  const contribution = trainContribution(out.weights, input.weights, Math.max(1, noisyRows), 0);
  contribution.loss = Float64Array.of(0, 0);
  // Charged (and persisted) before the update can leave this node.
  const receipt = privacy.charge(task, dpSgdSpend(dp, out.dp?.steps ?? 0), { partition: 'train' });
  return { contribution, receipt, noised: true };
}

/** The noised evaluation of the held-out rows' scores, charged and signed; refused in a round the job does not evaluate. */
export function evaluationRelease(task: ParsedTask, scores: ArrayLike<number>, labels: Uint8Array, privacy: NodePrivacy, rng: Rng): HandlerResult {
  const { job } = task.config;
  if (!evaluationRounds(job).includes(task.round)) {
    return refusal('privacy_plan', `round ${task.round} is not an evaluated round of job ${task.jobId} (evaluation.every ${job.evaluation.every}): an evaluation outside the plan would be an unplanned release`);
  }
  const plan = planFor(task);
  const receipt = privacy.charge(task, releaseSpend(plan.evaluation), { partition: 'holdout' });
  return { contribution: noisedRelease(boundedEvaluation(scores, labels, job.evaluation.bins), plan.evaluation, rng), receipt, noised: true };
}

/**
 * The sketch and tree-level releases of the task's gbdt job (t of its secure sum), from the job's
 * cost: calibrating them takes milliseconds, and a job asks for one per tree level, so callers
 * pass a {@link CostMemo} that lives as long as the node.
 */
function boostingPlanFor(task: ParsedTask, memo: CostMemo): BoostingReleasePlan {
  const { job, schema } = task.config;
  const cost = jobPrivacyCost(job, { schema, survivors: task.survivors ?? 1, memo });
  if (cost.mode !== 'record' || !cost.boosting) throw new CoreInputError(`a ${task.kind} task belongs to a gbdt job with record-level DP, but this job's model is "${job.model.type}"`, 'kind');
  return cost.boosting;
}

/** `c` noised as `release` plans, for a vector no longer than the plan's bound; charged and signed first. */
function boundedRelease(task: ParsedTask, c: Contribution, release: NoisedRelease, privacy: NodePrivacy, rng: Rng): HandlerResult {
  const length = Object.values(c).reduce((a, v) => a + (v?.length ?? 0), 0);
  if (length > release.dimension) {
    return refusal('privacy_plan', `the ${task.kind} task of round ${task.round} asks for ${length} values, more than the ${release.dimension} the job's privacy plan bounds it by`);
  }
  const receipt = privacy.charge(task, releaseSpend(release), { partition: 'train' });
  return { contribution: noisedRelease(c, { ...release, dimension: length }, rng), receipt, noised: true };
}

/** A gbdt job's noised sketch counts of the training rows, charged and signed. */
export function sketchRelease(task: ParsedTask, counts: Contribution, privacy: NodePrivacy, rng: Rng, memo: CostMemo): HandlerResult {
  return boundedRelease(task, counts, boostingPlanFor(task, memo).sketch, privacy, rng);
}

/**
 * A gbdt job's noised histograms of one tree level (bounded: see participant/trees/boosting-tasks.ts),
 * charged and signed; refused for a tree beyond the job's rounds, which its plan does not cover.
 */
export function treeRelease(task: ParsedTask, histograms: Contribution, privacy: NodePrivacy, rng: Rng, memo: CostMemo): HandlerResult {
  const { job } = task.config;
  const tree = task.config.tree?.tree ?? 0;
  if (!(tree >= 1 && tree <= job.rounds)) {
    return refusal('privacy_plan', `tree ${tree} is outside job ${task.jobId}'s ${job.rounds} trees: its histograms would be an unplanned release`);
  }
  return boundedRelease(task, histograms, boostingPlanFor(task, memo).tree, privacy, rng);
}
