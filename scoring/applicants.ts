/**
 * Applicants to score, as a validated {@link Table} of the model's schema: from a CSV file (the
 * training data's own validation, participant/data/load.ts, with the label column optional) or
 * from JSON objects (the scoring service), whose fields are checked with zod first so that an
 * error names the applicant's index and field. Both end in core/data/table.ts `validateTable`,
 * so a cell means the same whichever way it arrives.
 */
import { z } from 'zod';
import { DataError, dataError } from '../core/data/errors.ts';
import type { DataSchema } from '../core/data/schema.ts';
import type { Table } from '../core/data/table.ts';
import { validateTable } from '../core/data/table.ts';
import { formatJsonPath } from '../participant/data/load.ts';
import { readCsvFile } from '../participant/data/csv.ts';

/** Applicants ready to score. */
export interface Applicants {
  table: Table;
  /** Whether the rows carry the label (then `table.labels` holds it). */
  labelled: boolean;
  /** Each applicant's identifier: the id column's value, or its 1-based data row number. */
  ids: string[];
  warnings: string[];
}

/**
 * Reads an applicants CSV against the model's schema. The label column may be absent; every
 * feature column must be there. `idColumn` names a column whose values identify the rows in the
 * output (it must exist; it is not a model input).
 */
export function readApplicantsCsv(file: string, schema: DataSchema, opts: { idColumn?: string; maxErrors?: number } = {}): Applicants {
  const { header, rows, lines } = readCsvFile(file);
  let ids: string[];
  if (opts.idColumn !== undefined) {
    const at = header.findIndex((h) => h.trim() === opts.idColumn);
    if (at < 0) throw dataError({ file, line: 1, column: opts.idColumn }, `the id column ${JSON.stringify(opts.idColumn)} is not in the header`);
    ids = rows.map((r) => (r[at] ?? '').trim());
  } else ids = rows.map((_, i) => String(i + 1));
  const idSchema = opts.idColumn !== undefined && !schema.ignore.includes(opts.idColumn) ? { ...schema, ignore: [...schema.ignore, opts.idColumn] } : schema;
  const { table, warnings, labelled } = validateTable(header, rows, idSchema, file, { lines, labelOptional: true, ...(opts.maxErrors !== undefined ? { maxErrors: opts.maxErrors } : {}) });
  return { table, labelled, ids, warnings };
}

/** A JSON cell: a number, a string, or null for a missing value. */
const Cell = z.union([z.number(), z.string(), z.null()]);

/**
 * The zod schema of one applicant object for `schema`: every feature field present, numbers for
 * numeric features (null when missing), strings for categorical ones (null when missing); unknown
 * categories and missing values only where the schema allows them. Other fields are ignored.
 */
export function applicantSchema(schema: DataSchema) {
  const shape: Record<string, z.ZodType> = {};
  const canMiss = schema.missingValues.length > 0;
  const noMissing = `a missing value is not allowed for this feature${canMiss ? '' : ' (the schema lists no missing-value marker)'}`;
  /** A field checked by `check`, which returns the problem with a present, non-null value (or nothing). */
  const field = (allowNull: boolean, check: (v: unknown) => string | undefined) =>
    z.unknown().superRefine((v, ctx) => {
      const problem = v === undefined ? 'the field is missing (send null for a missing value)' : v === null ? (allowNull ? undefined : noMissing) : check(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
  const got = (v: unknown) => `got ${typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : Array.isArray(v) ? 'an array' : typeof v}`;
  for (const f of schema.numeric) {
    shape[f.name] = field(f.missing !== 'error' && canMiss, (v) => (typeof v === 'number' && Number.isFinite(v) ? undefined : `expected a finite number, ${got(v)}`));
  }
  for (const f of schema.categorical) {
    const levels = new Set(f.levels);
    shape[f.name] = field(f.missing !== 'error' && canMiss, (v) => {
      if (typeof v !== 'string') return `expected a string (one of the levels), ${got(v)}`;
      if (f.unseen !== 'other' && !levels.has(v.trim())) return `unknown category ${got(v).slice(4)}; the schema's levels are ${f.levels.map((l) => JSON.stringify(l)).join(', ')}`;
      return undefined;
    });
  }
  return z.looseObject(shape);
}

/** The request body of the scoring service: `{ applicants: [...] }` and optional per-request settings. */
export function scoreRequestSchema(schema: DataSchema, maxApplicants: number) {
  return z.strictObject({
    applicants: z.array(applicantSchema(schema)).min(1, 'at least one applicant is needed').max(maxApplicants, `at most ${maxApplicants} applicants per request`),
    reasons: z.number().int().min(0).max(50).optional(),
  });
}

/** Renders the first zod issues as `applicants[3].Age: expected number, received string`. */
export function describeIssues(error: z.ZodError, max = 10): string[] {
  return error.issues.slice(0, max).map((i) => `${formatJsonPath(i.path) || '(body)'}: ${i.message}`);
}

/**
 * Applicants from JSON objects already checked with {@link applicantSchema}: each becomes one row
 * of strings (null → the schema's first missing-value marker) and goes through `validateTable`.
 */
export function applicantsFromObjects(objects: readonly Record<string, unknown>[], schema: DataSchema): Applicants {
  const columns = [...schema.numeric.map((f) => f.name), ...schema.categorical.map((f) => f.name)];
  const missing = schema.missingValues[0] ?? '';
  const rows = objects.map((o) => columns.map((c) => {
    const v = Cell.parse(o[c]);
    return v === null ? missing : String(v);
  }));
  try {
    const { table, warnings } = validateTable(columns, rows, schema, 'applicants', { labelOptional: true, lines: objects.map((_, i) => i) });
    return { table, labelled: false, ids: objects.map((_, i) => String(i)), warnings };
  } catch (err) {
    // The zod check above covers what validateTable refuses; this keeps any remaining case readable.
    if (err instanceof DataError) throw new DataError(`${err.message} (a line number here is the applicant's index)`, { file: 'applicants' }, { cause: err, problems: err.problems });
    throw err;
  }
}
