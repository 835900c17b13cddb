/**
 * `fedcredit score` (score an applicants CSV with a saved model package) and `fedcredit serve`
 * (the scoring service over HTTP/JSON): thin over `fedcredit/scoring`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import type { PointsScaling } from '../core/scorecard/points.ts';
import { UsageError } from './errors.ts';

const count = (name: string, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new InvalidArgumentError(`${name} must be an integer from 0 to ${max}, got "${v}"`);
  return n;
};
const finite = (name: string, positive: boolean) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || (positive && n <= 0)) throw new InvalidArgumentError(`${name} must be a ${positive ? 'positive' : 'finite'} number, got "${v}"`);
  return n;
};

/** The points scaling given on the command line (unset flags keep the defaults 600 / 50 / 20). */
function scalingOf(o: { baseScore?: number; baseOdds?: number; pdo?: number }): Partial<PointsScaling> {
  return { ...(o.baseScore !== undefined ? { baseScore: o.baseScore } : {}), ...(o.baseOdds !== undefined ? { baseOdds: o.baseOdds } : {}), ...(o.pdo !== undefined ? { pdo: o.pdo } : {}) };
}

const addScalingOptions = (cmd: Command) =>
  cmd
    .option('--reasons <n>', 'reason codes per applicant', count('--reasons', 50), 4)
    .option('--base-score <points>', 'points at the base odds (default 600)', finite('--base-score', false))
    .option('--base-odds <odds>', 'good : bad odds that score the base score (default 50, i.e. 50:1)', finite('--base-odds', true))
    .option('--pdo <points>', 'points to double the odds (default 20)', finite('--pdo', true));

/** Reads a bearer token from a file (first line, trimmed); refuses an empty one. */
function readToken(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--token-file ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const token = text.split('\n')[0]!.trim();
  if (!token) throw new UsageError(`--token-file ${file} is empty`);
  return token;
}

/** Registers `score` and `serve` on the program. */
export function registerScoreCommands(program: Command): void {
  addScalingOptions(
    program
      .command('score')
      .description('score applicants (a CSV with the schema\'s feature columns; the label column optional) with a saved model package: probability of default, points, reason codes; AUC/KS when labelled')
      .requiredOption('--model <dir>', 'the model package (fedcredit run --out DIR)')
      .requiredOption('--data <applicants.csv>', 'the applicants')
      .option('--out <scores.csv>', 'write the scores here (default: stdout, with the summary on stderr)')
      .option('--json', 'print the scores, metrics and scaling as JSON on stdout', false)
      .option('--id-column <column>', 'a column identifying the applicants in the output (default: the row number)'),
  ).action(async (o) => {
    // The scorer (tfjs) loads when a command scores, not when the CLI starts.
    const [{ loadModelPackage }, { scoreCsvFile }, { formatScoresCsv, scoreSummaryLine }] = await Promise.all([
      import('../scoring/package-load.ts'), import('../scoring/score.ts'), import('../scoring/scores-csv.ts'),
    ]);
    const pkg = await loadModelPackage(o.model);
    const result = await scoreCsvFile(pkg, o.data, { reasons: o.reasons, scaling: scalingOf(o), ...(o.idColumn !== undefined ? { idColumn: o.idColumn } : {}) });
    for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
    const { applicants: _, warnings, ...rest } = result;
    if (o.json) {
      process.stdout.write(JSON.stringify({ jobId: pkg.metadata.jobId, modelType: pkg.metadata.modelType, ...rest, ...(warnings.length ? { warnings } : {}) }, null, 2) + '\n');
      if (o.out) writeFileSync(o.out, formatScoresCsv(result, o.reasons));
      return;
    }
    const csv = formatScoresCsv(result, o.reasons);
    if (o.out) {
      writeFileSync(o.out, csv);
      process.stdout.write(`${scoreSummaryLine(result)}; scores in ${path.resolve(o.out)}\n`);
    } else {
      process.stdout.write(csv);
      process.stderr.write(scoreSummaryLine(result) + '\n');
    }
  });

  addScalingOptions(
    program
      .command('serve')
      .description('serve a saved model package over HTTP/JSON: GET /healthz, POST /v1/score')
      .requiredOption('--model <dir>', 'the model package (fedcredit run --out DIR)')
      .requiredOption('--port <port>', 'TCP port (0 = any free port)', count('--port', 65_535))
      .option('--host <host>', 'interface to listen on', '127.0.0.1')
      .option('--token-file <file>', 'require "Authorization: Bearer <token>" on /v1/score, the token being the first line of FILE')
      .option('--max-body-kb <kb>', 'largest request body in KiB', count('--max-body-kb', 1024 * 1024), 1024)
      .option('--max-applicants <n>', 'most applicants per request', count('--max-applicants', 1_000_000), 1000),
  ).action(async (o) => {
    const { startScoringService } = await import('../scoring/service.ts');
    const service = await startScoringService({
      model: o.model, host: o.host, port: o.port, reasons: o.reasons, scaling: scalingOf(o),
      maxBodyBytes: o.maxBodyKb * 1024, maxApplicants: o.maxApplicants, ...(o.tokenFile ? { token: readToken(o.tokenFile) } : {}),
    });
    process.stdout.write(`scoring service for job ${service.model.metadata.jobId} (${service.model.metadata.modelType}) listening on ${service.url}${o.tokenFile ? ' (bearer token required on /v1/score)' : ''}\n`);
    const stop = () => void service.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
