/**
 * Small hand-made models for the scoring tests: a schema with a numeric feature that has a
 * missing indicator, a plain numeric feature and a categorical feature with "other" and
 * "missing" levels; a logistic regression and a gbdt model over it whose contributions are easy
 * to work out by hand; and a writer of their packages.
 */
import { DataSchemaSchema } from '../core/data/schema.ts';
import type { DataSchema } from '../core/data/schema.ts';
import type { z } from 'zod';
import { JobSpecSchema } from '../core/job.ts';
import type { JobSpec, ModelSpecSchema } from '../core/job.ts';
import type { PreprocessingParams } from '../core/round/task-config.ts';
import { boostedFromJson } from '../core/trees/model-json.ts';
import { writeModelPackage } from './package-write.ts';
import type { WrittenPackage } from './package-write.ts';

export const TEST_SCHEMA: DataSchema = DataSchemaSchema.parse({
  label: { column: 'default', positive: 'yes', negative: ['no'] },
  numeric: [
    { name: 'income', indicator: true, range: [0, 1000] },
    { name: 'age', range: [18, 90] },
  ],
  categorical: [{ name: 'home', levels: ['own', 'rent'], unseen: 'other' }],
  ignore: ['note'],
});

/** Federated statistics: income mean 200, std 100; age mean 40, std 10. */
export const TEST_PREP: PreprocessingParams = { mean: [200, 40], std: [100, 10], n: 1000, positives: 100 };

/**
 * Logistic regression over the inputs income, income__missing, age, home=own, home=rent,
 * home=__other__, home=__missing__, then the bias.
 */
export const LOGISTIC_WEIGHTS = Float32Array.of(-0.6, 0.5, -0.2, -0.3, 0.4, 0.1, 0.2, -2);

/**
 * Two trees over the tree features income, age, home=own, home=rent, home=__other__,
 * home=__missing__: income ≤ 150 → +0.9, else (or missing) −0.4; renting → +0.3, else −0.1.
 */
export const TREES_JSON = {
  format: 'fedcredit-boosted-trees/1',
  baseScore: -1.5,
  features: ['income', 'age', 'home=own', 'home=rent', 'home=__other__', 'home=__missing__'],
  trees: [
    { nodes: [{ feature: 'income', threshold: 150, missing: 'right', left: 1, right: 2 }, { leaf: 0.9 }, { leaf: -0.4 }] },
    { nodes: [{ feature: 'home=rent', threshold: 0.5, missing: 'left', left: 1, right: 2 }, { leaf: -0.1 }, { leaf: 0.3 }] },
  ],
};

/** A job's `model` field as written in a job file (defaults not yet filled in). */
export type ModelField = z.input<typeof ModelSpecSchema>;

/** The job of a test model. */
export function testJob(model: ModelField): JobSpec {
  return JobSpecSchema.parse({ name: 'scoring-test', model, minParticipants: 3, evaluation: { bins: 100 } });
}

/** Writes the package of a test model ("logistic", "gbdt", or an MLP with the given weights) to `dir`. */
export function writeTestPackage(dir: string, model: ModelField, weights?: Float32Array): Promise<WrittenPackage> {
  const job = testJob(model);
  const w = weights ?? (job.model.type === 'gbdt' ? boostedFromJson(TREES_JSON) : LOGISTIC_WEIGHTS);
  return writeModelPackage(dir, {
    jobId: `job-${job.model.type}`, job, schema: TEST_SCHEMA, preprocessing: TEST_PREP, weights: w,
    guarantee: 'secure aggregation (test)', aggregation: 'secagg', members: ['a', 'b', 'c'],
    metrics: { auc: 0.75, ks: 0.4, gini: 0.5, logLoss: 0.3, brier: 0.1, n: 300, positives: 30 },
    createdAt: '2026-12-05T00:00:00.000Z', finishedAt: '2026-12-05T00:01:00.000Z',
  });
}
