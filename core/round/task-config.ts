/**
 * The configuration carried by every task (`Task.config_json` on the wire). The coordinator
 * builds it; the participant validates it with {@link TaskConfigSchema} before touching data.
 */
import { z } from 'zod';
import { JobSpecSchema, TrainSpecSchema } from '../job.ts';
import type { FitConfig, JobSpec } from '../job.ts';
import { DataSchemaSchema } from '../data/schema.ts';
import type { DataSchema } from '../data/schema.ts';

export const PreprocessingSchema = z
  .object({
    mean: z.array(z.number()),
    std: z.array(z.number().positive()),
    n: z.number().min(0),
    positives: z.number().min(0),
    /** gbdt jobs: the bin edges of every numeric feature, from the federated sketch (ascending). */
    edges: z.array(z.array(z.number()).max(65_534)).optional(),
  })
  .strict();

const nodeIndex = z.number().int().min(-1).max(1 << 13);
/** One level of one tree of a gbdt job: the tree so far and the nodes whose histograms are asked for. */
export const TreeStepSchema = z
  .object({
    /** The tree (= round) being grown. */
    tree: z.number().int().min(1),
    level: z.number().int().min(0).max(12),
    partial: z
      .object({ feature: z.array(nodeIndex), bin: z.array(z.number().int().min(0).max(65_535)), defaultLeft: z.array(z.union([z.literal(0), z.literal(1)])), left: z.array(nodeIndex), right: z.array(nodeIndex) })
      .strict()
      .refine((p) => [p.bin, p.defaultLeft, p.left, p.right].every((a) => a.length === p.feature.length) && p.feature.length >= 1, 'the partial tree\'s arrays must all have one entry per node'),
    nodes: z.array(z.number().int().min(0)).min(1).max(1 << 12),
  })
  .strict();
export type TreeStep = z.infer<typeof TreeStepSchema>;

export const FitConfigSchema = z
  .object({
    train: TrainSpecSchema,
    mu: z.number().min(0),
    classWeights: z.object({ positive: z.number().positive(), negative: z.number().positive() }).strict(),
    seed: z.number().int().min(0),
    clipNorm: z.number().positive().max(1e12).optional(),
  })
  .strict();

export const TaskConfigSchema = z
  .object({
    jobId: z.string().min(1).max(200),
    job: JobSpecSchema,
    schema: DataSchemaSchema,
    preprocessing: PreprocessingSchema.optional(),
    fit: FitConfigSchema.optional(),
    tree: TreeStepSchema.optional(),
    /** The participants of a final evaluation with personalization, in the order of their value slots. */
    members: z.array(z.string().min(1).max(128)).max(100_000).optional(),
    /**
     * A train task whose weights (round − 1's model) the member also evaluates on its held-out
     * rows: that round's number (core/round/carried-evaluation.ts).
     */
    evaluates: z.number().int().min(0).optional(),
  })
  .strict();

/** Federated preprocessing parameters (means and standard deviations of numeric features). */
export type PreprocessingParams = z.infer<typeof PreprocessingSchema>;

/** What a task tells a participant. */
export interface TaskConfig {
  jobId: string;
  job: JobSpec;
  schema: DataSchema;
  preprocessing?: PreprocessingParams;
  fit?: FitConfig;
  tree?: TreeStep;
  members?: string[];
  evaluates?: number;
}
