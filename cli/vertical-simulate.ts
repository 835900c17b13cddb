/**
 * `fedcredit simulate` for a vertical job file: every party runs in THIS process (the same
 * VerticalParty code a participant node runs, over an in-memory grid; sim/vertical/
 * simulate-vertical.ts), each reading its own CSV. Beside the job's result it trains the
 * centralized reference — the same model on all columns pooled in the clear, on the same rows and
 * steps (sim/vertical/pooled.ts) — so the report shows what the job reaches, what the label
 * holder reaches alone, and what pooling would reach.
 *
 * The default ID salt is a fixed, public simulation salt: fine for synthetic files on one
 * machine, never for real data between institutions (pass `--salt`).
 */
import { deriveSeed, seededRng } from '../core/random.ts';
import { VerticalJobError, type VerticalEvent } from '../core/vertical/run-job.ts';
import { verticalGuaranteeText } from '../core/vertical/guarantee.ts';
import { partiesOf } from '../core/vertical/spec.ts';
import type { VerticalPartyData } from '../participant/vertical/state.ts';
import { cryptoRng } from '../platform/crypto-rng.ts';
import { pooledReference } from '../sim/vertical/pooled.ts';
import { simulateVertical } from '../sim/vertical/simulate-vertical.ts';
import { UsageError } from './errors.ts';
import type { LoadedVerticalJob } from './job-file.ts';
import { parseParties } from './simulate.ts';
import { outcomeSummary, type VerticalRunSummary, verticalSummaryLines } from './vertical-run.ts';
import { loadVerticalParty } from './vertical-participant-cmd.ts';

/** The ID salt of simulations when `--salt` is not given. Public: for simulations only. */
export const SIMULATION_SALT = 'fedcredit-simulation-salt (public; simulations only)';

/** Flags of `fedcredit simulate` as a vertical job sees them. */
export interface VerticalSimulateFlags {
  party: string[];
  idColumn?: string[];
  labelColumn?: string;
  positiveLabel?: string;
  salt?: string;
  seed?: number;
  json?: boolean;
  schema?: string;
  rounds?: number;
  aggregation?: string;
  stateDir?: string;
  out?: string;
  port?: number;
  keepState?: boolean;
}

/** The report of a vertical simulation (`--json`). */
export interface VerticalSimulationReport extends VerticalRunSummary {
  mode: 'vertical-in-process';
  /** The same model on all columns pooled in the clear, same rows and steps. */
  centralized: { auc: number; ks: number; logLoss: number; n: number; columns: number; seconds: number };
  /** Seed of the row plan (held-out rows, step order) the job and the reference share. */
  planSeed: number;
}

/** Refuses the vertical-only flags for a horizontal job file, naming the flag. */
export function refuseVerticalSimulateFlags(jobFile: string, o: VerticalSimulateFlags): void {
  const given: Array<[string, boolean]> = [
    ['--id-column', (o.idColumn ?? []).length > 0], ['--label-column', o.labelColumn !== undefined], ['--positive-label', o.positiveLabel !== undefined], ['--salt', o.salt !== undefined],
  ];
  const bad = given.find(([, v]) => v);
  if (bad) throw new UsageError(`${bad[0]} applies to vertical jobs only; ${jobFile} is a horizontal job (its schema names the label and columns)`);
}

/** Parses `PARTY=COLUMN` arguments for the job's parties. */
function idColumns(args: string[], parties: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of args) {
    const i = a.indexOf('=');
    if (i <= 0 || i === a.length - 1) throw new UsageError(`--id-column expects PARTY=COLUMN, got "${a}"`);
    const party = a.slice(0, i);
    if (!parties.includes(party)) throw new UsageError(`--id-column ${a}: party "${party}" is not in the job (parties: ${parties.join(', ')})`);
    out.set(party, a.slice(i + 1));
  }
  return out;
}

/** Reads each party's file, checking that the files and the job name the same parties. */
export function loadVerticalFiles(loaded: LoadedVerticalJob, o: VerticalSimulateFlags): Record<string, VerticalPartyData> {
  const job = loaded.vertical;
  const names = partiesOf(job);
  const files = parseParties(o.party);
  const extra = files.find((f) => !names.includes(f.name));
  if (extra) throw new UsageError(`--party ${extra.name}: ${loaded.jobFile} has no party "${extra.name}" (label holder ${job.labelHolder}, feature parties ${job.featureParties.join(', ')})`);
  const missing = names.find((n) => !files.some((f) => f.name === n));
  if (missing) throw new UsageError(`${loaded.jobFile} names party "${missing}", but no --party ${missing}=FILE.csv is given`);
  const ids = idColumns(o.idColumn ?? [], names);
  const data: Record<string, VerticalPartyData> = {};
  for (const f of files) {
    const isLabel = f.name === job.labelHolder;
    data[f.name] = loadVerticalParty(f.name, f.file, {
      ...(ids.has(f.name) ? { idColumn: ids.get(f.name)! } : {}),
      ...(isLabel ? { labelColumn: o.labelColumn ?? 'default' } : {}),
      ...(isLabel && o.positiveLabel !== undefined ? { positiveLabel: o.positiveLabel } : {}),
    });
  }
  return data;
}

/** One progress line per stage, and one per training epoch. */
function progress(job: LoadedVerticalJob['vertical'], print: (line: string) => void): (e: VerticalEvent) => void {
  let lastEpoch = -1;
  return (e) => {
    if (!e.step.startsWith('train')) return print(`  ${e.step} with ${e.parties.join(', ')}`);
    const epoch = Math.floor(e.t / Math.max(1, Math.floor(e.steps / job.train.epochs)));
    if (e.step === 'train-a' && epoch !== lastEpoch && e.t < e.steps) {
      lastEpoch = epoch;
      print(`  training: epoch ${epoch + 1} of ${job.train.epochs} (${e.steps} steps in all)`);
    }
  };
}

/** Runs the job over the files in this process and trains the pooled reference. */
export async function simulateVerticalFiles(loaded: LoadedVerticalJob, o: VerticalSimulateFlags, print: (line: string) => void): Promise<VerticalSimulationReport> {
  const job = loaded.vertical;
  const data = loadVerticalFiles(loaded, o);
  const planSeed = o.seed !== undefined ? o.seed >>> 0 : new Uint32Array(cryptoRng(4).buffer)[0]!;
  const t0 = performance.now();
  const reference = pooledReference(job, data, planSeed);
  const centralized = { ...reference.metrics, n: reference.rows.test, columns: reference.columns.length, seconds: (performance.now() - t0) / 1000 };
  print(`vertical job "${job.name}" simulated in this process: label holder ${job.labelHolder}, feature parties ${job.featureParties.join(', ')}`);
  const base = { mode: 'vertical-in-process' as const, jobId: 'simulated-vertical', name: job.name, aggregation: 'vertical' as const, guarantee: verticalGuaranteeText(job), participants: partiesOf(job), centralized, planSeed };
  try {
    const out = await simulateVertical(job, data, {
      salt: o.salt ?? SIMULATION_SALT, jobId: base.jobId, planSeed, emit: progress(job, print),
      ...(o.seed !== undefined ? { rng: seededRng(deriveSeed(o.seed, 'vertical-simulate')) } : {}),
    });
    return { ...base, state: 'SUCCEEDED', ...outcomeSummary(out) };
  } catch (err) {
    if (!(err instanceof VerticalJobError)) throw err;
    return { ...base, state: 'FAILED', error: err.message };
  }
}

/** The whole `fedcredit simulate` for a vertical job: checks, run, report, exit code. */
export async function verticalSimulateCommand(loaded: LoadedVerticalJob, o: VerticalSimulateFlags): Promise<void> {
  const refused: Array<[string, unknown]> = [['--schema', o.schema], ['--rounds', o.rounds], ['--aggregation', o.aggregation], ['--state-dir', o.stateDir], ['--out', o.out], ['--port', o.port], ['--keep-state', o.keepState === true ? true : undefined]];
  const bad = refused.find(([, v]) => v !== undefined);
  if (bad) {
    const why = bad[0] === '--out' ? 'there is no single model: each party keeps the part for its own columns' : 'it applies to horizontal jobs only';
    throw new UsageError(`${loaded.jobFile} is a vertical job: ${bad[0]} does not apply (${why})`);
  }
  const print = o.json ? (l: string) => process.stderr.write(l + '\n') : (l: string) => process.stdout.write(l + '\n');
  const report = await simulateVerticalFiles(loaded, o, print);
  if (o.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else if (report.state === 'SUCCEEDED') {
    print(`simulated vertical job succeeded (row plan seed ${report.planSeed}; --seed ${report.planSeed} replays it)`);
    for (const l of verticalSummaryLines(report, loaded.vertical.labelHolder, report.centralized)) print(l);
  }
  if (report.state !== 'SUCCEEDED') {
    process.stderr.write(`simulated vertical job failed: ${report.error}\n`);
    process.exitCode = 1;
  }
}
