/** The error a job ends with when it cannot complete, and how stage failures are described in it. */
import type { StageFailure } from './grid.ts';

/** Why a job stopped before finishing (a clear, user-facing reason). */
export class JobFailedError extends Error {
  constructor(message: string, readonly failures: StageFailure[] = []) {
    super(message);
    this.name = 'JobFailedError';
  }
}

/** " (name: reason; …)" for a non-empty list of failures, else "". */
export function describeFailures(f: StageFailure[]): string {
  return f.length ? ` (${f.map((x) => `${x.participant}: ${x.reason}`).join('; ')})` : '';
}
