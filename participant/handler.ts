/**
 * The participant's task handling as a chain: a {@link TaskHandler} turns a validated task into
 * a contribution (or a refusal), and {@link Mod}s wrap handlers to add behaviour (schema check,
 * secure-aggregation masking in secagg-mod.ts; later DP noise) without forking the trainer.
 */
import type { Contribution, TaskKind } from '../core/types.ts';
import type { TaskConfig } from '../core/round/task-config.ts';
import type { AheadAnswer, SecAggClientMessage, SecAggTask } from '../core/round/secure-messages.ts';

/** A task after decoding and validation at the participant's edge. */
export interface ParsedTask {
  taskId: string;
  jobId: string;
  round: number;
  kind: TaskKind;
  config: TaskConfig;
  weights?: Float32Array;
  deadline: number;
  /** Set when the task is one step of a secure sum. */
  secagg?: SecAggTask;
  /** Key-setup steps of later rounds' secure sums carried by this step (`secureAggregation.keysAhead`). */
  ahead?: SecAggTask[];
  /** t of the secure sum this local computation feeds (set by the secure-aggregation mod). */
  survivors?: number;
}

/**
 * What a handler returns: vectors for the aggregation path (plain), a secure-aggregation message,
 * or a refusal with a reason. `receipt` is the signed privacy receipt (JSON) of a DP release;
 * `noised` says the contribution carries differential-privacy noise drawn for this task (so a
 * second release of it is a fresh, separately accounted release).
 */
export type HandlerResult =
  | { contribution: Contribution; receipt?: string; noised?: boolean }
  | { secagg: SecAggClientMessage; receipt?: string; ahead?: AheadAnswer[] }
  | { refusal: { code: string; reason: string } };

/** Handles one task. */
export type TaskHandler = (task: ParsedTask) => Promise<HandlerResult>;

/** Wraps a handler. */
export type Mod = (next: TaskHandler) => TaskHandler;

/** Applies mods so that the first one listed is the outermost. */
export function chain(base: TaskHandler, mods: Mod[]): TaskHandler {
  return mods.reduceRight((h, m) => m(h), base);
}

/** Refuses any task whose schema differs from the one this node validated its data against. */
export function schemaCheckMod(localDigest: string, digestOf: (schema: unknown) => string): Mod {
  // The steps of one secure sum share their parsed configuration (participant/node.ts), hence the schema object.
  const digests = new WeakMap<object, string>();
  const digestOnce = (schema: object): string => {
    let d = digests.get(schema);
    if (d === undefined) {
      d = digestOf(schema);
      digests.set(schema, d);
    }
    return d;
  };
  return (next) => async (task) => {
    const remote = digestOnce(task.config.schema);
    if (remote !== localDigest) {
      return {
        refusal: {
          code: 'schema_mismatch',
          reason: `the job's schema (digest ${remote.slice(0, 12)}) differs from this node's schema (digest ${localDigest.slice(0, 12)}); both sides must use the same schema file`,
        },
      };
    }
    return next(task);
  };
}

/** Turns exceptions of inner handlers into refusals so that the coordinator learns why. */
export const errorToRefusalMod: Mod = (next) => async (task) => {
  try {
    return await next(task);
  } catch (err) {
    return { refusal: { code: 'error', reason: `${task.kind} task failed on this node: ${(err as Error).message}` } };
  }
};
