/**
 * What a node fixes for itself at the start of each job with record-level DP, kept in
 * `<stateDir>/privacy/record-jobs.json` so that a restart reuses it: its noisy training-row count
 * (a DP release, charged once — drawing it again would let the noise be averaged away) and, for
 * a dense model, the DP-SGD settings derived from it (sampling rate, noise multiplier, steps per
 * round), which stay the same for every round of the job. Written atomically after the count is charged and before it
 * is used. An unreadable file is an error naming it, never overwritten.
 */
import path from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../../platform/atomic.ts';
import { PrivacyLedgerError } from '../../core/privacy/ledger-format.ts';
import { privacyDir, readLedger } from './ledger-file.ts';

/** One job's settings at this node. */
export const RecordJobSchema = z.strictObject({
  jobId: z.string().min(1),
  /** The training rows plus discrete Gaussian noise: the FedAvg weight and the basis of q (dense models; a gbdt job draws none). */
  noisyRows: z.int().optional(),
  /** DP-SGD settings (dense models; a gbdt job has none). */
  sampleRate: z.number().gt(0).max(1).optional(),
  noiseMultiplier: z.number().nonnegative().optional(),
  stepsPerRound: z.int().positive().optional(),
  /** The job's ε at this node for the whole plan, as computed when it was fixed. */
  epsilonJob: z.number().nonnegative(),
});
export type RecordJob = z.infer<typeof RecordJobSchema>;

const FileSchema = z.strictObject({ format: z.literal('fedcredit-record-jobs'), version: z.literal(1), jobs: z.array(RecordJobSchema) });

/** The per-job settings file. */
export class RecordJobStore {
  private constructor(readonly file: string, private jobs: RecordJob[]) {}

  /** Opens `<stateDir>/privacy/record-jobs.json` (absent: empty). */
  static open(stateDir: string): RecordJobStore {
    const file = path.join(privacyDir(stateDir), 'record-jobs.json');
    const text = readLedger(file);
    if (text === undefined) return new RecordJobStore(file, []);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new PrivacyLedgerError(`${file} is not valid JSON (${(e as Error).message}); the file was left untouched`, { file });
    }
    const r = FileSchema.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0];
      const field = issue?.path.join('.') ?? '';
      throw new PrivacyLedgerError(`${file}: ${field || '(root)'}: ${issue?.message ?? r.error.message}; the file was left untouched`, { file, field });
    }
    return new RecordJobStore(file, r.data.jobs);
  }

  /** The settings fixed for `jobId`, if any. */
  get(jobId: string): RecordJob | undefined {
    return this.jobs.find((j) => j.jobId === jobId);
  }

  /** Stores a job's settings durably; a job's settings are fixed once. */
  put(job: RecordJob): void {
    if (this.get(job.jobId)) throw new PrivacyLedgerError(`the record-level DP settings of job ${job.jobId} are fixed already`, { file: this.file });
    const jobs = [...this.jobs, RecordJobSchema.parse(job)];
    writeJsonAtomic(this.file, { format: 'fedcredit-record-jobs', version: 1, jobs });
    this.jobs = jobs;
  }
}
