/**
 * A task as it arrives over the Fleet API, decoded and validated at the participant's edge into
 * a {@link ParsedTask}: its kind, its configuration (zod-validated), the model weights and the
 * secure-aggregation step. Anything malformed is an error with a precise reason.
 */
import { TaskConfigSchema } from '../core/round/task-config.ts';
import type { TaskConfig } from '../core/round/task-config.ts';
import type { Task__Output } from '../proto/generated/fedcredit/v1/Task.ts';
import { secaggStepFromWire } from '../proto/secagg-wire.ts';
import { aheadStepsFromWire } from '../proto/ahead-wire.ts';
import { decodeFloat32 } from '../proto/tensor.ts';
import { formatZodError } from '../proto/validate.ts';
import { RecentDecodes } from '../proto/recent-decodes.ts';
import type { ParsedTask } from './handler.ts';

/** Wire task kinds and the participant's names for them. */
export const KINDS = { STATS: 'stats', TRAIN: 'train', EVALUATE: 'evaluate', VERTICAL: 'vertical', SKETCH: 'sketch', TREE: 'tree' } as const;

/** The last validated task configurations, by their JSON text. */
const parsedConfigs = new RecentDecodes<TaskConfig>(8);

function taskConfigOf(json: string): TaskConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new Error(`task config is not valid JSON: ${(err as Error).message}`);
  }
  const cfg = TaskConfigSchema.safeParse(raw);
  if (!cfg.success) throw new Error(`task config is invalid: ${formatZodError(cfg.error)}`);
  return cfg.data;
}

/** Decodes and validates a task for participant `self`; throws with a precise reason when it is malformed. */
export function parseTask(t: Task__Output, self: string): ParsedTask {
  const kind = KINDS[t.kind as keyof typeof KINDS];
  if (!kind) throw new Error(`unknown task kind ${String(t.kind)}`);
  const config = parsedConfigs.get(t.configJson, taskConfigOf);
  const w = t.weights.find((x) => x.name === 'weights');
  return {
    taskId: t.taskId,
    jobId: t.jobId,
    round: t.round,
    kind,
    config,
    weights: w ? decodeFloat32(w) : undefined,
    deadline: t.deadlineUnixMs,
    ...(t.secagg ? { secagg: secaggStepFromWire(t.secagg, self) } : {}),
    ...(t.secagg && t.ahead?.length ? { ahead: aheadStepsFromWire(t.ahead, self) } : {}),
  };
}
