/**
 * What a participant checks about a secure sum's public configuration before it takes part:
 * the vectors' shape it expects for the task, and whether the coordinator's configuration is the
 * one the job implies (threshold, graph, encoding), recomputed here rather than trusted.
 */
import { statsShape } from '../core/data/preprocess.ts';
import { inputDim } from '../core/data/schema.ts';
import { evaluationShape } from '../core/metrics/histogram.ts';
import { personalReleaseShape } from '../core/personalize/release.ts';
import { trainShapeFor } from '../core/round/client-round.ts';
import { carriedShape } from '../core/round/carried-evaluation.ts';
import { secureRoundParams } from '../core/round/secure-plan.ts';
import type { SecAggTask } from '../core/round/secure-messages.ts';
import { boostingStageShape } from '../core/trees/job-stages.ts';
import { modelLayout } from '../core/model/layout.ts';
import { layoutSize } from '../core/types.ts';
import type { ContributionShape } from '../core/types.ts';
import type { ParsedTask } from './handler.ts';

/** The shape of the vectors a task kind aggregates (public: from the job and schema). */
export function stageShape(task: Pick<ParsedTask, 'kind' | 'round' | 'config'>): ContributionShape {
  const { job, schema } = task.config;
  if (task.kind === 'stats') return statsShape(schema);
  // The last evaluation of a job with personalization also sums its vectors (core/personalize/release.ts).
  if (task.kind === 'evaluate') return { ...evaluationShape(job.evaluation.bins), ...personalReleaseShape(job, task.round, task.config.members?.length ?? 0) };
  if (task.kind === 'sketch' || task.kind === 'tree') return boostingStageShape(task.kind, task.round, task.config);
  const train = trainShapeFor(job, layoutSize(modelLayout(job.model, inputDim(schema))));
  // A train task that also evaluates its weights sends the evaluation vectors with its update.
  return task.config.evaluates === undefined ? train : { ...train, ...carriedShape(job.evaluation.bins) };
}

/**
 * Why this node will not take part in a round with `step.config`, or undefined: the round must be
 * authenticated exactly when this node has an identity (`signed`), the run must belong to the
 * task's job and stage, this node must be a participant, and the threshold, graph and vector
 * length must be what the job implies for these participants.
 */
export function configProblem(task: ParsedTask, step: SecAggTask, self: string, signed: boolean): string | undefined {
  const { config } = step;
  if (signed && config.authenticated !== true) {
    return 'this node requires signed secure aggregation (it has a roster); the coordinator ran an unauthenticated round';
  }
  if (!signed && config.authenticated) {
    return 'the coordinator ran a signed (authenticated) secure aggregation round, but this node has no identity key and roster to take part in it';
  }
  if (!config.run.startsWith(`${task.jobId}/${task.kind}/${task.round}/`)) return `secure sum ${config.run} does not belong to job ${task.jobId}, ${task.kind} of round ${task.round}`;
  if (config.round !== task.round) return `secure sum round ${config.round} differs from task round ${task.round}`;
  if (!config.participants.includes(self)) return `${self} is not among the participants of secure sum ${config.run}`;
  let expected: ReturnType<typeof secureRoundParams>;
  try {
    expected = secureRoundParams(task.config.job, task.kind, stageShape(task), config.run, config.round, config.participants);
  } catch (err) {
    return `the job's secure-aggregation settings cannot work: ${(err as Error).message}`;
  }
  const want = expected.config;
  if (config.threshold !== want.threshold) return `threshold t = ${config.threshold} differs from the job's t = ${want.threshold} for ${config.participants.length} participants`;
  if (config.bits !== want.bits || config.length !== want.length) return `vector encoding (${config.length} words mod 2^${config.bits}) differs from the job's (${want.length} words mod 2^${want.bits})`;
  if (JSON.stringify(config.graph) !== JSON.stringify(want.graph)) return 'the neighbour graph differs from the one the job implies';
  return undefined;
}
