/**
 * Format and verification of the coordinator's audit log; the
 * appender is coordinator/audit-log.ts, the auditor's command `fedcredit audit verify`.
 *
 * The log is JSON lines. Every line is the canonical JSON (core/privacy/receipt-format.ts: no
 * whitespace, keys sorted) of one record `{ seq, at, kind, ...payload, prev }`: `seq` counts
 * records from 1 (so a record's seq is its line number), `at` is the coordinator's clock in ms,
 * and `prev` is the SHA-256, in hex, of the previous line's bytes without its newline (null on
 * line 1). Removing, reordering or altering a line breaks the `prev` of the line after it; a line
 * is complete only once its newline is written, so a crash mid-append leaves a torn last line.
 *
 * No I/O here: {@link verifyAuditLog} works on the file's bytes, for the coordinator (on start)
 * and for the auditor alike.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../core/privacy/receipt-format.ts';
import { describeZodError } from '../core/privacy/ledger-format.ts';
import { ReceiptAuditor } from './audit-receipts.ts';
import type { AuditRoster, ReceiptAudit } from './audit-receipts.ts';

/** Version of the log format, stated in every `coordinator-started` record. */
export const AUDIT_FORMAT_VERSION = 1;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 digest in lowercase hex');
const count = z.int().nonnegative();
const name = z.string().min(1);
const common = { seq: z.int().positive(), at: count, prev: hex64.nullable() };
/** A metric that is NaN in the round (e.g. AUC with one class empty) is logged as null. */
const metric = z.number().nullable();

const MetricsSchema = z.strictObject({ auc: metric, ks: metric, gini: metric, logLoss: metric, brier: metric, n: count, positives: count });
const FailureSchema = z.strictObject({ participant: z.string(), stage: z.string(), reason: z.string() });
/** Public facts of a round's secure aggregation (core/round/sum-protocol.ts SecureSumInfo). */
const SecureSchema = z.strictObject({
  participants: count, survivors: count, threshold: count, neighbours: count, modulusBits: count, clipped: count, words: count,
  /** Signed key adverts and the consistency check ran (a coordinator with a roster). */
  authenticated: z.literal(true).optional(),
  /** The round whose sum carried this sum's key setup (secureAggregation.keysAhead). */
  keysSetUpIn: z.int().positive().optional(),
});
const ClientDpSchema = z.strictObject({
  noise: z.enum(['distributed', 'central']), clipNorm: z.number(), noiseMultiplier: z.number(), survivors: count,
  unclippedFraction: z.number().optional(),
});

/** One audit record; `kind` selects the payload. */
export const AuditRecordSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    ...common, kind: z.literal('coordinator-started'), format: z.literal(AUDIT_FORMAT_VERSION), software: z.string(), address: z.string(), pid: count,
  }),
  /** A torn last line found on start was moved to `movedTo` (a file beside the log). */
  z.strictObject({ ...common, kind: z.literal('torn-tail-moved'), line: z.int().positive(), bytes: count, sha256: hex64, movedTo: z.string() }),
  z.strictObject({
    ...common, kind: z.literal('participant-joined'), participant: name, role: z.string(), schemaDigest: z.string(), replacedSession: z.boolean(),
    /** The Ed25519 identity key the Hello was verified with (coordinators with a roster; trust/format.ts). */
    identityKey: hex64.optional(),
  }),
  z.strictObject({ ...common, kind: z.literal('participant-left'), participant: name, reason: z.string() }),
  z.strictObject({
    ...common, kind: z.literal('job-submitted'), jobId: name, name: z.string(),
    /** SHA-256 of the canonical JSON of the validated job spec and of its schema. */
    jobDigest: hex64, schemaDigest: hex64,
    aggregation: z.string(), privacy: z.string(), rounds: count, minParticipants: count, participants: z.array(name).optional(),
  }),
  z.strictObject({
    ...common, kind: z.literal('round-completed'), jobId: name, round: count, participants: z.array(name), metrics: MetricsSchema,
    trainLoss: metric, seconds: z.number(), failures: z.array(FailureSchema), secure: SecureSchema.optional(),
    /** The signed privacy receipts, by participant, exactly as the participants sent them. */
    receipts: z.record(z.string(), z.string()).optional(),
    /** The receipts of the round's other DP releases (noised statistics and evaluations), by participant. */
    releaseReceipts: z.record(z.string(), z.array(z.string())).optional(),
    clientDp: ClientDpSchema.optional(),
  }),
  /** A job left unfinished by an earlier run of the coordinator is resumed after its last stored round (null: from the start). */
  z.strictObject({ ...common, kind: z.literal('job-resumed'), jobId: name, afterRound: count.nullable() }),
  z.strictObject({
    ...common, kind: z.literal('job-finished'), jobId: name, state: z.enum(['SUCCEEDED', 'FAILED', 'CANCELLED']), error: z.string(), rounds: count, guarantee: z.string(),
  }),
]);
export type AuditRecord = z.infer<typeof AuditRecordSchema>;
export type AuditKind = AuditRecord['kind'];
/** What a caller supplies for a record: everything but seq, at and prev. */
export type AuditPayload<K extends AuditKind> = Omit<Extract<AuditRecord, { kind: K }>, 'seq' | 'at' | 'prev' | 'kind'>;

/** A problem found at a line of the log (1-based). */
export interface AuditProblem {
  line: number;
  /** chain: seq/prev; format: not a valid record; content: inconsistent records; receipt: a privacy receipt; torn: incomplete last line. */
  kind: 'chain' | 'format' | 'content' | 'receipt' | 'torn';
  message: string;
}

/** Per-job summary of the log. */
export interface AuditJobSummary {
  jobId: string;
  name: string;
  rounds: number;
  state: 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'UNFINISHED';
}

/** Result of {@link verifyAuditLog}; the receipt counts are those of coordinator/audit-receipts.ts. */
export interface AuditVerification extends ReceiptAudit {
  ok: boolean;
  problems: AuditProblem[];
  /** Facts an auditor should know that are not failures, e.g. rounds lost from the log in a crash. */
  notes: { line: number; message: string }[];
  /** Complete lines (records) in the log. */
  records: number;
  /** seq and SHA-256 of the last complete line: the value to keep elsewhere. */
  head: { seq: number; hash: string } | null;
  /** The incomplete last line, if any: its 1-based line number, byte offset and bytes. */
  torn?: { line: number; offset: number; bytes: Uint8Array };
  jobs: AuditJobSummary[];
  rounds: number;
  starts: number;
  participants: string[];
  firstAt?: number;
  lastAt?: number;
}

/** Options of {@link verifyAuditLog}. */
export interface VerifyOptions {
  /**
   * Verify each privacy receipt's signature (slower), against the key pinned for its participant:
   * `roster`'s, else the identity key the log recorded when it joined (coordinator/audit-receipts.ts).
   */
  checkReceipts?: boolean;
  /** The auditor's roster: receipts must be signed with the keys it lists, and joined identity keys must match it. */
  roster?: AuditRoster;
  /** A head kept elsewhere: the record with this seq must hash to this value. */
  expectHead?: { seq: number; hash: string };
}

/** SHA-256 (hex) of one line's bytes, without the newline: the next line's `prev`. */
export function lineHash(line: Uint8Array | string): string {
  return createHash('sha256').update(line).digest('hex');
}

/** A number for the log: NaN and ±Infinity become null (canonical JSON holds finite numbers only). */
export function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** The log's bytes split into complete lines (with their byte offsets) and a torn tail, if any. */
export function splitLines(bytes: Uint8Array): { lines: { start: number; bytes: Uint8Array }[]; tail?: { start: number; bytes: Uint8Array } } {
  const lines: { start: number; bytes: Uint8Array }[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0x0a) continue;
    lines.push({ start, bytes: bytes.subarray(start, i) });
    start = i + 1;
  }
  return start < bytes.length ? { lines, tail: { start, bytes: bytes.subarray(start) } } : { lines };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses and validates one line; a problem text otherwise. */
function parseLine(bytes: Uint8Array): AuditRecord | string {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return 'not valid UTF-8';
  }
  if (text.trim() === '') return 'empty line';
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return `not valid JSON (${(e as Error).message})`;
  }
  const kind = (raw as { kind?: unknown } | null)?.kind;
  const r = AuditRecordSchema.safeParse(raw);
  if (!r.success) return `invalid${typeof kind === 'string' ? ` "${kind}"` : ''} record: ${describeZodError(r.error).text}`;
  if (canonicalJson(raw) !== text) return 'not in canonical JSON form (keys sorted, no whitespace): the line was edited';
  return r.data;
}

/**
 * Verifies an audit log: every complete line parses and validates, seq grows by one, every
 * `prev` matches the hash of the line before, records about jobs are consistent (a round or an
 * end only for a submitted, unfinished job; rounds in order), optionally every privacy receipt
 * against its participant's pinned key (`opts.roster`, else the key it joined with) and an
 * expected head. A torn last line is reported as a problem of kind "torn".
 */
export function verifyAuditLog(bytes: Uint8Array, opts: VerifyOptions = {}): AuditVerification {
  const { lines, tail } = splitLines(bytes);
  const problems: AuditProblem[] = [];
  const add = (line: number, kind: AuditProblem['kind'], message: string) => problems.push({ line, kind, message });
  const notes: { line: number; message: string }[] = [];
  const jobs = new Map<string, AuditJobSummary & { lastRound: number }>();
  const participants = new Set<string>();
  const receipts = new ReceiptAuditor(opts.checkReceipts === true, opts.roster);
  const out = { rounds: 0, starts: 0, firstAt: undefined as number | undefined, lastAt: undefined as number | undefined };
  let prevSeq = 0;
  let unreadable = false;

  lines.forEach((l, i) => {
    const line = i + 1;
    const rec = parseLine(l.bytes);
    const before = lines[i - 1];
    const expectedPrev = before === undefined ? null : lineHash(before.bytes);
    if (typeof rec === 'string') {
      add(line, 'format', rec);
      prevSeq = line;
      unreadable = true;
      return;
    }
    if (rec.seq !== prevSeq + 1) {
      add(line, 'chain', `seq is ${rec.seq}, expected ${prevSeq + 1}${i === 0 ? ' (the first record has seq 1)' : ` after seq ${prevSeq} of line ${line - 1}`} (a record was removed or reordered)`);
    }
    prevSeq = rec.seq;
    if (i === 0 && rec.prev !== null) add(line, 'chain', 'prev is not null on the first line: the records before it are missing');
    if (i > 0 && rec.prev !== expectedPrev) {
      add(line, 'chain', `prev does not match the hash of line ${line - 1} (record removed, reordered or altered)`);
    }
    out.firstAt ??= rec.at;
    out.lastAt = rec.at;
    checkContent(rec, line, jobs, unreadable, add, (message) => notes.push({ line, message }));
    if (rec.kind === 'coordinator-started') out.starts++;
    if (rec.kind === 'participant-joined') {
      participants.add(rec.participant);
      receipts.joinedRecord(rec, line, add);
    }
    if (rec.kind === 'round-completed') {
      out.rounds++;
      receipts.roundRecord(rec, line, add, (at, message) => notes.push({ line: at, message }));
    }
  });

  if (tail) {
    add(lines.length + 1, 'torn', `incomplete last line (${tail.bytes.length} byte(s), no newline): the coordinator stopped while writing it; on its next start it moves the line aside to a .torn file and records that`);
  }
  if (opts.expectHead) {
    const { seq, hash } = opts.expectHead;
    if (!Number.isInteger(seq) || seq < 1) add(0, 'chain', `the expected head's seq must be a positive line number, got ${seq}`);
    else {
      const at = lines[seq - 1];
      if (at === undefined) add(lines.length, 'chain', `the log ends at line ${lines.length}, before the expected head at seq ${seq}: records were removed from its end`);
      else if (lineHash(at.bytes) !== hash.toLowerCase()) {
        add(seq, 'chain', `the line's hash differs from the expected head ${hash.slice(0, 16)}…: the log up to here was rewritten`);
      }
    }
  }
  const last = lines[lines.length - 1];
  problems.sort((a, b) => a.line - b.line);
  return {
    ok: problems.length === 0,
    problems,
    notes,
    records: lines.length,
    head: last ? { seq: lines.length, hash: lineHash(last.bytes) } : null,
    ...(tail ? { torn: { line: lines.length + 1, offset: tail.start, bytes: tail.bytes } } : {}),
    jobs: [...jobs.values()].map(({ lastRound: _, ...j }) => j),
    rounds: out.rounds,
    starts: out.starts,
    participants: [...participants].sort(),
    ...receipts.result(),
    ...(out.firstAt !== undefined ? { firstAt: out.firstAt, lastAt: out.lastAt } : {}),
  };
}

/** Job-level consistency: rounds and ends only for submitted, unfinished jobs, rounds 0, 1, 2, … */
function checkContent(
  rec: AuditRecord,
  line: number,
  jobs: Map<string, AuditJobSummary & { lastRound: number }>,
  afterUnreadable: boolean,
  add: (line: number, kind: AuditProblem['kind'], message: string) => void,
  note: (message: string) => void,
): void {
  if (rec.kind === 'job-submitted') {
    if (jobs.has(rec.jobId)) add(line, 'content', `job ${rec.jobId} is submitted a second time`);
    else jobs.set(rec.jobId, { jobId: rec.jobId, name: rec.name, rounds: 0, state: 'UNFINISHED', lastRound: -1 });
    return;
  }
  if (rec.kind !== 'round-completed' && rec.kind !== 'job-finished' && rec.kind !== 'job-resumed') return;
  const job = jobs.get(rec.jobId);
  // After an unreadable line (reported already), a job it may have submitted is not reported again.
  if (!job) return afterUnreadable ? undefined : add(line, 'content', `${rec.kind} for job ${rec.jobId}, which no earlier line submits`);
  if (job.state !== 'UNFINISHED') return add(line, 'content', `${rec.kind} for job ${rec.jobId}, which already finished`);
  if (rec.kind === 'job-finished') {
    job.state = rec.state;
    return;
  }
  if (rec.kind === 'job-resumed') {
    const after = rec.afterRound ?? -1;
    if (after < job.lastRound) {
      add(line, 'content', `job ${rec.jobId} resumes after round ${after}, but the log already holds round ${job.lastRound}: later rounds would be logged twice`);
    } else if (after > job.lastRound) {
      const missing = after === job.lastRound + 1 ? `round ${after} was` : `rounds ${job.lastRound + 1}–${after} were`;
      note(`job ${rec.jobId} resumes after round ${after}: ${missing} completed but not logged (the coordinator stopped between storing and logging)`);
    }
    job.lastRound = after;
    return;
  }
  if (rec.round !== job.lastRound + 1) add(line, 'content', `round ${rec.round} of job ${rec.jobId} follows round ${job.lastRound} (expected round ${job.lastRound + 1})`);
  job.lastRound = rec.round;
  if (rec.round > 0) job.rounds++;
}
