/**
 * Round-time benchmark: the same federated job with aggregation "plain" and "secagg", on a real
 * coordinator (startCoordinator on 127.0.0.1, port 0, real gRPC) and n real ParticipantNodes with
 * the production handler chain (errorToRefusal → schemaCheck → secAggMod → local tfjs trainer),
 * all in this process. The parties' data is the seeded synthetic consortium
 * (examples/synthetic), its four institutions cut into n CSV files in a temporary directory and
 * loaded through the participants' own CSV loader.
 *
 * Protocol: one unmeasured warm-up job (secagg, one round: warms V8, tfjs and the crypto code),
 * then `jobsPerMode` jobs per mode in ABBA order (plain, secagg, secagg, plain, ...) so slow drift
 * of the machine hits both modes alike. Each job runs `rounds` rounds; the measured samples are
 * the coordinator's own round records (`seconds`: train stage + aggregation + strategy +
 * evaluation stage) of rounds ≥ 1 (round 0 only evaluates the initial model). Reported: medians
 * (and, as a secondary figure, the fastest rounds: this machine is a shared VM whose neighbours'
 * load adds outliers). All parties' work shares this process, so both modes pay every party's
 * training and every party's cryptography one after the other, as in the demo.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCoordinator } from '../coordinator/server';
import { createLogger } from '../coordinator/log';
import { JobSpecSchema } from '../core/job';
import type { JobSpec } from '../core/job';
import { inputDim } from '../core/data/schema';
import type { DataSchema } from '../core/data/schema';
import { modelLayout } from '../core/model/layout';
import { layoutSize } from '../core/types';
import { writeCsvFile } from '../examples/csv';
import { generateConsortium } from '../examples/synthetic/generate';
import { loadSchemaFile, loadTable } from '../participant/data/load';
import { chain, errorToRefusalMod, schemaCheckMod } from '../participant/handler';
import { localHandler } from '../participant/local-handler';
import { ParticipantNode } from '../participant/node';
import { secAggMod } from '../participant/secagg-mod';
import { initBackend } from '../participant/trainer/backend';
import { Control } from '../cli/control-client';
import { schemaDigest } from '../cli/participant-cmd';
import type { JobStatus__Output } from '../proto/generated/fedcredit/v1/JobStatus';
import { median, min } from './stats';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SCHEMA_FILE = path.resolve(HERE, '..', 'examples', 'synthetic', 'schema.json');

/** Settings of the round benchmark. */
export interface RoundBenchOptions {
  parties: number;
  hidden: number[];
  rounds: number;
  jobsPerMode: number;
  /** Size multiplier of the synthetic consortium (1 = 7,800 rows in all). */
  scale: number;
  seed: number;
  /** Progress lines (stderr). */
  log: (line: string) => void;
}

/** One measured job. */
export interface JobSample {
  mode: 'plain' | 'secagg';
  jobId: string;
  /** `seconds` of rounds 1..R, in order. */
  roundSeconds: number[];
  /** Wall time of the whole job seen from the client (submit → final status). */
  wallSeconds: number;
  auc: number;
}

/** Result of {@link runRoundBench}. */
export interface RoundBenchResult {
  parties: number;
  rows: number;
  inputDim: number;
  hidden: number[];
  parameters: number;
  /** Words of one secure train vector (quantized update + weight, loss and clip counters, encoded). */
  secureWords: number;
  neighbours: number;
  threshold: number;
  backend: string;
  roundsPerJob: number;
  jobsPerMode: number;
  plainMedianSeconds: number;
  secureMedianSeconds: number;
  ratio: number;
  plainMinSeconds: number;
  secureMinSeconds: number;
  /** secureMinSeconds / plainMinSeconds: the fastest rounds, less sensitive to outside load. */
  minRatio: number;
  plainSeconds: number[];
  secureSeconds: number[];
  jobs: JobSample[];
}

/** The model's parameter count over the synthetic schema. */
export function parameterCount(hidden: number[], schema: DataSchema): number {
  return layoutSize(modelLayout({ type: 'mlp', hidden, dropout: 0, activation: 'relu' }, inputDim(schema)));
}

/**
 * Writes the synthetic consortium as `parties` CSV files: party j takes a contiguous slice of
 * source institution j mod 4 (platform, bank-a, bank-b, customs), so institutions stay non-IID.
 */
function writeParties(dir: string, parties: number, scale: number, seed: number): { name: string; file: string }[] {
  const sources = generateConsortium({ seed, scale }).parties;
  const out: { name: string; file: string }[] = [];
  sources.forEach((src, s) => {
    const pieces = Array.from({ length: parties }, (_, j) => j).filter((j) => j % sources.length === s).length;
    for (let p = 0; p < pieces; p++) {
      const from = Math.floor((p * src.rows.length) / pieces);
      const to = Math.floor(((p + 1) * src.rows.length) / pieces);
      const name = `${src.name}-${p + 1}`;
      out.push({ name, file: writeCsvFile(path.join(dir, `${name}.csv`), src.header, src.rows.slice(from, to)) });
    }
  });
  return out;
}

function jobFor(mode: 'plain' | 'secagg', o: RoundBenchOptions, name: string, rounds: number): JobSpec {
  return JobSpecSchema.parse({
    name,
    model: { type: 'mlp', hidden: o.hidden },
    rounds,
    train: { localEpochs: 1, batchSize: 64, optimizer: 'sgd', learningRate: 0.05, classWeights: 'none' },
    strategy: { type: 'fedavg' },
    minParticipants: o.parties,
    evaluation: { holdout: 0.25 },
    aggregation: mode,
    seed: o.seed,
  });
}

async function runJob(control: Control, job: JobSpec, schema: DataSchema): Promise<{ status: JobStatus__Output; wallSeconds: number }> {
  const t0 = performance.now();
  const jobId = await control.submit(job, schema);
  const status = await control.watch(jobId, () => undefined);
  const wallSeconds = (performance.now() - t0) / 1000;
  if (status.state !== 'SUCCEEDED') throw new Error(`benchmark job ${job.name} (${jobId}) ended ${status.state}: ${status.error}`);
  return { status, wallSeconds };
}

async function waitForParticipants(control: Control, n: number, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const connected = (await control.participants()).filter((p) => p.connected).length;
    if (connected >= n) return;
    if (Date.now() > until) throw new Error(`only ${connected} of ${n} participants connected within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs the round benchmark; see the module header. */
export async function runRoundBench(o: RoundBenchOptions): Promise<RoundBenchResult> {
  const schema = loadSchemaFile(SCHEMA_FILE);
  const digest = schemaDigest(schema);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-bench-'));
  const nodes: ParticipantNode[] = [];
  const runs: Promise<void>[] = [];
  let coord: Awaited<ReturnType<typeof startCoordinator>> | undefined;
  let control: Control | undefined;
  try {
    const files = writeParties(path.join(dir, 'data'), o.parties, o.scale, o.seed);
    const backend = (await initBackend()).name;
    let rows = 0;
    coord = await startCoordinator({ port: 0, host: '127.0.0.1', stateDir: path.join(dir, 'coordinator'), logLevel: 'error' });
    for (const f of files) {
      const { table } = loadTable(f.file, schema);
      rows += table.n;
      const log = createLogger(`participant:${f.name}`, 'error');
      const handler = chain(localHandler(f.name, table), [
        errorToRefusalMod,
        schemaCheckMod(digest, schemaDigest),
        secAggMod({ name: f.name, allowPlain: true }),
      ]);
      const node = new ParticipantNode({ coordinator: coord.address, name: f.name, role: 'bench', schemaDigest: digest, handler, log });
      nodes.push(node);
      runs.push(node.run());
    }
    control = new Control(coord.address);
    await waitForParticipants(control, o.parties);
    const parameters = parameterCount(o.hidden, schema);
    o.log(`round bench: ${o.parties} in-process participants (${rows} rows), mlp [${o.hidden.join(', ')}] = ${parameters} parameters, tfjs ${backend}, coordinator ${coord.address}`);

    const warm = await runJob(control, jobFor('secagg', o, 'bench-warm-up', 1), schema);
    o.log(`  warm-up job (secagg, 1 round, not measured): ${warm.wallSeconds.toFixed(1)} s`);

    const jobs: JobSample[] = [];
    let secure: NonNullable<JobStatus__Output['rounds'][number]['secure']> | null = null;
    for (let i = 0; i < o.jobsPerMode; i++) {
      const order: ('plain' | 'secagg')[] = i % 2 === 0 ? ['plain', 'secagg'] : ['secagg', 'plain'];
      for (const mode of order) {
        const { status, wallSeconds } = await runJob(control, jobFor(mode, o, `bench-${mode}-${i + 1}`, o.rounds), schema);
        const measured = status.rounds.filter((r) => r.round >= 1);
        if (mode === 'secagg') secure = measured.find((r) => r.round >= 1)?.secure ?? secure;
        const sample: JobSample = {
          mode,
          jobId: status.jobId,
          roundSeconds: measured.map((r) => r.seconds),
          wallSeconds,
          auc: status.rounds[status.rounds.length - 1]?.metrics?.auc ?? Number.NaN,
        };
        jobs.push(sample);
        o.log(`  ${mode.padEnd(6)} job ${i + 1}: rounds 1..${o.rounds} ${sample.roundSeconds.map((s) => s.toFixed(2)).join(' ')} s (AUC ${sample.auc.toFixed(4)})`);
      }
    }
    if (!secure) throw new Error('the secure jobs reported no secure-aggregation facts');
    const plainSeconds = jobs.filter((j) => j.mode === 'plain').flatMap((j) => j.roundSeconds);
    const secureSeconds = jobs.filter((j) => j.mode === 'secagg').flatMap((j) => j.roundSeconds);
    const plainMedianSeconds = median(plainSeconds);
    const secureMedianSeconds = median(secureSeconds);
    return {
      parties: o.parties,
      rows,
      inputDim: inputDim(schema),
      hidden: o.hidden,
      parameters,
      secureWords: secure.words,
      neighbours: secure.neighbours,
      threshold: secure.threshold,
      backend,
      roundsPerJob: o.rounds,
      jobsPerMode: o.jobsPerMode,
      plainMedianSeconds,
      secureMedianSeconds,
      ratio: secureMedianSeconds / plainMedianSeconds,
      plainMinSeconds: min(plainSeconds),
      secureMinSeconds: min(secureSeconds),
      minRatio: min(secureSeconds) / min(plainSeconds),
      plainSeconds,
      secureSeconds,
      jobs,
    };
  } finally {
    for (const n of nodes) n.stop();
    await Promise.allSettled(runs);
    control?.close();
    await coord?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
