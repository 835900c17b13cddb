/**
 * The `model` field of a job: the built-in dense models (logistic regression, the MLP), gradient-
 * boosted trees, and models registered by name. Validated with zod wherever a job is.
 */
import { z } from 'zod';

export const ModelSpecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('logistic') }).strict(),
  z
    .object({
      type: z.literal('mlp'),
      hidden: z.array(z.number().int().min(1).max(4096)).min(1).max(32).default([16]),
      dropout: z.number().min(0).max(0.9).default(0),
      activation: z.enum(['relu', 'tanh', 'elu']).default('relu'),
    })
    .strict(),
  /**
   * Gradient-boosted trees (XGBoost-style second-order boosting on quantile bins): one tree per
   * round, so `rounds` is the number of trees. The `train` and `strategy` blocks do not apply.
   */
  z
    .object({
      type: z.literal('gbdt'),
      /** Largest depth of a tree (a tree of depth D costs at most D secure sums). */
      maxDepth: z.number().int().min(1).max(12).default(4),
      /** Shrinkage η applied to every leaf. */
      learningRate: z.number().gt(0).max(1).default(0.1),
      /** L2 penalty λ on leaf weights. */
      lambda: z.number().min(0).max(1e6).default(1),
      /** Minimum loss reduction γ for a split. */
      gamma: z.number().min(0).max(1e6).default(0),
      /** Smallest hessian sum of a child (over the whole consortium). */
      minChildWeight: z.number().min(0).max(1e9).default(1),
      /** Fraction of its rows each member uses per tree (drawn by the member). */
      rowSubsample: z.number().gt(0).max(1).default(1),
      /** Fraction of the features each tree may split on. */
      featureSubsample: z.number().gt(0).max(1).default(1),
      /** Quantile bins per numeric feature (the missing bin comes on top). */
      maxBins: z.number().int().min(2).max(1024).default(32),
      /** Points of the public grid each member counts its values over to find the bin edges. */
      sketchGrid: z.number().int().min(16).max(65_536).default(1024),
    })
    .strict(),
  /**
   * A model registered in every process that handles the job (core/model/registry.ts); `params`
   * are checked against the registered model's own schema when the job is validated.
   */
  z
    .object({
      type: z.literal('custom'),
      name: z.string().min(1).max(64),
      params: z.record(z.string(), z.unknown()).default({}),
    })
    .strict(),
]);
export type ModelSpec = z.infer<typeof ModelSpecSchema>;

/** The name a model goes by in policies and reports: the built-in type, or a custom model's name. */
export function modelName(spec: ModelSpec): string {
  return spec.type === 'custom' ? spec.name : spec.type;
}
