/**
 * `fedcredit export --model DIR --format onnx|scorecard|card`: a saved model (from `run --out`)
 * as an ONNX file, a scorecard table or a model card (scoring/export/exports.ts). The ONNX file
 * goes to DIR/model.onnx unless --out names another file; text exports print to stdout unless
 * --out names a file.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_POINTS_SCALING, PointsScalingSchema } from '../core/scorecard/points.ts';
import type { ScorecardFormat } from '../core/scorecard/render.ts';
import type { ExportFormat } from '../scoring/export/exports.ts';
import type { CardFormat } from '../scoring/export/model-card-render.ts';
import { UsageError } from './errors.ts';

/** Options of {@link exportCommand}, as parsed from the command line. */
export interface ExportCommandOptions {
  model: string;
  format: ExportFormat;
  out?: string;
  baseScore?: number;
  baseOdds?: number;
  pdo?: number;
  scorecardFormat: ScorecardFormat;
  cardFormat: CardFormat;
}

/** Runs the export; `print` gets the text export when no --out is given, `note` the line saying what was written. */
export async function exportCommand(o: ExportCommandOptions, print: (text: string) => void, note: (line: string) => void): Promise<void> {
  const scalingFlags = o.baseScore !== undefined || o.baseOdds !== undefined || o.pdo !== undefined;
  if (scalingFlags && o.format !== 'scorecard') throw new UsageError('--base-score, --base-odds and --pdo apply to --format scorecard only');
  const scaling = PointsScalingSchema.safeParse({ baseScore: o.baseScore ?? DEFAULT_POINTS_SCALING.baseScore, baseOdds: o.baseOdds ?? DEFAULT_POINTS_SCALING.baseOdds, pdo: o.pdo ?? DEFAULT_POINTS_SCALING.pdo });
  if (!scaling.success) {
    const flag = (key: PropertyKey | undefined) => `--${String(key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new UsageError(`points scaling: ${scaling.error.issues.map((i) => `${flag(i.path[0])}: ${i.message}`).join('; ')}`);
  }
  const { exportModel } = await import('../scoring/export/exports.ts');
  const r = await exportModel(o.model, { format: o.format, scaling: scaling.data, scorecardFormat: o.scorecardFormat, cardFormat: o.cardFormat });
  const file = o.out ?? (o.format === 'onnx' ? path.join(o.model, r.fileName) : undefined);
  if (file === undefined) {
    print(r.content as string);
    return;
  }
  try {
    writeFileSync(file, r.content);
  } catch (err) {
    throw new UsageError(`cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const size = typeof r.content === 'string' ? Buffer.byteLength(r.content) : r.content.byteLength;
  note(`wrote ${file} (${o.format}, ${size} bytes)`);
}

const finite = (name: string) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got "${v}"`);
  return n;
};

/** Registers `export`. */
export function registerExportCommand(program: Command): void {
  program
    .addCommand(
      new Command('export')
        .description('export a saved model (a `run --out` directory) as ONNX, a scorecard table or a model card')
        .requiredOption('--model <dir>', 'the model directory (model.json, weights.bin, metadata.json)')
        .addOption(new Option('--format <format>', 'what to export').choices(['onnx', 'scorecard', 'card']).makeOptionMandatory())
        .option('--out <file>', 'write here (default: <dir>/model.onnx for onnx, stdout for the others)')
        .option('--base-score <points>', `scorecard: points at the base odds (default ${DEFAULT_POINTS_SCALING.baseScore})`, finite('--base-score'))
        .option('--base-odds <odds>', `scorecard: good : bad odds that score the base points (default ${DEFAULT_POINTS_SCALING.baseOdds})`, finite('--base-odds'))
        .option('--pdo <points>', `scorecard: points to double the odds (default ${DEFAULT_POINTS_SCALING.pdo})`, finite('--pdo'))
        .addOption(new Option('--scorecard-format <format>', 'scorecard file format').choices(['csv', 'md', 'json']).default('csv'))
        .addOption(new Option('--card-format <format>', 'model card format').choices(['md', 'html']).default('md'))
        .action((o: ExportCommandOptions) =>
          exportCommand(o, (t) => process.stdout.write(t), (l) => process.stderr.write(l + '\n')),
        ),
    );
}
