/**
 * The input contract of an exported ONNX model: one float32 row per applicant with the columns
 * {@link onnxInputColumns} names, in that order —
 *
 *  - each numeric feature, in schema order, in its original units as it appears in the CSV
 *    (before any `log` transform, range clipping or standardization, all of which the graph
 *    does), or NaN when the value is missing;
 *  - then, per categorical feature in schema order, one 0/1 column per encoded level
 *    (`encodedLevels`: the schema's levels, then `__other__` for values outside them when
 *    `unseen` is "other", then `__missing__` when `missing` is "level"), exactly one of them 1.
 *
 * The graph adds the missing-value indicators a schema asks for itself, from the NaNs, so the
 * caller never computes anything but the one-hot columns. {@link onnxInputRows} builds these
 * rows from a validated {@link Table}, the same table the native encoder reads.
 */
import type { DataSchema } from '../../core/data/schema.ts';
import { encodedLevels } from '../../core/data/schema.ts';
import type { Table } from '../../core/data/table.ts';
import { CoreInputError } from '../../core/types.ts';

/** Name of the graph's input. */
export const ONNX_INPUT = 'applicant';
/** Name of the output with the probability of default, shape [N, 1]. */
export const ONNX_PROBABILITY = 'probability';
/** Name of the output with the model's logit ln(p / (1 − p)), shape [N, 1]. */
export const ONNX_LOGIT = 'logit';

/** Names of the ONNX input columns, in order: numeric features, then `feature=level` one-hot columns. */
export function onnxInputColumns(schema: DataSchema): string[] {
  return [...schema.numeric.map((f) => f.name), ...schema.categorical.flatMap((f) => encodedLevels(f).map((l) => `${f.name}=${l}`))];
}

/**
 * Where each model input (`featureNames(schema)` order) comes from: `{ column }` is an ONNX input
 * column (a numeric feature after transform and standardization, or a one-hot level), and
 * `{ missingOf }` the missing indicator of the numeric feature in that ONNX input column.
 */
export type ModelInputSource = { column: number } | { missingOf: number };

/** The source of every model input, in `featureNames(schema)` order. */
export function modelInputSources(schema: DataSchema): ModelInputSource[] {
  const sources: ModelInputSource[] = [];
  schema.numeric.forEach((f, j) => {
    sources.push({ column: j });
    if (f.indicator) sources.push({ missingOf: j });
  });
  let c = schema.numeric.length;
  for (const f of schema.categorical) for (const _ of encodedLevels(f)) sources.push({ column: c++ });
  return sources;
}

/** A table's rows in the ONNX input layout (row-major, n × onnxInputColumns(schema).length). */
export function onnxInputRows(table: Table, schema: DataSchema): Float32Array {
  if (table.numeric.length !== schema.numeric.length || table.categorical.length !== schema.categorical.length) {
    throw new CoreInputError(
      `table has ${table.numeric.length} numeric and ${table.categorical.length} categorical columns, the schema ${schema.numeric.length} and ${schema.categorical.length}`,
      'table',
    );
  }
  const width = onnxInputColumns(schema).length;
  const out = new Float32Array(table.n * width);
  schema.numeric.forEach((_, j) => {
    const col = table.numeric[j]!; // one column per numeric feature, checked above
    for (let i = 0; i < table.n; i++) out[i * width + j] = col[i]!;
  });
  let c = schema.numeric.length;
  schema.categorical.forEach((f, j) => {
    const col = table.categorical[j]!;
    const levels = encodedLevels(f).length;
    for (let i = 0; i < table.n; i++) {
      const k = col[i]!;
      if (!(k >= 0 && k < levels)) throw new CoreInputError(`row ${i} of "${f.name}" has level index ${k}, outside [0, ${levels})`, 'table');
      out[i * width + c + k] = 1;
    }
    c += levels;
  });
  return out;
}
