/**
 * A small credit data set for the export tests that touches every encoding path: a log-transformed
 * clipped amount with a missing indicator, a clipped feature imputed with zero, an unbounded one,
 * a categorical feature with "other" and "missing" levels and one whose unseen values go to
 * "other". Rows are CSV cells validated by the real validator; the preprocessing comes from the
 * real federated statistics code, the weights from a seeded generator.
 */
import { preprocessingFromStats, statsContribution } from '../../core/data/preprocess.ts';
import type { Preprocessing } from '../../core/data/preprocess.ts';
import { DataSchemaSchema, inputDim } from '../../core/data/schema.ts';
import type { DataSchema } from '../../core/data/schema.ts';
import { validateTable } from '../../core/data/table.ts';
import type { Table } from '../../core/data/table.ts';
import type { z } from 'zod';
import { JobSpecSchema } from '../../core/job.ts';
import type { JobSpec } from '../../core/job.ts';
import { modelLayout } from '../../core/model/layout.ts';
import { seededRng, uniform01 } from '../../core/random.ts';
import { layoutSize } from '../../core/types.ts';

export const exportSchema: DataSchema = DataSchemaSchema.parse({
  label: { column: 'default', positive: 'yes', negative: ['no'] },
  numeric: [
    { name: 'income', transform: 'log', range: [0, 12], missing: 'mean', indicator: true },
    { name: 'age', range: [18, 80], missing: 'zero' },
    { name: 'debt_ratio' },
  ],
  categorical: [
    { name: 'home', levels: ['rent', 'own', 'mortgage'], unseen: 'other', missing: 'level' },
    { name: 'purpose', levels: ['car', 'education'], unseen: 'other', missing: 'error' },
  ],
});

export const exportHeader = ['id', 'income', 'age', 'debt_ratio', 'home', 'purpose', 'default'];

/** `n` seeded rows plus hand-written edge cases: missing cells, unseen levels, values beyond the ranges. */
export function exportRows(n: number, seed = 7): string[][] {
  const rng = seededRng(seed);
  const u = () => uniform01(rng);
  const pick = <T>(xs: T[]) => xs[Math.floor(u() * xs.length)]!;
  const rows: string[][] = [];
  for (let i = 0; i < n; i++) {
    rows.push([
      String(i),
      u() < 0.1 ? '' : (u() * 9000).toFixed(2),
      u() < 0.1 ? '' : String(18 + Math.floor(u() * 60)),
      (u() * 1.5).toFixed(3),
      u() < 0.1 ? '' : pick(['rent', 'own', 'mortgage', 'council']),
      pick(['car', 'education', 'boat']),
      u() < 0.3 ? 'yes' : 'no',
    ]);
  }
  rows.push(['edge-1', '', '', '0.5', '', 'car', 'no']); // every feature that may be missing is
  rows.push(['edge-2', '1e9', '95', '-3', 'caravan', 'spaceship', 'yes']); // above the ranges, unseen levels
  rows.push(['edge-3', '-50', '5', '20', 'own', 'education', 'no']); // below the ranges
  return rows;
}

/** The rows as a validated table (unseen levels map to `__other__`). */
export function exportTable(rows: string[][]): Table {
  return validateTable(exportHeader, rows, exportSchema, 'export-fixture.csv').table;
}

/** Preprocessing of the rows through the federated statistics code (one member's contribution is the whole sum). */
export function exportPreprocessing(table: Table): Preprocessing {
  return preprocessingFromStats(statsContribution(table, exportSchema), exportSchema);
}

/** A job of the given model type with the fixture's defaults. */
export function exportJob(model: z.input<typeof JobSpecSchema>['model'], name = 'export-test'): JobSpec {
  return JobSpecSchema.parse({ name, model, rounds: 3, aggregation: 'plain' });
}

/** Seeded weights for `job`'s model over the fixture's inputs, uniform in ±scale. */
export function exportWeights(job: JobSpec, seed = 11, scale = 0.8): Float32Array {
  const rng = seededRng(seed);
  const w = new Float32Array(layoutSize(modelLayout(job.model, inputDim(exportSchema))));
  for (let i = 0; i < w.length; i++) w[i] = (2 * uniform01(rng) - 1) * scale;
  return w;
}
