/** A one-line description of a job's model over its schema, for status lines and logs. */
import type { DataSchema } from '../data/schema.ts';
import { inputDim } from '../data/schema.ts';
import type { JobSpec } from '../job.ts';
import { treeFeatureNames } from '../trees/features.ts';
import { layoutSize } from '../types.ts';
import { modelLayout } from './layout.ts';

/** E.g. "logistic model, 12 inputs, 13 parameters" or "gbdt model, 100 trees of depth ≤ 4 over 14 features". */
export function modelSummary(job: Pick<JobSpec, 'model' | 'rounds'>, schema: DataSchema): string {
  if (job.model.type === 'gbdt') return `gbdt model, ${job.rounds} trees of depth ≤ ${job.model.maxDepth} over ${treeFeatureNames(schema).length} features`;
  const dim = inputDim(schema);
  return `${job.model.type} model, ${dim} inputs, ${layoutSize(modelLayout(job.model, dim))} parameters`;
}
