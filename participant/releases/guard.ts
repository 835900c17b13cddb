/**
 * One release per input. When a secure sum over U3 is unmasked, the coordinator learns Σ_{u∈U3} x_u.
 * If it could unmask the same inputs twice, over U3 and over U3 \ {v}, the difference would be
 * x_v exactly (Bonawitz et al., CCS 2017, allow one unmasking per input for this reason). So a
 * participant keeps a record of every input it helped unmask and, for an input without
 * differential-privacy noise, takes part in a later sum of the same input only over the identical
 * survivor set — the rerun of an honest coordinator that crashed — and refuses any other.
 *
 * "The same input" is (job, stage, round), and also any input with identical vectors (a SHA-256
 * digest of the exact values), so a coordinator cannot resubmit an identical job over a smaller
 * member set to difference it. A DP-noised input is drawn afresh for every attempt, with fresh
 * noise charged to the node's ledger again, so each attempt is a separate, accounted release.
 *
 * Attempts are counted too: a node takes part in at most `maxAttempts` secure sums of one input
 * (each attempt draws a fresh neighbour graph and survivor set, and a coordinator that may abort
 * and retry at will could choose among them).
 *
 * Pure: the records come from ./log.ts.
 */
import { z } from 'zod';

/** Attempts of one input a node takes part in, by default. */
export const DEFAULT_MAX_ATTEMPTS = 8;

const stage = z.enum(['stats', 'train', 'evaluate', 'sketch', 'tree']);
const common = {
  jobId: z.string().min(1),
  stage,
  round: z.int().nonnegative(),
  /** The secure sum's run id. */
  run: z.string().min(1),
  /** When it was written (ms since the epoch). */
  at: z.number(),
};

/** A secure sum of one input that this node began (step 1). */
const AttemptRecordSchema = z.strictObject({ kind: z.literal('attempt'), ...common });
/** A secure sum this node helped unmask: written before any share leaves the node. */
const ReleaseRecordSchema = z.strictObject({
  kind: z.literal('release'),
  ...common,
  /** U3, sorted. */
  survivors: z.array(z.string().min(1)).min(1),
  /** SHA-256 (hex) of the exact input vectors. */
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  /** The input carried differential-privacy noise drawn for this attempt. */
  noised: z.boolean(),
});
/** One line of the release log. */
export const ReleaseLogRecordSchema = z.discriminatedUnion('kind', [AttemptRecordSchema, ReleaseRecordSchema]);
export type ReleaseRecord = z.infer<typeof ReleaseRecordSchema>;
export type ReleaseLogRecord = z.infer<typeof ReleaseLogRecordSchema>;

/** Which input a secure sum is about. */
export interface InputKey {
  jobId: string;
  stage: 'stats' | 'train' | 'evaluate' | 'sketch' | 'tree';
  round: number;
}

const sameKey = (r: InputKey, k: InputKey) => r.jobId === k.jobId && r.stage === k.stage && r.round === k.round;
const describeKey = (k: InputKey) => `its ${k.stage} input of job ${k.jobId}, round ${k.round}`;
const list = (xs: readonly string[]) => `[${xs.join(', ')}]`;

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

/** The earlier un-noised releases of this input (same key, or identical vectors when `digest` is given). */
function earlierReleases(history: readonly ReleaseLogRecord[], key: InputKey, digest?: string): ReleaseRecord[] {
  return history.filter((r): r is ReleaseRecord => r.kind === 'release' && !r.noised && (sameKey(r, key) || (digest !== undefined && r.digest === digest)));
}

function differencingReason(e: ReleaseRecord, key: InputKey, members: readonly string[], what: string): string {
  const gone = e.survivors.filter((v) => !members.includes(v));
  const added = members.filter((v) => !e.survivors.includes(v));
  const exposed = [...gone, ...added];
  const same = sameKey(e, key) ? describeKey(key) : `exactly the same input (identical vectors) in ${e.stage} of job ${e.jobId}, round ${e.round}`;
  const who = exposed.length === 1 ? `${exposed[0]}'s input alone` : `the inputs of ${list(exposed)} alone`;
  return (
    `refusing: this node already released ${same} in a secure sum over ${list(e.survivors)} (run ${e.run}); ${what} ${list(members)} ` +
    `would let the coordinator subtract the two sums and learn ${who}. Without differential-privacy noise an input is released once, ` +
    'and again only over the identical survivor set' +
    (sameKey(e, key) ? '' : ' (a job with another seed holds out other rows and starts from another model, so its inputs differ)')
  );
}

/**
 * Before masking: why this node must not contribute an un-noised input over the set `members`
 * (U, or U2 once known) because an earlier release of it was over a set that is not contained in
 * `members`, or undefined. `digest` adds the identical-vectors check once the input is known.
 */
export function contributionProblem(history: readonly ReleaseLogRecord[], key: InputKey, members: readonly string[], digest?: string): string | undefined {
  for (const e of earlierReleases(history, key, digest)) {
    if (!e.survivors.every((v) => members.includes(v))) return differencingReason(e, key, members, 'a sum over');
  }
  return undefined;
}

/** At unmasking: why the survivor set may not be released for this input, or undefined. */
export function releaseProblem(history: readonly ReleaseLogRecord[], key: InputKey, survivors: readonly string[], digest: string, noised: boolean): string | undefined {
  if (noised) return undefined;
  for (const e of earlierReleases(history, key, digest)) {
    if (!sameSet(e.survivors, survivors)) return differencingReason(e, key, survivors, 'unmasking it again over');
  }
  return undefined;
}

/** At the first step: why this node will not begin another attempt of this input, or undefined. */
export function attemptProblem(history: readonly ReleaseLogRecord[], key: InputKey, maxAttempts: number): string | undefined {
  const runs = history.filter((r) => r.kind === 'attempt' && sameKey(r, key)).length;
  if (runs < maxAttempts) return undefined;
  return (
    `refusing: this node has begun ${runs} secure sums of ${describeKey(key)} already (its limit is ${maxAttempts}); ` +
    'a coordinator that aborts and retries without limit could choose among many survivor sets and neighbour graphs'
  );
}
