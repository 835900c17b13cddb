/**
 * Loads a job file and the schema it names (or `--schema` overrides), with errors that name the
 * file and the field.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { JobSpecSchema } from '../core/job.ts';
import type { JobSpec } from '../core/job.ts';
import type { DataSchema } from '../core/data/schema.ts';
import { loadSchemaFile } from '../participant/data/load.ts';
import { formatZodError } from '../proto/validate.ts';
import { UsageError } from './errors.ts';
import { recordPrivacyProblem } from '../core/privacy/record-plan.ts';

/** A job with its schema, ready to submit. */
export interface LoadedJob {
  job: JobSpec;
  schema: DataSchema;
  jobFile: string;
  schemaFile: string;
}

/** Reads and validates `jobFile`; the schema comes from `schemaOverride` or the job's `schema` path. */
export function loadJobFile(jobFile: string, schemaOverride?: string, overrides: Partial<JobSpec> = {}): LoadedJob {
  let text: string;
  try {
    text = readFileSync(jobFile, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read job file ${jobFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${jobFile}: not valid JSON: ${(err as Error).message}`);
  }
  const merged = raw && typeof raw === 'object' ? { ...(raw as object), ...overrides } : raw;
  const parsed = JobSpecSchema.safeParse(merged);
  if (!parsed.success) throw new UsageError(`${jobFile}: ${formatZodError(parsed.error)}`);
  const job = parsed.data;
  const schemaFile = schemaOverride ?? (job.schema ? path.resolve(path.dirname(jobFile), job.schema) : undefined);
  if (!schemaFile) throw new UsageError(`${jobFile}: the job names no "schema" file; add one or pass --schema FILE`);
  const schema = loadSchemaFile(schemaFile);
  const unbounded = recordPrivacyProblem(job, schema);
  if (unbounded) throw new UsageError(`${jobFile} with ${schemaFile}: ${unbounded}`);
  return { job, schema, jobFile, schemaFile };
}
