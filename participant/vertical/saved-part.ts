/**
 * A trained vertical job's state as a party keeps it on disk (`<state-dir>/vertical/<job>.json`,
 * mode 0600: it holds the party's secret job key), so that a node that restarts can still score
 * with the job: its part of the model, its key pair and its peers' keys. Read back with every
 * field checked; a file that does not fit is an error naming the file and the field.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { VerticalJobSpecSchema } from '../../core/vertical/spec.ts';
import { writeJsonAtomic } from '../../platform/atomic.ts';
import { formatZodError } from '../../proto/validate.ts';
import type { JobState } from './state.ts';

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${2 * bytes}}$`));
const numbers = z.array(z.number().finite());

const SavedPartSchema = z
  .object({
    format: z.literal('fedcredit-vertical-part'),
    version: z.literal(1),
    jobId: z.string().min(1).max(200),
    self: z.string().min(1).max(128),
    job: VerticalJobSpecSchema,
    keys: z.object({ secretKey: hex(32), publicKey: hex(32) }).strict(),
    peerKeys: z.record(z.string(), hex(32)),
    k: z.number().int().min(1),
    width: z.number().int().min(1),
    isLabel: z.boolean(),
    part: z
      .object({ columns: z.array(z.string()), mean: numbers, std: numbers, weights: numbers, reduced: numbers.optional() })
      .strict(),
  })
  .strict();

const fileOf = (dir: string, jobId: string) => path.join(dir, 'vertical', `${jobId}.json`);
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const fromHex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

/** Writes the trained state of a job. */
export function savePart(dir: string, s: JobState): void {
  const p = s.part;
  if (!p) return;
  writeJsonAtomic(fileOf(dir, s.jobId), {
    format: 'fedcredit-vertical-part', version: 1, jobId: s.jobId, self: s.self, job: s.job,
    keys: { secretKey: toHex(s.keys.secretKey), publicKey: toHex(s.keys.publicKey) },
    peerKeys: Object.fromEntries([...s.peerKeys].map(([name, key]) => [name, toHex(key)])),
    k: s.k, width: s.width, isLabel: s.isLabel,
    part: { columns: p.columns, mean: [...p.mean], std: [...p.std], weights: [...p.weights], ...(p.reduced ? { reduced: [...p.reduced] } : {}) },
  });
}

/** The saved state of a job, or undefined when this node never finished it. */
export function loadPart(dir: string, jobId: string, self: string): JobState | undefined {
  if (!/^[\w.-]{1,200}$/.test(jobId)) return undefined;
  const file = fileOf(dir, jobId);
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = SavedPartSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${file}: ${formatZodError(parsed.error)}`);
  const f = parsed.data;
  if (f.self !== self || f.jobId !== jobId) throw new Error(`${file} belongs to ${f.self}'s job ${f.jobId}, not ${self}'s job ${jobId}`);
  return {
    jobId, job: f.job, self, k: f.k, width: f.width, isLabel: f.isLabel,
    keys: { secretKey: fromHex(f.keys.secretKey), publicKey: fromHex(f.keys.publicKey) },
    peerKeys: new Map(Object.entries(f.peerKeys).map(([name, key]) => [name, fromHex(key)])),
    pairKeys: new Map(),
    part: {
      jobId, party: self, columns: f.part.columns, mean: Float64Array.from(f.part.mean), std: Float64Array.from(f.part.std),
      model: f.job.model, weights: Float64Array.from(f.part.weights), ...(f.part.reduced ? { reduced: Float64Array.from(f.part.reduced) } : {}),
    },
  };
}
