/**
 * Differential privacy on the participant as handler mods (../handler.ts `chain`) around the
 * exact local handler (../local-handler.ts), one per job privacy mode; {@link privacyMod} routes
 * each task to the mod of its job's mode, the one place on the participant's task path that looks
 * at it. The exact handler knows nothing of DP.
 *
 * - none: a node with a privacy budget uses its data only with DP and refuses the task; a node
 *   without one passes it on.
 * - record (./record-tasks.ts): every release changes its computation — bounded, noised
 *   statistics; DP-SGD with this node's fixed settings, or for boosted trees noised sketch counts
 *   and bounded, noised tree-level histograms; bounded, noised evaluations — so the mod
 *   answers every task itself, after fixing the job's settings and checking that the whole job
 *   fits the budget at its first task. The node's own metrics are still exact, and stay local.
 * - client (./client-train.ts): statistics and evaluations are released exactly (client-level DP
 *   covers the model only), so they pass through, the first after checking that the whole job
 *   fits the budget; a train task trains without per-example noise, then clips, rounds and — for
 *   distributed noise — noises the whole model delta.
 *
 * Every DP release is charged to the ledger and signed before it leaves the node.
 */
import type { JobSpec } from '../../core/job.ts';
import { inputDim } from '../../core/data/schema.ts';
import { evaluationContribution, metricsFromEvaluation } from '../../core/metrics/histogram.ts';
import { modelLayout } from '../../core/model/layout.ts';
import type { Rng } from '../../core/types.ts';
import { layoutSize } from '../../core/types.ts';
import { cryptoRng } from '../../platform/crypto-rng.ts';
import type { Mod, TaskHandler } from '../handler.ts';
import type { LocalData, LocalMetricsSink } from '../local-handler.ts';
import { predictScores } from '../trainer/predict.ts';
import { CostMemo } from '../../core/privacy/job-cost.ts';
import { clientJobRefusal, trainWithClientDp } from './client-train.ts';
import type { NodePrivacy } from './node-privacy.ts';
import { privacyRefusal } from './node-privacy.ts';
import { evaluationRelease, recordJobFor, sketchRelease, statsRelease, trainRelease, treeRelease } from './record-tasks.ts';
import { boostedScores, boostingTasks } from '../trees/boosting-tasks.ts';

/** What the DP mods work with. */
export interface DpModDeps {
  /** The node's data (the same the exact handler uses). */
  data: LocalData;
  /** The node's ledger and receipt signer; absent: the node has no privacy budget. */
  privacy?: NodePrivacy;
  /** The node's own (exact) metrics of its held-out rows, for its operators only. */
  onLocalMetrics?: LocalMetricsSink;
  /** Randomness of the noise and the noisy row count (default node:crypto). */
  rng?: Rng;
}

type PrivacyMode = JobSpec['privacy']['mode'];

/** Routes every task to the mod of its job's privacy mode. */
export function privacyMod(deps: DpModDeps): Mod {
  const mods: Record<PrivacyMode, Mod> = { none: withoutDpMod(deps), record: recordDpMod(deps), client: clientDpMod(deps) };
  return (next) => {
    const handlers: Record<PrivacyMode, TaskHandler> = { none: mods.none(next), record: mods.record(next), client: mods.client(next) };
    return (task) => handlers[task.config.job.privacy.mode](task);
  };
}

/** Jobs without DP: refused by a node with a budget, passed on by one without. */
export function withoutDpMod({ privacy }: DpModDeps): Mod {
  return (next) => async (task) => (privacy ? privacyRefusal(task, undefined, privacy)! : next(task));
}

/** Jobs with record-level DP: every release noised, charged and signed here. */
export function recordDpMod({ data, privacy, onLocalMetrics, rng = cryptoRng }: DpModDeps): Mod {
  const boosting = boostingTasks(data.name, (task) => data.split(task).train);
  const costs = new CostMemo();
  return () => async (task) => {
    const { job, schema } = task.config;
    const split = data.split(task);
    const record = recordJobFor(task, split.train.n, privacy, rng);
    if ('refusal' in record) return record;
    // recordJobFor refuses every task of a node without a budget, so `privacy` is set from here on.
    if (task.kind === 'stats') return statsRelease(task, split.train, schema, privacy!, rng);
    if (task.kind === 'train') return trainRelease(task, () => data.trainInput(task), record, privacy!, rng);
    if (task.kind === 'sketch') return sketchRelease(task, boosting.sketch(task), privacy!, rng, costs);
    if (task.kind === 'tree') return treeRelease(task, boosting.tree(task, { bounded: true }), privacy!, rng, costs);
    const { scores, labels } = heldOutScores(data, task);
    onLocalMetrics?.(task.jobId, task.round, metricsFromEvaluation(evaluationContribution(scores, labels, job.evaluation.bins), job.evaluation.bins));
    return evaluationRelease(task, scores, labels, privacy!, rng);
  };
}

/** Scores of the node's held-out rows under the task's model, and their labels. */
function heldOutScores(data: LocalData, task: Parameters<TaskHandler>[0]): { scores: ArrayLike<number>; labels: Uint8Array } {
  const { job, schema } = task.config;
  if (job.model.type === 'gbdt') {
    if (!task.weights) throw new Error('the evaluate task carries no model');
    const test = data.split(task).test;
    return { scores: boostedScores(task.weights, test, schema), labels: test.labels };
  }
  const input = data.evaluateInput(task);
  return { scores: predictScores(job.model, input.inputDim, input.weights, input.x), labels: input.y };
}

/** Jobs with client-level DP: the whole-job check before the statistics, and the clipped (noised) model update. */
export function clientDpMod({ data, privacy, rng = cryptoRng }: DpModDeps): Mod {
  return (next) => async (task) => {
    const { job, schema } = task.config;
    if (task.kind === 'stats') {
      return clientJobRefusal(task, layoutSize(modelLayout(job.model, inputDim(schema))), privacy) ?? next(task);
    }
    if (task.kind !== 'train') return next(task);
    return trainWithClientDp(task, data.trainInput(task), privacy, rng);
  };
}
