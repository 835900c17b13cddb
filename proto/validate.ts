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
export const SubmitJobRequestSchema = z.object({
  jobJson: z.string().min(2, 'job_json is empty').max(1_000_000),
  schemaJson: z.string().min(2, 'schema_json is empty').max(10_000_000),
});

/** Formats a zod error as "field: problem; field: problem". */
export function formatZodError(err: z.ZodError, prefix = ''): string {
  return err.issues
    .map((i) => `${prefix}${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}
