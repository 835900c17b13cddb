/**
 * The coordinator's on-disk record of a job under `<state-dir>/jobs/<job-id>/`:
 *   job.json            job spec, schema, aggregation mode, timestamps
 *   preprocessing.json  federated means / standard deviations
 *   rounds/NNNN.json    one record per completed round (metrics, participants, failures)
 *   weights/NNNN.f32    global weights after the round (float32 little-endian)
 *   strategy.json       server optimizer state after the last completed round
 *   status.json         latest status (state, stage, error)
 * All writes are atomic (coordinator/atomic.ts).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { SecureAggregationFacts } from '../core/round/guarantee';
import type { DataSchema } from '../core/data/schema';
import type { JobSpec } from '../core/job';
import type { JobStorePort, RoundRecord } from '../core/round/engine';
import type { PreprocessingParams } from '../core/round/task-config';
import { encodeStrategyState } from '../core/strategy/strategy';
import type { StrategyState } from '../core/strategy/strategy';
import { writeFileAtomic, writeJsonAtomic } from './atomic';

/** Status fields persisted for a job. */
export interface StoredStatus {
  state: 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  stage: string;
  error: string;
  finishedAt: number;
  /** The privacy guarantee in force, in words (core/round/guarantee.ts). */
  guarantee: string;
  secureAggregation?: SecureAggregationFacts;
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

  async saveRound(record: RoundRecord, state: StrategyState): Promise<void> {
    const name = String(record.round).padStart(4, '0');
    const w = state.weights;
    writeFileAtomic(path.join(this.dir, 'weights', `${name}.f32`), new Uint8Array(w.buffer, w.byteOffset, w.byteLength));
    writeJsonAtomic(path.join(this.dir, 'strategy.json'), encodeStrategyState(state));
    writeJsonAtomic(path.join(this.dir, 'rounds', `${name}.json`), record);
  }

  /** Persists the latest status. */
  saveStatus(s: StoredStatus): void {
    writeJsonAtomic(path.join(this.dir, 'status.json'), s);
  }

  /** Rounds recorded so far, in order. */
  rounds(): RoundRecord[] {
    const dir = path.join(this.dir, 'rounds');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => /^\d{4}\.json$/.test(f))
      .sort()
      .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as RoundRecord);
  }

  /** Global weights after `round`, or undefined if not stored. */
  weights(round: number): Float32Array | undefined {
    const file = path.join(this.dir, 'weights', `${String(round).padStart(4, '0')}.f32`);
    if (!existsSync(file)) return undefined;
    const b = readFileSync(file);
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }
}
