/**
 * Size limits at the wire edge (validate once, at the edge): how large a vector,
 * a name, a list or a model may be before anything is allocated for it, and how much of a problem
 * description goes back in a gRPC status. Inbound decoders (tensor.ts, secagg-wire.ts,
 * validate.ts) and the Control service check against these; the core then trusts its inputs.
 */
import { inputDim } from '../core/data/schema.ts';
import type { DataSchema } from '../core/data/schema.ts';
import type { JobSpec } from '../core/job.ts';
import { MAX_DEADLINE_MS } from '../core/job.ts';
import { modelLayout } from '../core/model/layout.ts';
import { layoutSize } from '../core/types.ts';

/**
 * Most parameters a model may have (2^24 ≈ 16.8 M): its float32 weights (64 MiB) travel in one
 * Task, and a plain float64 update (128 MiB) in one PushResult, under the default 256 MiB message
 * limit. Credit-risk models are many orders of magnitude smaller.
 */
export const MAX_MODEL_PARAMETERS = 1 << 24;

/** Most elements of one inbound tensor: no vector of a job is longer than its model. */
export const MAX_TENSOR_ELEMENTS = MAX_MODEL_PARAMETERS;

/** Most dimensions of a tensor's shape. */
export const MAX_TENSOR_RANK = 8;

/** Most named vectors in one contribution (a stage uses at most four). */
export const MAX_CONTRIBUTION_VECTORS = 64;

/** Longest tensor / vector name. */
export const MAX_NAME_CHARS = 128;

/** Longest opaque identifier (task id, job id, session token). */
export const MAX_ID_CHARS = 200;

/** Longest problem description sent back in a gRPC status (longer ones are cut with a note). */
export const MAX_STATUS_DETAILS = 2000;

/** Longest timer the runtime supports (setTimeout), in ms: job deadlines may not exceed it (core/job.ts). */
export const MAX_TIMER_MS = MAX_DEADLINE_MS;

/**
 * `text` as well-formed UTF-16: every lone surrogate (half of a pair, e.g. from a string cut
 * between the two halves of an emoji) becomes U+FFFD. gRPC sends status details as UTF-8, which
 * cannot encode a lone surrogate: grpc-js then replaces the whole status with UNKNOWN.
 */
export function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/**
 * `text` made {@link wellFormed} and cut to at most `max` UTF-16 code units (plus a note of how
 * much was cut), never between the two halves of a surrogate pair. Problem descriptions may quote
 * what the sender sent (a key name, a vector name, a JSON parser's excerpt of the input): an
 * unbounded quote in a status would exceed HTTP/2 header limits, and a lone surrogate could not be
 * encoded at all; either way the caller would never see the status. Every gRPC status detail the
 * coordinator sends passes through here.
 */
export function clipText(text: string, max = MAX_STATUS_DETAILS): string {
  const whole = wellFormed(text);
  if (whole.length <= max) return whole;
  const note = ` … (${whole.length - max} more characters)`;
  return headOf(whole, Math.max(0, max - note.length)) + note;
}

/** The first `max` UTF-16 code units of `text`, one fewer when the cut would split a surrogate pair. */
export function headOf(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, max > 0 && last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/**
 * Why a validated job cannot run at this size, or null: its model must have at most
 * {@link MAX_MODEL_PARAMETERS} parameters over the schema's encoded inputs.
 */
export function jobSizeProblem(job: Pick<JobSpec, 'model' | 'rounds'>, schema: DataSchema): string | null {
  const dim = inputDim(schema);
  if (job.model.type === 'gbdt') {
    // A packed boosted model: 3 header numbers, and per tree its node count plus 6 per node.
    const numbers = 3 + job.rounds * (1 + 6 * (2 ** (job.model.maxDepth + 1) - 1));
    return numbers > MAX_MODEL_PARAMETERS ? `${job.rounds} trees of depth ${job.model.maxDepth} can take ${numbers} numbers, more than the limit of ${MAX_MODEL_PARAMETERS}` : null;
  }
  const params = layoutSize(modelLayout(job.model, dim));
  if (!Number.isSafeInteger(params) || params > MAX_MODEL_PARAMETERS) {
    return `the ${job.model.type} model over ${dim} encoded inputs has ${params} parameters, more than the limit of ${MAX_MODEL_PARAMETERS}`;
  }
  return null;
}
