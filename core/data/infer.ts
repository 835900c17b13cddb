/**
 * Schema inference: a first draft of the shared {@link DataSchema} from one participant's file,
 * for the data scientist to review and distribute. Rules (each decision is explained in `notes`):
 * - the label column must exist and contain the positive value; its other values become `negative`;
 * - a column is numeric when every non-missing cell is a finite decimal number; numeric columns
 *   with missing cells get `missing: "mean"` and a missing indicator;
 * - otherwise it is categorical, levels sorted by descending frequency then name, with
 *   `missing: "level"` and `unseen: "other"` — unless it has more than `maxLevels` distinct values
 *   (probably an identifier or free text), in which case it is ignored;
 * - a column with no value at all is ignored.
 *
 * Pure module: no I/O.
 */
import { countValues, formatCounts, missingMarkers, parseNumberCell } from './cells.ts';
import { DataError, dataError, quoteList, quoteValue } from './errors.ts';
import type { z } from 'zod';
import type { CategoricalFeature, DataSchema } from './schema.ts';
import { DEFAULT_MISSING_VALUES, DataSchemaSchema, type NumericFeatureSchema } from './schema.ts';
import { raggedRowMessage } from './table.ts';

/** Options of {@link inferSchema}. */
export interface InferOptions {
  /** Name of the label (outcome) column. */
  label: string;
  /** Label value of the positive class (a default, e.g. "bad"). */
  positive: string;
  /** A categorical column with more distinct values than this is ignored. Default 50. */
  maxLevels?: number;
  /** Missing-value markers; default: the schema default ("", "NA", "NaN", "null"). */
  missingValues?: string[];
  /** File name for messages. Default "data". */
  file?: string;
  /** Physical line number of each row (from the CSV reader); default: row i is on line i + 2. */
  lines?: ArrayLike<number>;
}

/** Infers a schema from a header and rows (cells as strings); `notes` explain each non-obvious decision. */
export function inferSchema(header: string[], rows: string[][], opts: InferOptions): { schema: DataSchema; notes: string[] } {
  const file = opts.file ?? 'data';
  const maxLevels = opts.maxLevels ?? 50;
  const missingValues = opts.missingValues ?? [...DEFAULT_MISSING_VALUES];
  const isMissing = missingMarkers(missingValues);
  const names = header.map((h) => h.trim());
  checkInputs(names, rows, opts, file);

  const notes: string[] = [];
  // checkInputs has made sure the label is in the header and every row has names.length cells,
  // so r[labelAt] and r[k] (k < names.length) below exist.
  const labelAt = names.indexOf(opts.label);
  const labelCounts = countValues(rows.filter((r) => !isMissing(r[labelAt]!)).map((r) => r[labelAt]!.trim()));
  if (!labelCounts.some(([v]) => v === opts.positive)) {
    const seen = labelCounts.length ? formatCounts(labelCounts) : 'none (every cell is missing)';
    const close = labelCounts.find(([v]) => v.toLowerCase() === opts.positive.toLowerCase());
    throw dataError(
      { file, column: opts.label },
      `the positive label ${quoteValue(opts.positive)} does not occur in the label column; values seen: ${seen}` +
        (close ? `; did you mean ${quoteValue(close[0])}? (labels are case-sensitive)` : ''),
    );
  }
  const negative = labelCounts.map(([v]) => v).filter((v) => v !== opts.positive);
  if (negative.length === 0) notes.push(`label "${opts.label}": every row is positive; a model cannot be trained on one class`);
  const unlabelled = rows.length - labelCounts.reduce((a, [, c]) => a + c, 0);
  if (unlabelled > 0) {
    notes.push(`label "${opts.label}": ${unlabelled} row(s) have no label; loading will reject them until they are fixed or removed`);
  }

  const numeric: z.input<typeof NumericFeatureSchema>[] = []; // other options keep their defaults
  const categorical: CategoricalFeature[] = [];
  const ignore: string[] = [];
  names.forEach((name, k) => {
    if (k === labelAt) return;
    const present: string[] = [];
    let missing = 0;
    for (const r of rows) {
      const cell = r[k]!;
      if (isMissing(cell)) missing++;
      else present.push(cell.trim());
    }
    if (present.length === 0) {
      ignore.push(name);
      notes.push(`column "${name}": every value is missing; ignored`);
      return;
    }
    const nonNumeric = present.filter((v) => parseNumberCell(v) === undefined);
    if (nonNumeric.length === 0) {
      if (missing > 0) {
        numeric.push({ name, missing: 'mean', indicator: true });
        notes.push(`column "${name}": numeric with ${missing} missing value(s); imputed with the mean, plus a missing indicator`);
      } else {
        numeric.push({ name, missing: 'mean', indicator: false });
      }
      return;
    }
    if (nonNumeric.length <= 0.05 * present.length) {
      notes.push(
        `column "${name}": mostly numbers, but ${nonNumeric.length} cell(s) are not (${formatCounts(countValues(nonNumeric), 5)}); ` +
          'treated as categorical — if those cells mean "unknown", add them to missingValues and infer again',
      );
    }
    const levels = countValues(present);
    if (levels.length > maxLevels) {
      ignore.push(name);
      notes.push(
        `column "${name}": ${levels.length} distinct values (more than maxLevels = ${maxLevels}); ` +
          'probably an identifier or free text, ignored',
      );
      return;
    }
    categorical.push({ name, levels: levels.map(([v]) => v), missing: 'level', unseen: 'other' });
    if (missing > 0) notes.push(`column "${name}": categorical with ${missing} missing value(s); encoded as their own level`);
  });

  const draft = {
    version: 1,
    label: { column: opts.label, positive: opts.positive, negative },
    numeric,
    categorical,
    missingValues,
    ignore,
  };
  const parsed = DataSchemaSchema.safeParse(draft);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => i.message).join('; ');
    throw new DataError(`${file}: cannot infer a usable schema: ${why}`, { file });
  }
  return { schema: parsed.data, notes };
}

/** Structural checks before inference: header, label column, row lengths. */
function checkInputs(names: string[], rows: string[][], opts: InferOptions, file: string): void {
  if (names.length === 0 || (names.length === 1 && names[0] === '')) throw dataError({ file }, 'file is empty');
  const dup = names.find((n, k) => names.indexOf(n) !== k);
  if (dup !== undefined) {
    throw dataError({ file, line: 1 }, `the header names column ${JSON.stringify(dup)} more than once; rename or remove the duplicate`);
  }
  if (!names.includes(opts.label)) {
    const close = names.find((n) => n.toLowerCase() === opts.label.toLowerCase());
    throw dataError(
      { file, line: 1, column: opts.label },
      `the label column ${JSON.stringify(opts.label)} is not in the header; the header has: ${quoteList(names, 50)}` +
        (close ? `; did you mean ${JSON.stringify(close)}? (names are case-sensitive)` : ''),
    );
  }
  if (rows.length === 0) throw dataError({ file }, 'file has a header but no data rows');
  const bad = rows.findIndex((r) => r.length !== names.length);
  const badRow = rows[bad];
  if (badRow !== undefined) {
    throw dataError({ file, line: opts.lines ? opts.lines[bad] : bad + 2 }, raggedRowMessage(badRow, names.length));
  }
}
