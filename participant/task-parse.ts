/**
 * A task as it arrives over the Fleet API, decoded and validated at the participant's edge into
 * a {@link ParsedTask}: its kind, its configuration (zod-validated), the model weights and the
 * secure-aggregation step. Anything malformed is an error with a precise reason.
 */
import { TaskConfigSchema } from '../core/round/task-config.ts';
import type { TaskConfig } from '../core/round/task-config.ts';
import type { Task__Output } from '../proto/generated/fedcredit/v1/Task.ts';
import { secaggStepFromWire } from '../proto/secagg-wire.ts';
import { decodeFloat32 } from '../proto/tensor.ts';
import { formatZodError } from '../proto/validate.ts';
import type { ParsedTask } from './handler.ts';

/** Wire task kinds and the participant's names for them. */
export const KINDS = { STATS: 'stats', TRAIN: 'train', EVALUATE: 'evaluate', VERTICAL: 'vertical', SKETCH: 'sketch', TREE: 'tree' } as const;

/**
 * The last validated configurations by their exact JSON text: every step of a secure sum carries
 * the same text, which is validated once (the parse is a pure function of the text).
 */
const parsedConfigs = new (class {
  private readonly map = new Map<string, TaskConfig>();
  get(json: string): TaskConfig | undefined {
    return this.map.get(json);
  }
  set(json: string, parsed: TaskConfig): void {
    this.map.delete(json);
    this.map.set(json, parsed);
    if (this.map.size > 8) this.map.delete(this.map.keys().next().value!);
  }
})();

/** Decodes and validates a task for participant `self`; throws with a precise reason when it is malformed. */
export function parseTask(t: Task__Output, self: string): ParsedTask {
  const kind = KINDS[t.kind as keyof typeof KINDS];
  if (!kind) throw new Error(`unknown task kind ${String(t.kind)}`);
  let config = parsedConfigs.get(t.configJson);
  if (!config) {
    let raw: unknown;
    try {
      raw = JSON.parse(t.configJson);
    } catch (err) {
      throw new Error(`task config is not valid JSON: ${(err as Error).message}`);
    }
    const cfg = TaskConfigSchema.safeParse(raw);
    if (!cfg.success) throw new Error(`task config is invalid: ${formatZodError(cfg.error)}`);
    config = cfg.data;
  }
  parsedConfigs.set(t.configJson, config);
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
  };
}
