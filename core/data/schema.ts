/**
 * The shared data schema: which CSV columns are features, which is the label, and how missing
 * or unseen values are handled. Every participant validates its rows against it, and the feature
 * encoding (hence the model's input width) is a pure function of it.
 */
import { z } from 'zod';

const columnName = z.string().min(1, 'column name must not be empty');

/** Cells that count as missing when a schema does not list its own `missingValues`. */
export const DEFAULT_MISSING_VALUES: readonly string[] = ['', 'NA', 'NaN', 'null'];

/** A numeric feature: standardized with federated mean and variance. */
export const NumericFeatureSchema = z
  .object({
    name: columnName,
    /** What a missing (empty / NA) cell becomes: the federated mean, zero, or a hard error. */
    missing: z.enum(['mean', 'zero', 'error']).default('mean'),
    /** Add a 0/1 "was missing" input next to the imputed value. */
    indicator: z.boolean().default(false),
    /**
     * Applied to each value before standardization: "log" = sign(x)·ln(1 + |x|), for heavy-tailed
     * amounts (income, assets, debt) whose few huge values would otherwise dominate a linear model.
     */
    transform: z.enum(['none', 'log']).default('none'),
    /**
     * [low, high]: the bounds of the (transformed) value, agreed by the consortium from domain
     * knowledge, never from the data; values outside are clipped to them, for the model and for
     * the preprocessing statistics. Required for every numeric feature of a job with record-level
     * differential privacy, whose statistics are released with noise scaled to these bounds.
     */
    range: z
      .tuple([z.number(), z.number()])
      .refine(([lo, hi]) => Number.isFinite(lo) && Number.isFinite(hi) && lo < hi, 'must be [low, high] with finite low < high')
      .optional(),
  })
  .strict();

/**
 * The value a numeric feature's model input is built from: its transform applied, then clipped
 * to its `range` when it has one.
 */
export function transformValue(f: NumericFeature, x: number): number {
  const t = f.transform === 'log' ? Math.sign(x) * Math.log1p(Math.abs(x)) : x;
  if (!f.range) return t;
  return t < f.range[0] ? f.range[0] : t > f.range[1] ? f.range[1] : t;
}

/** A categorical feature: one-hot encoded over a fixed vocabulary. */
export const CategoricalFeatureSchema = z
  .object({
    name: columnName,
    levels: z.array(z.string()).min(1, 'a categorical feature needs at least one level'),
    /** Missing cells: their own "missing" level, or a hard error. */
    missing: z.enum(['level', 'error']).default('level'),
    /** A value not in `levels`: a hard error, or an "other" level with a warning. */
    unseen: z.enum(['error', 'other']).default('error'),
  })
  .strict();

/** The schema file (zod-validated JSON). */
export const DataSchemaSchema = z
  .object({
    version: z.literal(1).default(1),
    label: z
      .object({
        column: columnName,
        /** Value of the label column that marks the positive class (default = "bad"). */
        positive: z.string().min(1),
        /** Accepted negative values; when absent, any other non-missing value is negative. */
        negative: z.array(z.string().min(1)).optional(),
      })
      .strict(),
    numeric: z.array(NumericFeatureSchema).default([]),
    categorical: z.array(CategoricalFeatureSchema).default([]),
    /** Cells that count as missing (compared after trimming). */
    missingValues: z.array(z.string()).default(() => [...DEFAULT_MISSING_VALUES]),
    /** Columns present in the files but not used (ids, free text). */
    ignore: z.array(columnName).default([]),
  })
  .strict()
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    const all = [s.label.column, ...s.numeric.map((f) => f.name), ...s.categorical.map((f) => f.name)];
    for (const name of all) {
      if (seen.has(name)) ctx.addIssue({ code: 'custom', message: `column "${name}" is used twice in the schema` });
      seen.add(name);
    }
    if (s.numeric.length + s.categorical.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'the schema has no features (numeric and categorical are both empty)' });
    }
    for (const f of s.categorical) {
      if (new Set(f.levels).size !== f.levels.length) {
        ctx.addIssue({ code: 'custom', message: `categorical "${f.name}" lists a level twice` });
      }
    }
    if (s.label.negative?.includes(s.label.positive)) {
      ctx.addIssue({
        code: 'custom',
        path: ['label', 'negative'],
        message: `the positive label "${s.label.positive}" is also listed as negative`,
      });
    }
    s.ignore.forEach((name, k) => {
      if (seen.has(name)) {
        ctx.addIssue({ code: 'custom', path: ['ignore', k], message: `column "${name}" is both used and ignored` });
      }
    });
  });

/** A parsed, validated schema (defaults filled in). */
export type DataSchema = z.infer<typeof DataSchemaSchema>;
/** A parsed numeric feature. */
export type NumericFeature = z.infer<typeof NumericFeatureSchema>;
/** A parsed categorical feature. */
export type CategoricalFeature = z.infer<typeof CategoricalFeatureSchema>;

/** Name of the extra one-hot level used for unseen categories when `unseen` is "other". */
export const OTHER_LEVEL = '__other__';
/** Name of the extra one-hot level used for missing categories when `missing` is "level". */
export const MISSING_LEVEL = '__missing__';

/** The one-hot levels a categorical feature encodes to, in order. */
export function encodedLevels(f: CategoricalFeature): string[] {
  const levels = [...f.levels];
  if (f.unseen === 'other') levels.push(OTHER_LEVEL);
  if (f.missing === 'level') levels.push(MISSING_LEVEL);
  return levels;
}

/** Names of the model's input columns, in order: numeric (each followed by its indicator), then one-hot levels. */
export function featureNames(s: DataSchema): string[] {
  const names: string[] = [];
  for (const f of s.numeric) {
    names.push(f.name);
    if (f.indicator) names.push(`${f.name}__missing`);
  }
  for (const f of s.categorical) for (const l of encodedLevels(f)) names.push(`${f.name}=${l}`);
  return names;
}

/** Width of the encoded input vector. */
export function inputDim(s: DataSchema): number {
  return featureNames(s).length;
}
