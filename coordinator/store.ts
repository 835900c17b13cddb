/**
 * The coordinator's on-disk record of a job under `<state-dir>/jobs/<job-id>/`:
 *   job.json            job spec, schema, aggregation mode, timestamps
 *   preprocessing.json  federated means / standard deviations
 *   rounds/NNNN.json    one record per completed round (metrics, participants, failures)
 *   weights/NNNN.f32    global weights after the round (float32 little-endian)
 *   state/NNNN.json     strategy state (weights, optimiser moments) and next-round settings after the round
 *   strategy.json       the latest of those, for operators
 *   status.json         latest status (state, stage, error)
 *   releases/KIND-NNNN.json  the survivor set a stage's secure sum was about to be unmasked over,
 *                       written before any participant is asked to unmask
 * All writes are atomic (platform/atomic.ts: temp file, fsync, rename). A round is stored as a
 * unit: its state file first, its record last, so a crash between the two leaves the round
 * unrecorded and a resumed job runs it again ({@link JobStore.resumePoint}).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { JobSpecSchema } from '../core/job.ts';
import { DataSchemaSchema } from '../core/data/schema.ts';
import { PreprocessingSchema } from '../core/round/task-config.ts';
import { decodeStrategyState, EncodedStrategyStateSchema } from '../core/strategy/state.ts';
import type { NextRound, ResumePoint } from '../core/round/engine.ts';
import { nonFiniteProblem, stateVectors } from '../core/round/finite.ts';
import type { SecureAggregationFacts } from '../core/round/guarantee.ts';
import type { DataSchema } from '../core/data/schema.ts';
import type { JobSpec } from '../core/job.ts';
import type { JobStorePort, RoundRecord } from '../core/round/engine.ts';
import type { PreprocessingParams } from '../core/round/task-config.ts';
import type { TaskKind } from '../core/types.ts';
import { encodeStrategyState } from '../core/strategy/strategy.ts';
import type { StrategyState } from '../core/strategy/strategy.ts';
import { writeFileAtomic, writeJsonAtomic } from '../platform/atomic.ts';

/** Every state a job can be in; the last three are final. */
export const JOB_STATES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
/** A job's state (the Control API's JobState). */
export type JobState = (typeof JOB_STATES)[number];

/** Whether a job in `state` has ended for good (succeeded, failed or cancelled). */
export function isFinished(state: JobState): boolean {
  return state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED';
}

/** Status fields persisted for a job. */
export interface StoredStatus {
  state: JobState;
  stage: string;
  error: string;
  finishedAt: number;
  /** The privacy guarantee in force, in words (core/round/guarantee.ts). */
  guarantee: string;
  secureAggregation?: SecureAggregationFacts;
}

/** A stored job definition (job.json). */
export interface StoredJob {
  jobId: string;
  job: JobSpec;
  schema: DataSchema;
  aggregation: string;
  createdAt: number;
}
const StoredJobSchema = z.object({ jobId: z.string().min(1), job: JobSpecSchema, schema: DataSchemaSchema, aggregation: z.string(), createdAt: z.number() });
const StoredReleaseSchema = z.strictObject({ kind: z.enum(['stats', 'train', 'evaluate']), round: z.int().nonnegative(), survivors: z.array(z.string().min(1)).min(1) });
const StoredStatusSchema = z.looseObject({
  state: z.enum(JOB_STATES), stage: z.string().default(''), error: z.string().default(''), finishedAt: z.number().default(0),
});
const RoundStateSchema = z.strictObject({
  strategy: EncodedStrategyStateSchema,
  next: z.strictObject({ clipNorm: z.number().positive().optional() }),
});

/** A stored file that cannot be read or does not validate. */
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

function readJsonFile<T>(file: string, schema: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new StoreError(`${file}: cannot be read as JSON: ${(err as Error).message}`);
  }
  const r = schema.safeParse(value);
  if (!r.success) {
    const [i] = r.error.issues;
    throw new StoreError(`${file}: ${i === undefined ? r.error.message : `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`}`);
  }
  return r.data;
}

/**
 * A round record as it was before JSON wrote its NaNs (no train loss in round 0 or under DP, no
 * metrics in a round not evaluated) as null: the numbers come back NaN, not null, so a job read
 * back from disk reports what it reported while it ran.
 */
function withNaNs(r: RoundRecord): RoundRecord {
  const nan = (x: unknown) => (x === null ? NaN : x);
  const metrics = r.metrics ? (Object.fromEntries(Object.entries(r.metrics).map(([k, v]) => [k, nan(v)])) as unknown as RoundRecord['metrics']) : r.metrics;
  return { ...r, trainLoss: nan(r.trainLoss) as number, metrics };
}

/** A job's files under the state directory. */
export class JobStore implements JobStorePort {
  readonly dir: string;

  constructor(stateDir: string, readonly jobId: string) {
    this.dir = path.join(stateDir, 'jobs', jobId);
  }

  /** Writes the job definition once, at submission. */
  init(job: JobSpec, schema: DataSchema, aggregation: string, createdAt: number): void {
    writeJsonAtomic(path.join(this.dir, 'job.json'), { jobId: this.jobId, job, schema, aggregation, createdAt });
  }

  async savePreprocessing(p: PreprocessingParams): Promise<void> {
    writeJsonAtomic(path.join(this.dir, 'preprocessing.json'), p);
  }

  async saveRelease(kind: TaskKind, round: number, survivors: string[]): Promise<void> {
    writeJsonAtomic(path.join(this.dir, 'releases', `${kind}-${String(round).padStart(4, '0')}.json`), { kind, round, survivors: [...survivors].sort() });
  }

  /** Survivor sets of stages whose unmasking began, by `kind/round` (see {@link saveRelease}). */
  releases(): Record<string, string[]> {
    const dir = path.join(this.dir, 'releases');
    if (!existsSync(dir)) return {};
    const out: Record<string, string[]> = {};
    for (const f of readdirSync(dir).filter((x) => /^(stats|train|evaluate)-\d{4}\.json$/.test(x)).sort()) {
      const r = readJsonFile(path.join(dir, f), StoredReleaseSchema);
      out[`${r.kind}/${r.round}`] = r.survivors;
    }
    return out;
  }

  /** Stores a round as a unit; refuses (StoreError, nothing written) a model or optimiser state that is not finite. */
  async saveRound(record: RoundRecord, state: StrategyState, next: NextRound = {}): Promise<void> {
    const infinite = nonFiniteProblem(stateVectors(state));
    if (infinite) throw new StoreError(`${this.dir}: refusing to store round ${record.round}: the model is not finite: ${infinite}`);
    const name = String(record.round).padStart(4, '0');
    const w = state.weights;
    const encoded = encodeStrategyState(state);
    writeFileAtomic(path.join(this.dir, 'weights', `${name}.f32`), new Uint8Array(w.buffer, w.byteOffset, w.byteLength));
    writeJsonAtomic(path.join(this.dir, 'state', `${name}.json`), { strategy: encoded, next });
    writeJsonAtomic(path.join(this.dir, 'strategy.json'), encoded);
    writeJsonAtomic(path.join(this.dir, 'rounds', `${name}.json`), record); // the commit point
  }

  /** The stored job definition, validated; throws {@link StoreError} naming the file otherwise. */
  readJob(): StoredJob {
    return readJsonFile(path.join(this.dir, 'job.json'), StoredJobSchema) as StoredJob;
  }

  /** The stored status, or undefined when none was written. */
  readStatus(): StoredStatus | undefined {
    const file = path.join(this.dir, 'status.json');
    return existsSync(file) ? (readJsonFile(file, StoredStatusSchema) as unknown as StoredStatus) : undefined;
  }

  /** The stored federated preprocessing, or undefined when none was stored yet. */
  readPreprocessing(): PreprocessingParams | undefined {
    const file = path.join(this.dir, 'preprocessing.json');
    return existsSync(file) ? readJsonFile(file, PreprocessingSchema) : undefined;
  }

  /**
   * Where an interrupted job continues, or undefined when it must start over (no preprocessing
   * stored yet). Takes the longest run of consecutive rounds 0, 1, … whose record and state are
   * both stored. Throws {@link StoreError} when a stored file is unreadable or invalid.
   */
  resumePoint(): ResumePoint | undefined {
    const prepFile = path.join(this.dir, 'preprocessing.json');
    if (!existsSync(prepFile)) {
      const releases = this.releases();
      return Object.keys(releases).length ? { rounds: [], releases } : undefined;
    }
    const preprocessing = readJsonFile(prepFile, PreprocessingSchema);
    const rounds: RoundRecord[] = [];
    let last: { strategy: unknown; next: NextRound } | undefined;
    for (const record of this.rounds()) {
      const name = String(record.round).padStart(4, '0');
      const stateFile = path.join(this.dir, 'state', `${name}.json`);
      if (record.round !== rounds.length || !existsSync(stateFile)) break;
      last = readJsonFile(stateFile, RoundStateSchema);
      rounds.push(record);
    }
    const releases = this.releases();
    if (!last) return { preprocessing, rounds: [], releases };
    let state: StrategyState;
    try {
      state = decodeStrategyState(last.strategy);
    } catch (err) {
      throw new StoreError(`${path.join(this.dir, 'state')}: round ${rounds.length - 1}: ${(err as Error).message}`);
    }
    return { preprocessing, rounds, state, next: last.next, releases };
  }

  /** Persists the latest status. */
  saveStatus(s: StoredStatus): void {
    writeJsonAtomic(path.join(this.dir, 'status.json'), s);
  }

  /** Rounds recorded so far, in order. Throws {@link StoreError} naming an unreadable file. */
  rounds(): RoundRecord[] {
    const dir = path.join(this.dir, 'rounds');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => /^\d{4}\.json$/.test(f))
      .sort()
      .map((f) => withNaNs(readJsonFile(path.join(dir, f), z.looseObject({ round: z.int().nonnegative() })) as unknown as RoundRecord));
  }

  /** Global weights after `round`, or undefined if not stored. */
  weights(round: number): Float32Array | undefined {
    const file = path.join(this.dir, 'weights', `${String(round).padStart(4, '0')}.f32`);
    if (!existsSync(file)) return undefined;
    const b = readFileSync(file);
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }
}
