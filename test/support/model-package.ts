/**
 * Writes a model package the way `fedcredit run --out` does, through the package writer
 * (scoring/package-write.ts), from a job's rounds as the simulator reports them: the last round's
 * members and metrics are the job's. Used by the export tests, which need saved models without a
 * coordinator process.
 */
import type { EvalMetrics } from '../../core/metrics/histogram.ts';
import { writeModelPackage } from '../../scoring/package-write.ts';
import type { ModelPackageInput } from '../../scoring/package-write.ts';

/** What goes into a saved model directory. */
export interface SavedModelInput extends Omit<ModelPackageInput, 'aggregation' | 'members' | 'metrics'> {
  /** Members and metrics of each round (round 0 first); the last round's are the job's. */
  rounds: { round: number; participants: string[]; metrics: EvalMetrics }[];
}

/** Writes `dir` as `run --out` would; returns `dir`. */
export async function writeSavedModel(dir: string, { rounds, ...o }: SavedModelInput): Promise<string> {
  const last = rounds.at(-1);
  if (!last) throw new Error('writeSavedModel: a saved model needs at least one round');
  await writeModelPackage(dir, { ...o, aggregation: o.job.aggregation, members: last.participants, metrics: last.metrics });
  return dir;
}
