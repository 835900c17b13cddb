/**
 * Loads a job file and the schema it names (or `--schema` overrides), with errors that name the
 * file and the field. A vertical job file (`"partition": "vertical"`) needs no schema: each party
 * describes its own columns; {@link loadAnyJobFile} reads either kind.
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
import { isVerticalJob, VerticalJobSpecSchema } from '../core/vertical/spec.ts';
import type { VerticalJobSpec } from '../core/vertical/spec.ts';

/** A job with its schema, ready to submit. */
export interface LoadedJob {
  job: JobSpec;
  schema: DataSchema;
  jobFile: string;
  schemaFile: string;
}

/** A vertical job file, validated. */
export interface LoadedVerticalJob {
  vertical: VerticalJobSpec;
  jobFile: string;
}

/** The parsed JSON of a job file, with errors naming the file. */
function readJobJson(jobFile: string): unknown {
  let text: string;
  try {
    text = readFileSync(jobFile, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read job file ${jobFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${jobFile}: not valid JSON: ${(err as Error).message}`);
  }
}

/** Reads and validates `jobFile`; the schema comes from `schemaOverride` or the job's `schema` path. */
export function loadJobFile(jobFile: string, schemaOverride?: string, overrides: Partial<JobSpec> = {}): LoadedJob {
  const raw = readJobJson(jobFile);
  if (isVerticalJob(raw)) throw new UsageError(`${jobFile}: a vertical job ("partition": "vertical") is not accepted here (fedcredit run and fedcredit simulate take vertical jobs)`);
  return horizontal(raw, jobFile, schemaOverride, overrides);
}

/**
 * Reads either kind of job file: a vertical one (`"partition": "vertical"`, no schema; the
 * horizontal `overrides` and `schemaOverride` do not apply to it) or a horizontal one with its schema.
 */
export function loadAnyJobFile(jobFile: string, schemaOverride?: string, overrides: Partial<JobSpec> = {}): LoadedJob | LoadedVerticalJob {
  const raw = readJobJson(jobFile);
  if (!isVerticalJob(raw)) return horizontal(raw, jobFile, schemaOverride, overrides);
  const parsed = VerticalJobSpecSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`${jobFile}: ${formatZodError(parsed.error)}`);
  return { vertical: parsed.data, jobFile };
}

/** True for a loaded vertical job file. */
export function isLoadedVertical(j: LoadedJob | LoadedVerticalJob): j is LoadedVerticalJob {
  return 'vertical' in j;
}

function horizontal(raw: unknown, jobFile: string, schemaOverride: string | undefined, overrides: Partial<JobSpec>): LoadedJob {
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
