/**
 * `fedcredit report --coordinator H:P --job ID --out report.html`: the HTML report of a job read
 * over the Control API (operator credentials, as `status`), and {@link writeJobReport}, which
 * `run`, `simulate` and `demo` use for their `--report FILE`.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { ControlOptions } from '../client/control-client.ts';
import { writeFileAtomic } from '../platform/atomic.ts';
import type { JobStatus__Output } from '../proto/generated/fedcredit/v1/JobStatus.ts';
import { UsageError } from './errors.ts';
import { renderJobReportHtml } from './report-html/render.ts';
import type { ReportExtras } from './report-html/report-data.ts';
import { addTransportOptions } from './transport-options.ts';

/** Writes the HTML report of `status` to `file` (atomically, parent directories made); returns the absolute path. */
export function writeJobReport(file: string, status: JobStatus__Output, extras: ReportExtras = {}): string {
  const out = path.resolve(file);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileAtomic(out, renderJobReportHtml(status, extras));
  return out;
}

/** Options of {@link reportFromCoordinator}. */
export interface CoordinatorReportOptions {
  coordinator: string;
  jobId: string;
  out: string;
  control?: ControlOptions;
}

/** Reads a job's status over the Control API and writes its report; resolves with the file and the status. */
export async function reportFromCoordinator(o: CoordinatorReportOptions): Promise<{ file: string; status: JobStatus__Output }> {
  const { ControlClient } = await import('../client/control-client.ts');
  const client = new ControlClient(o.coordinator, o.control);
  try {
    const status = await client.status(o.jobId);
    return { file: writeJobReport(o.out, status, { source: `the Control API of ${o.coordinator} (GetJobStatus)` }), status };
  } finally {
    client.close();
  }
}

/** The `--report FILE` option of run, simulate and demo. */
export function addReportOption(cmd: Command): Command {
  return cmd.option('--report <file.html>', 'also write a self-contained HTML report of the job (charts, members, privacy, secure aggregation) to FILE');
}

/** Registers `fedcredit report`. */
export function registerReportCommand(program: Command): void {
  const cmd = program
    .command('report')
    .description('write a self-contained HTML report of a job (metrics, ROC/KS/calibration from the final evaluation histogram, ε per member, secure-aggregation facts)')
    .requiredOption('--coordinator <host:port>', 'coordinator address')
    .requiredOption('--job <job-id>', 'the job id that run or simulate printed')
    .requiredOption('--out <report.html>', 'where to write the report');
  addTransportOptions(cmd, 'operator').action(async (o) => {
    if (!/\.html?$/i.test(o.out)) throw new UsageError(`--out must name an .html file, got "${o.out}"`);
    const [{ resolveTransport }, { clientCredentials }] = await Promise.all([import('./transport.ts'), import('../trust/tls.ts')]);
    const t = resolveTransport(o, 'operator', (l) => process.stderr.write(l + '\n'));
    const control: ControlOptions = { ...(t.tls ? { credentials: clientCredentials(t.tls) } : {}), ...(t.token ? { token: t.token } : {}) };
    const { file, status } = await reportFromCoordinator({ coordinator: o.coordinator, jobId: o.job, out: o.out, control });
    process.stdout.write(`report of job ${status.jobId} (${status.state}) written to ${file}\n`);
  });
}
