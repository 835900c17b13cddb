/**
 * Warnings about a job that the coordinator can give at once, when the job is submitted, and that
 * every watcher of the job receives (`fedcredit run` and `simulate` print them):
 *
 *  - without a roster, named participants that are not connected: a misspelt name would otherwise
 *    only show when the wait for participants ends (with a roster, such a job is refused:
 *    coordinator/job-queue.ts `unrosteredProblem`);
 *  - a secure round that tolerates no dropout (core/round/dropout-tolerance.ts), when the number
 *    of members is known: the job's listed participants, or else the roster's members.
 */
import type { JobSpec } from '../core/job.ts';
import { noDropoutWarning } from '../core/round/dropout-tolerance.ts';

/** Levenshtein distance of two short names (for "did you mean"). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** The closest of `candidates` to `name` within two edits, if one is. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d <= 2 && d > 0 && (!best || d < best.d)) best = { name: c, d };
  }
  return best?.name;
}

/** What the coordinator knows when a job is submitted. */
export interface SubmissionContext {
  /** Names the roster lists, when the coordinator has one. */
  rosterNames?: readonly string[];
  /** Names of the participants connected now. */
  connected: readonly string[];
}

/** The warnings for `job` at submission (see the module header); empty when there is nothing to say. */
export function submissionWarnings(job: JobSpec, ctx: SubmissionContext): string[] {
  const out: string[] = [];
  const named = job.participants ?? [];
  if (!ctx.rosterNames && named.length > 0) {
    const missing = named.filter((n) => !ctx.connected.includes(n));
    for (const n of missing) {
      const guess = closestName(n, ctx.connected.filter((c) => !named.includes(c)));
      out.push(
        `the job's participants name "${n}", which is not connected to this coordinator (connected: ${ctx.connected.length ? ctx.connected.join(', ') : 'none'})` +
          (guess ? `; did you mean "${guess}"?` : '') +
          `; without a roster the coordinator cannot tell a misspelt name from a member not started yet, so the job waits up to ${job.deadlines.waitForParticipantsMs} ms for it`,
      );
    }
  }
  const members = named.length > 0 ? { n: named.length, whose: `the job's ${named.length} listed participants` } : ctx.rosterNames ? { n: ctx.rosterNames.length, whose: `the roster's ${ctx.rosterNames.length} members` } : undefined;
  const dropout = members && noDropoutWarning(job, members.n, members.whose);
  if (dropout) out.push(dropout);
  return out;
}
