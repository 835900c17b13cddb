/**
 * Does a participant's reply fit the task it answers? The transport (coordinator/fleet-grid.ts)
 * asks this at delivery, so a reply of the wrong kind or size is rejected there — its sender is
 * told exactly what is wrong, and the task counts as that participant's failure with the same
 * reason — instead of surfacing later in the sum. The sum protocols keep their own checks
 * (sum-protocol.ts `shapeProblem`, the secure-aggregation server machine) as a second line.
 *
 * Beyond shape, a plain reply must make sense as what it claims to be: where a vector carries
 * counts, they are non-negative whole numbers ({@link countsProblem}); a reply that fails this is
 * that participant's failure too, never an aggregate nobody can read.
 */
import type { Contribution, TaskKind } from '../types.ts';
import { MEMBER_VALUE, PERSONAL_HISTOGRAMS } from '../personalize/release.ts';
import type { StageReply, StageTask } from './grid.ts';
import { expectedReply } from './secure-messages.ts';
import { shapeProblem } from './sum-protocol.ts';

/** Why `reply` cannot answer `task`, in words, or null when it fits. Pure; never throws. */
export function replyProblem(task: StageTask, reply: StageReply): string | null {
  if (task.secagg) {
    const step = task.secagg.message.type;
    const want = expectedReply(task.secagg);
    if (!('secagg' in reply)) return `the task is the "${step}" step of a secure sum and expects reply type ${want ?? 'secure-aggregation'}, not a plain contribution`;
    if (want !== undefined && reply.secagg.type !== want) return `the task is the "${step}" step of a secure sum and expects reply type ${want}, not ${reply.secagg.type}`;
    if (reply.secagg.type === 'masked-input') {
      const { length, bits } = task.secagg.config;
      const y = reply.secagg.y;
      if (y.length !== length) return `masked input has ${y.length} words, expected ${length}`;
      if (bits < 32) {
        const limit = 2 ** bits;
        for (let i = 0; i < y.length; i++) {
          if (y[i]! >= limit) return `masked input word ${i} is ${y[i]}, not below 2^${bits}`;
        }
      }
    }
    return null;
  }
  if (task.vertical) return 'vertical' in reply ? null : `the task is a step of a vertical job and expects a vertical reply`;
  if ('vertical' in reply) return `the task is a ${task.kind} stage and expects no vertical reply`;
  if ('secagg' in reply) return `the task is a plain ${task.kind} stage and expects a contribution, not a secure-aggregation ${reply.secagg.type} message`;
  if (!task.replyShape) return null;
  return shapeProblem(reply.contribution, task.replyShape) ?? (exactReleases(task) ? countsProblem(task.kind, reply.contribution) : null);
}

/**
 * Whether the task's job has participants release exact values. Jobs with record-level
 * differential privacy do not: their participants may add noise to what they release, which
 * makes counts fractional or negative, so their counts are not checked.
 */
function exactReleases(task: StageTask): boolean {
  const job = (task.config as { job?: { privacy?: { mode?: unknown } } } | null | undefined)?.job;
  return job?.privacy?.mode !== 'record';
}

/** Why `x` cannot be a count, or null when it is a non-negative whole number. */
function notCount(x: number): string | null {
  return Number.isInteger(x) && x >= 0 ? null : 'a count must be a non-negative whole number';
}

/**
 * Why the counts in a plain contribution of stage `kind` are impossible, or null when they are
 * possible (or the vectors are absent: shape is checked separately). Layouts:
 *   stats    — `label` = [rows, positives]; `stats` = [count_j, Σx_j, Σx²_j] per numeric feature,
 *              so every third entry from index 0 is a count (at most the rows);
 *   evaluate — `hist` (and `histPersonal`, `histLocal`) = per-class bin counts; `loss` = [Σ log-loss,
 *              Σ Brier, n, positives]; `memberValue` = flags and AUCs, all in [0, 1];
 *   train    — `weight` = [examples] (FedAvg weight), never negative.
 * Positives never exceed their rows. Pure; never throws.
 */
export function countsProblem(kind: TaskKind, c: Contribution): string | null {
  const check = (name: string, i: number, what: string): string | null => {
    const x = c[name]?.[i];
    if (x === undefined) return null;
    const bad = notCount(x);
    return bad && `vector "${name}" element ${i} (${what}) is ${x}: ${bad}`;
  };
  const atMost = (name: string, i: number, what: string, limit: number, of: string): string | null => {
    const x = c[name]?.[i];
    return x !== undefined && x > limit ? `vector "${name}" element ${i} (${what}) is ${x}, more than the ${limit} ${of}` : null;
  };
  if (kind === 'stats') {
    const rows = c.label?.[0] ?? Infinity;
    const bad = check('label', 0, 'rows') ?? check('label', 1, 'positives') ?? atMost('label', 1, 'positives', rows, 'rows');
    if (bad) return bad;
    const stats = c.stats ?? new Float64Array(0);
    for (let i = 0; i < stats.length; i += 3) {
      const what = `count of numeric feature ${i / 3}`;
      const wrong = check('stats', i, what) ?? atMost('stats', i, what, rows, 'rows');
      if (wrong) return wrong;
    }
    return null;
  }
  if (kind === 'evaluate') {
    for (const name of ['hist', ...PERSONAL_HISTOGRAMS]) {
      const hist = c[name] ?? new Float64Array(0);
      for (let i = 0; i < hist.length; i++) {
        const bad = check(name, i, 'bin count');
        if (bad) return bad;
      }
    }
    const value = c[MEMBER_VALUE] ?? new Float64Array(0);
    const outside = value.findIndex((x) => !(x >= 0 && x <= 1));
    if (outside >= 0) return `vector "${MEMBER_VALUE}" element ${outside} is ${value[outside]}: a released flag or AUC lies in [0, 1]`;
    const n = c.loss?.[2] ?? Infinity;
    return check('loss', 2, 'rows n') ?? check('loss', 3, 'positives') ?? atMost('loss', 3, 'positives', n, 'rows');
  }
  const w0 = c.weight?.[0];
  return w0 !== undefined && !(w0 >= 0) ? `vector "weight" element 0 (training weight) is ${w0}: a weight must not be negative` : null;
}
