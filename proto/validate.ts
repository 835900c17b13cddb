/**
 * zod schemas for inbound wire messages (after proto decoding): lengths, ranges and required
 * fields. The gRPC layer parses with these and answers INVALID_ARGUMENT with the message.
 */
import { z } from 'zod';

const name = z.string().min(1, 'must not be empty').max(128).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" or "-"');
const token = z.string().min(1, 'is missing').max(256);

export const HelloRequestSchema = z.object({
  name,
  role: z.string().max(64),
  clientVersion: z.string().max(64),
  protocolVersion: z.number().int(),
  schemaDigest: z.string().max(128),
});

export const PullTaskRequestSchema = z.object({ session: token, waitMs: z.number().int().min(0).max(600_000) });
export const HeartbeatRequestSchema = z.object({ session: token });
export const JobRefSchema = z.object({ jobId: z.string().min(1, 'job id is missing').max(200) });
/** Largest `job_json` and `schema_json` of a SubmitJob, each, in bytes of UTF-8 (1 MiB). */
export const MAX_SUBMIT_JSON_BYTES = 1 << 20;

/** A JSON text field of SubmitJob: present, and at most {@link MAX_SUBMIT_JSON_BYTES} long in UTF-8. */
const submittedJson = (field: string) =>
  z
    .string()
    .min(2, `${field} is empty`)
    .superRefine((text, ctx) => {
      const bytes = text.length > MAX_SUBMIT_JSON_BYTES / 3 ? Buffer.byteLength(text, 'utf8') : 0; // 3 bytes per UTF-16 unit at most
      if (bytes > MAX_SUBMIT_JSON_BYTES) ctx.addIssue({ code: 'custom', message: `${field} is ${bytes} bytes, more than the limit of ${MAX_SUBMIT_JSON_BYTES} bytes (1 MiB)` });
    });

export const SubmitJobRequestSchema = z.object({ jobJson: submittedJson('job_json'), schemaJson: submittedJson('schema_json') });

/** Formats a zod error as "field: problem; field: problem". */
export function formatZodError(err: z.ZodError, prefix = ''): string {
  return err.issues
    .map((i) => `${prefix}${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}
