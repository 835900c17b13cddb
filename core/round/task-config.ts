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
  })
  .strict();

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
    /** The participants of a final evaluation with personalization, in the order of their value slots. */
    members: z.array(z.string().min(1).max(128)).max(100_000).optional(),
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
  members?: string[];
}
