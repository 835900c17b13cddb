/**
 * What personalization leaves in a member's state dir, written atomically (temporary file, then
 * rename) so a reader never sees half a file:
 *
 *   <stateDir>/models/<jobId>/global/{weights.bin,model.json}    the final federated model
 *   <stateDir>/models/<jobId>/personal/{weights.bin,model.json}  the member's chosen model
 *   <stateDir>/models/<jobId>/local/{weights.bin,model.json}     the member's local-only model
 *   <stateDir>/value/<jobId>.json                                the member value report
 *
 * weights.bin holds `committee` weight sets one after the other, each the flat float32 weights
 * (little-endian, the model layout's order); the model's score is the mean of their scores.
 * model.json says how to use them: the model spec, the input width, the federated preprocessing
 * the inputs are standardized with, the committee size, and for a personal blend the weight α
 * on its own score (the rest goes to the local-only model's score); a personal "ensemble" holds
 * the fine-tuned committee, and its score is the mean of the global, its own and the local-only
 * model's scores.
 * The value report is validated with {@link ValueReportSchema} when read back.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { VARIANTS } from '../../core/personalize/select.ts';
import { writeFileAtomic, writeJsonAtomic } from '../../platform/atomic.ts';

/** Metadata beside a stored model's weights. */
export interface StoredModelMeta {
  format: 'fedcredit-member-model';
  version: 1;
  jobId: string;
  member: string;
  /** global, personal or local. */
  role: 'global' | 'personal' | 'local';
  /** What the weights are: the global model, a fine-tuned or local-only committee, or an ensemble's fine-tuned part. */
  variant: string;
  model: unknown;
  inputDim: number;
  preprocessing: unknown;
  /** Weight sets in weights.bin; the score is the mean of their scores. */
  committee: number;
  /** Length of each weight set, in order, when they differ (boosted trees); absent: equal lengths. */
  sizes?: number[];
  /** A blend: score = alpha·(this model's score) + (1 − alpha)·(the local-only model's score, in ../local). */
  blendAlpha?: number;
  /** Rows the weights were trained on (0 for the global model, trained by the consortium). */
  trainedOnRows: number;
  epochs?: number;
}

const score = z.object({ auc: z.number().nullable(), ks: z.number().nullable() }).strict();

/** The member value report (`<stateDir>/value/<jobId>.json`); NaN metrics are stored as null. */
export const ValueReportSchema = z
  .object({
    format: z.literal('fedcredit-value-report'),
    version: z.literal(1),
    jobId: z.string().min(1),
    member: z.string().min(1),
    model: z.string(),
    createdAt: z.string(),
    chosen: z.object({ variant: z.enum(VARIANTS), alpha: z.number().optional(), epochs: z.number().int().optional() }).strict(),
    validation: z.array(z.object({ variant: z.enum(VARIANTS), auc: z.number().nullable(), alpha: z.number().optional() }).strict()),
    /** The member's training rows (cross-validated, then refitted on) and held-out test rows. */
    rows: z.object({ train: z.number().int(), test: z.number().int(), testPositives: z.number().int() }).strict(),
    /** Folds of the cross-validation that chose the model. */
    folds: z.number().int(),
    /** On the member's held-out test rows (exact AUC/KS). */
    test: z.object({ global: score, personalized: score, localOnly: score }).strict(),
    /** Whether every epoch loop ran to its end before the stage deadline. */
    complete: z.boolean(),
    /** What of this report the member released to the consortium. */
    released: z.enum(['nothing', 'consortium-aggregate', 'own-figures']),
  })
  .strict();
export type ValueReport = z.infer<typeof ValueReportSchema>;

/** Directory of a job's stored models. */
export const modelsDir = (stateDir: string, jobId: string) => path.join(stateDir, 'models', jobId);
/** Path of a job's value report. */
export const valueReportPath = (stateDir: string, jobId: string) => path.join(stateDir, 'value', `${jobId}.json`);

/** NaN → null, so JSON keeps it. */
export const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Writes one model: weights first, then model.json, so a model.json always has its weights. */
export function saveMemberModel(stateDir: string, meta: Omit<StoredModelMeta, 'committee' | 'sizes'>, committee: Float32Array[]): void {
  const dir = path.join(modelsDir(stateDir, meta.jobId), meta.role);
  const sizes = committee.map((w) => w.length);
  const flat = new Float32Array(sizes.reduce((a, b) => a + b, 0));
  let off = 0;
  for (const w of committee) {
    flat.set(w, off);
    off += w.length;
  }
  writeFileAtomic(path.join(dir, 'weights.bin'), new Uint8Array(flat.buffer));
  const equal = sizes.every((n) => n === sizes[0]);
  writeJsonAtomic(path.join(dir, 'model.json'), { ...meta, committee: committee.length, ...(equal ? {} : { sizes }) });
}

/** Reads one stored model's metadata and its committee of weight sets. */
export function loadMemberModel(stateDir: string, jobId: string, role: StoredModelMeta['role']): { meta: StoredModelMeta; committee: Float32Array[] } {
  const dir = path.join(modelsDir(stateDir, jobId), role);
  const meta = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as StoredModelMeta;
  const buf = readFileSync(path.join(dir, 'weights.bin'));
  const flat = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  if (meta.sizes) {
    const total = meta.sizes.reduce((a, b) => a + b, 0);
    if (meta.sizes.length !== meta.committee || total !== flat.length) throw new Error(`${dir}: weights.bin holds ${flat.length} weights, not the ${meta.committee} sets of sizes [${meta.sizes.join(', ')}]`);
    const starts = meta.sizes.map((_, k) => meta.sizes!.slice(0, k).reduce((a, b) => a + b, 0));
    return { meta, committee: meta.sizes.map((n, k) => flat.slice(starts[k]!, starts[k]! + n)) };
  }
  if (!(meta.committee >= 1) || flat.length % meta.committee !== 0) throw new Error(`${dir}: weights.bin holds ${flat.length} weights, not ${meta.committee} equal sets`);
  const size = flat.length / meta.committee;
  return { meta, committee: Array.from({ length: meta.committee }, (_, k) => flat.slice(k * size, (k + 1) * size)) };
}

/** Writes the value report. */
export function saveValueReport(stateDir: string, report: ValueReport): string {
  const file = valueReportPath(stateDir, report.jobId);
  writeJsonAtomic(file, ValueReportSchema.parse(report));
  return file;
}

/** Reads and validates a value report; the error names the file and the bad field. */
export function readValueReport(file: string): ValueReport {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: cannot read the value report: ${(err as Error).message}`);
  }
  const r = ValueReportSchema.safeParse(json);
  if (!r.success) throw new Error(`${file}: invalid value report: ${r.error.issues.map((i) => `${i.path.join('.') || '(whole file)'}: ${i.message}`).join('; ')}`);
  return r.data;
}
