/** The error a job ends with when it cannot complete, and how stage failures are described in it. */
import type { StageFailure } from './grid.ts';

/** Why a job stopped before finishing (a clear, user-facing reason). */
export class JobFailedError extends Error {
  constructor(message: string, readonly failures: StageFailure[] = []) {
    super(message);
    this.name = 'JobFailedError';
  }
}

/**
 * " (name: reason; …)" for a non-empty list of failures, else "". Participants that failed for the
 * very same reason share one entry ("a, b: reason"), so a refusal every member gives is said once;
 * the names of an entry are sorted, so the message does not depend on the order replies arrived in.
 */
export function describeFailures(f: StageFailure[]): string {
  if (!f.length) return '';
  const byReason = new Map<string, string[]>();
  for (const x of f) byReason.set(x.reason, [...(byReason.get(x.reason) ?? []), x.participant]);
  return ` (${[...byReason].map(([reason, names]) => `${[...names].sort().join(', ')}: ${reason}`).join('; ')})`;
}
