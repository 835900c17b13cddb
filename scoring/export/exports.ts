/**
 * The exports of a saved model, one call each: the ONNX file, the scorecard table and the model
 * card. `exportModel` reads the model directory once and returns the file's content with the
 * name it gets by default; the CLI (`fedcredit export`) only adds argument parsing and writing.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DEFAULT_POINTS_SCALING } from '../../core/scorecard/points.ts';
import type { PointsScaling } from '../../core/scorecard/points.ts';
import { renderScorecard } from '../../core/scorecard/render.ts';
import type { ScorecardFormat } from '../../core/scorecard/render.ts';
import { scorecardTable } from '../../core/scorecard/table.ts';
import type { Scorecard, ScorecardOptions } from '../../core/scorecard/table.ts';
import { CoreInputError } from '../../core/types.ts';
import { modelCard } from './model-card.ts';
import { renderModelCard } from './model-card-render.ts';
import type { CardFormat } from './model-card-render.ts';
import { readExportPackage } from './model-package.ts';
import type { ExportPackage } from './model-package.ts';
import { exportOnnx } from './onnx-model.ts';

/** What `exportModel` can produce. */
export type ExportFormat = 'onnx' | 'scorecard' | 'card';

/** Options of {@link exportModel}. */
export interface ExportOptions {
  format: ExportFormat;
  /** Points scaling of the scorecard (default 600 points at 50 : 1, PDO 20). */
  scaling?: PointsScaling;
  scorecardFormat?: ScorecardFormat;
  cardFormat?: CardFormat;
}

/** An export's content and the file name it gets next to the model by default. */
export interface ExportResult {
  content: string | Uint8Array;
  fileName: string;
}

/** fedcredit's version from its package.json (found by walking up from this module), or "unknown". */
export function fedcreditVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = z.object({ name: z.string(), version: z.string() }).safeParse(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')));
      if (pkg.success && pkg.data.name === 'fedcredit') return pkg.data.version;
    } catch {
      // no package.json here: look one level up
    }
    dir = path.dirname(dir);
  }
  return 'unknown';
}

/** The scorecard of a saved logistic regression; refuses every other model type. */
export function logisticScorecard(pkg: ExportPackage, scaling: PointsScaling = DEFAULT_POINTS_SCALING, o: ScorecardOptions = {}): Scorecard {
  const layer = pkg.layers[0];
  if (pkg.model.type !== 'logistic' || !layer || pkg.layers.length !== 1) {
    throw new CoreInputError(
      `a scorecard needs a logistic regression, whose points add up per feature; job ${pkg.metadata.jobId} trained a ${pkg.model.type} model (export it as ONNX or a model card instead)`,
      'model',
    );
  }
  return scorecardTable(pkg.schema, pkg.metadata.preprocessing, { weights: Array.from(layer.kernel), intercept: layer.bias[0]! }, scaling, o);
}

/** Reads the model in `dir` and produces the export `o.format` asks for. */
export async function exportModel(dir: string, o: ExportOptions): Promise<ExportResult> {
  const pkg = await readExportPackage(dir);
  if (o.format === 'onnx') return { content: exportOnnx(pkg, { producerVersion: fedcreditVersion() }), fileName: 'model.onnx' };
  if (o.format === 'scorecard') {
    const f = o.scorecardFormat ?? 'csv';
    return { content: renderScorecard(logisticScorecard(pkg, o.scaling), f, `Scorecard: ${pkg.metadata.job.name} (${pkg.metadata.jobId})`), fileName: `scorecard.${f}` };
  }
  const f = o.cardFormat ?? 'md';
  return { content: renderModelCard(modelCard(pkg), f), fileName: `model-card.${f}` };
}
