/**
 * `fedcredit fetch`: save a finished job's model package (the model files and metadata.json, the
 * same package `run --out` writes) at any time after the job — also from a restarted coordinator.
 * A thin layer over {@link ControlClient.status}, {@link ControlClient.fetchModel} and
 * {@link saveJobPackage}.
 */
import type { Command } from 'commander';
import { DataSchemaSchema } from '../core/data/schema.ts';
import { JobSpecSchema } from '../core/job.ts';
import { UsageError } from './errors.ts';
import { fmt } from './progress.ts';
import { addTransportOptions } from './transport-options.ts';
import type { ControlOptions } from '../client/control-client.ts';

/** What `fetch` saved. */
export interface FetchedPackage {
  jobId: string;
  name: string;
  dir: string;
  files: string[];
  auc: number | null;
  ks: number | null;
  backend: string;
}

/** Fetches job `jobId`'s final model from the coordinator and writes its package to `outDir`. */
export async function fetchJobPackage(coordinator: string, jobId: string, outDir: string, control: ControlOptions = {}): Promise<FetchedPackage> {
  // gRPC and the model writer (tfjs) load here, when a package is fetched, not when the CLI starts.
  const [{ ControlClient }, { saveJobPackage }] = await Promise.all([import('../client/control-client.ts'), import('./run.ts')]);
  const c = new ControlClient(coordinator, control);
  try {
    const status = await c.status(jobId);
    if (status.state !== 'SUCCEEDED') {
      throw new UsageError(`job ${jobId} (${status.name}) is ${status.state}${status.error ? `: ${status.error}` : ''}; only a succeeded job has a final model to fetch`);
    }
    const model = await c.fetchModel(jobId);
    const job = JobSpecSchema.safeParse(model.meta.job);
    const schema = DataSchemaSchema.safeParse(model.meta.schema);
    if (!job.success || !schema.success) throw new UsageError(`the coordinator's model of job ${jobId} lacks a valid job or schema in its metadata`);
    const written = await saveJobPackage(outDir, status, model, { job: job.data, schema: schema.data }, coordinator);
    const m = written.metadata.metrics;
    return { jobId, name: status.name, dir: written.dir, files: written.files, auc: m.auc, ks: m.ks, backend: written.backend };
  } finally {
    c.close();
  }
}

/** Registers `fedcredit fetch`. */
export function registerFetchCommand(program: Command): void {
  const cmd = program
    .command('fetch')
    .description('save a succeeded job\'s model package (model files + metadata.json, as run --out writes) from the coordinator, at any time after the job')
    .requiredOption('--coordinator <host:port>', 'coordinator address')
    .requiredOption('--job <job-id>', 'the job id (fedcredit jobs lists them)')
    .requiredOption('--out <dir>', 'directory to write the package to')
    .option('--json', 'print what was saved as JSON', false);
  addTransportOptions(cmd, 'operator').action(async (o) => {
    const { controlOptionsFrom } = await import('./transport.ts');
    const saved = await fetchJobPackage(o.coordinator, o.job, o.out, controlOptionsFrom(o, (l) => process.stderr.write(`${l}\n`)));
    if (o.json) process.stdout.write(`${JSON.stringify(saved, null, 2)}\n`);
    else process.stdout.write(`job ${saved.jobId} (${saved.name}): model saved to ${saved.dir} (${saved.files.join(', ')}); federated AUC ${fmt(saved.auc ?? undefined)}  KS ${fmt(saved.ks ?? undefined)}\n`);
  });
}
