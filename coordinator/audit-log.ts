/**
 * The coordinator's audit log: an append-only, hash-chained
 * JSON-lines file at `<state-dir>/audit.jsonl` recording coordinator starts, participants
 * joining, jobs submitted (with digests of their spec and schema), every completed round (its
 * participants, AUC/KS, secure-aggregation facts, the participants' signed privacy receipts and
 * client-level DP facts), jobs resumed after a restart and every job's end (state, error, the guarantee in force). Record
 * format and verification: coordinator/audit-format.ts; the auditor's check is
 * `fedcredit audit verify`. The round engine knows nothing of this log: the job manager writes it.
 *
 * Durability: a record is one write of its whole line and newline to the file opened for
 * appending, followed by fsync; an append returns only once the line is on disk. If a write
 * fails, the log refuses every later append (the running job fails, new jobs are refused) until
 * the coordinator restarts, because a half-written line must be dealt with on open first.
 *
 * Opening verifies the whole existing log (format and chain; the receipts' signatures are left to
 * the auditor). A broken chain or an invalid line makes the coordinator refuse to start, naming
 * the file and line: it will not extend a log it cannot vouch for. Records that are merely
 * inconsistent (e.g. a round missing after a crash) are the auditor's business, not a reason to stop. An incomplete last line (a crash mid-append) is moved aside byte for byte to
 * `audit.jsonl.<seq>.torn` beside the log, the log is cut back to its last complete line, and the
 * next record, `torn-tail-moved`, states the line, size and SHA-256 of what was moved.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { DataSchema } from '../core/data/schema.ts';
import type { VerticalJobSpec } from '../core/vertical/spec.ts';
import type { JobSpec } from '../core/job.ts';
import type { RoundRecord } from '../core/round/engine.ts';
import { canonicalJson } from '../core/privacy/receipt-format.ts';
import { describeZodError } from '../core/privacy/ledger-format.ts';
import type { FleetHandlers } from '../proto/generated/fedcredit/v1/Fleet.ts';
import { AUDIT_FORMAT_VERSION, AuditRecordSchema, finiteOrNull, lineHash, verifyAuditLog } from './audit-format.ts';
import { AuditLogError } from './audit-log-error.ts';
import type { AuditKind, AuditPayload, AuditRecord } from './audit-format.ts';
import { fsyncDir, writeFileAtomic } from '../platform/atomic.ts';
import type { FleetGrid } from './fleet-grid.ts';
import type { Logger } from '../platform/log.ts';

/** File name of the log inside the coordinator's state directory. */
export const AUDIT_LOG_FILE = 'audit.jsonl';
/** Software named in `coordinator-started` records. */
export const SOFTWARE = 'fedcredit 0.1.0';

export { AuditLogError };

/** Options of {@link AuditLog.open}. */
export interface AuditLogOptions {
  /** Clock in ms (default Date.now). */
  now?: () => number;
  log?: Logger;
}

/** An open audit log; appends are synchronous and durable. */
export class AuditLog {
  private seq: number;
  private headHash: string | null;
  private failed?: string;
  private closed = false;

  private constructor(
    readonly file: string,
    private readonly fd: number,
    head: { seq: number; hash: string } | null,
    private readonly now: () => number,
    private readonly log?: Logger,
  ) {
    this.seq = head?.seq ?? 0;
    this.headHash = head?.hash ?? null;
  }

  /**
   * Opens (or creates) the log at `file` and continues its chain. Throws {@link AuditLogError}
   * naming the file and line when the existing log does not verify; moves a torn last line aside.
   */
  static open(file: string, opts: AuditLogOptions = {}): AuditLog {
    mkdirSync(path.dirname(file), { recursive: true });
    const existed = existsSync(file);
    let bytes: Uint8Array;
    try {
      bytes = existed ? readFileSync(file) : new Uint8Array(0);
    } catch (err) {
      throw new AuditLogError(`cannot read the audit log ${file}: ${(err as Error).message}`, file, undefined, { cause: err });
    }
    const v = verifyAuditLog(bytes);
    // Only what breaks the chain stops the start; inconsistent contents are for the auditor (audit verify).
    const bad = v.problems.filter((p) => p.kind === 'chain' || p.kind === 'format');
    const [first] = bad;
    if (first !== undefined) {
      throw new AuditLogError(
        `audit log ${file} line ${first.line}: ${first.message}${bad.length > 1 ? ` (and ${bad.length - 1} more problem(s))` : ''}. ` +
          `The coordinator will not extend an audit log it cannot verify: inspect it with "fedcredit audit verify --log ${file}" and move it aside to start a new one`,
        file,
        first.line,
      );
    }
    const moved = v.torn ? moveTornTail(file, v.torn, opts.log) : undefined;
    let fd: number;
    try {
      fd = openSync(file, 'a', 0o600);
      if (!existed) fsyncDir(path.dirname(file));
    } catch (err) {
      throw new AuditLogError(`cannot open the audit log ${file} for appending: ${(err as Error).message}`, file, undefined, { cause: err });
    }
    const log = new AuditLog(file, fd, v.head, opts.now ?? Date.now, opts.log);
    if (moved) log.append('torn-tail-moved', moved);
    return log;
  }

  /** seq and SHA-256 of the last record (null while the log is empty): the value to keep elsewhere. */
  get head(): { seq: number; hash: string } | null {
    return this.headHash === null ? null : { seq: this.seq, hash: this.headHash };
  }

  /** Appends one record durably; returns it. Throws {@link AuditLogError} when it cannot. */
  append<K extends AuditKind>(kind: K, payload: AuditPayload<K>): AuditRecord {
    if (this.closed) throw new AuditLogError(`audit log ${this.file} is closed`, this.file);
    if (this.failed) {
      throw new AuditLogError(`audit log ${this.file} refuses appends since a write failed (${this.failed}); restart the coordinator`, this.file);
    }
    const record = { seq: this.seq + 1, at: Math.round(this.now()), kind, ...payload, prev: this.headHash };
    const parsed = AuditRecordSchema.safeParse(record);
    if (!parsed.success) {
      throw new AuditLogError(`refusing to write an invalid "${kind}" record to ${this.file}: ${describeZodError(parsed.error).text}`, this.file, record.seq);
    }
    const line = canonicalJson(record);
    const buf = Buffer.from(line + '\n', 'utf8');
    try {
      let off = 0;
      while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
      fsyncSync(this.fd);
    } catch (err) {
      this.failed = (err as Error).message;
      this.log?.error('audit log write failed', { file: this.file, seq: record.seq, error: this.failed });
      throw new AuditLogError(`cannot append line ${record.seq} to the audit log ${this.file}: ${this.failed}`, this.file, record.seq, { cause: err });
    }
    this.seq = record.seq;
    this.headHash = lineHash(buf.subarray(0, buf.length - 1));
    return parsed.data;
  }

  /** The coordinator listens on `address`. */
  coordinatorStarted(address: string): AuditRecord {
    return this.append('coordinator-started', { format: AUDIT_FORMAT_VERSION, software: SOFTWARE, address, pid: process.pid });
  }

  /** A participant registered (Hello); `replacedSession` when it replaced a live session of the same name. */
  participantJoined(p: AuditPayload<'participant-joined'>): AuditRecord {
    return this.append('participant-joined', p);
  }

  /** A participant is no longer connected, and why. */
  participantLeft(participant: string, reason: string): AuditRecord {
    return this.append('participant-left', { participant, reason });
  }

  /** A job was accepted: its id, name and the SHA-256 digests of its validated spec and schema. */
  jobSubmitted(jobId: string, job: JobSpec, schema: DataSchema): AuditRecord {
    return this.append('job-submitted', {
      jobId,
      name: job.name,
      jobDigest: lineHash(canonicalJson(job)),
      schemaDigest: lineHash(canonicalJson(schema)),
      aggregation: job.aggregation,
      privacy: job.privacy.mode,
      rounds: job.rounds,
      minParticipants: job.minParticipants,
      ...(job.participants ? { participants: [...job.participants] } : {}),
    });
  }

  /**
   * A vertical job was accepted: its id, name, the SHA-256 of its validated spec (and of `{}`: it
   * has no schema), aggregation "vertical", its training epochs as `rounds` and its parties.
   */
  verticalJobSubmitted(jobId: string, job: VerticalJobSpec): AuditRecord {
    const parties = [job.labelHolder, ...job.featureParties];
    return this.append('job-submitted', {
      jobId, name: job.name, jobDigest: lineHash(canonicalJson(job)), schemaDigest: lineHash(canonicalJson({})),
      aggregation: 'vertical', privacy: 'none', rounds: job.train.epochs, minParticipants: parties.length, participants: parties,
    });
  }

  /** A round was completed and persisted (round 0 = the initial model's evaluation). */
  roundCompleted(jobId: string, r: RoundRecord): AuditRecord {
    const m = r.metrics;
    const s = r.secure;
    const c = r.clientDp;
    return this.append('round-completed', {
      jobId,
      round: r.round,
      participants: [...r.participants],
      metrics: { auc: finiteOrNull(m.auc), ks: finiteOrNull(m.ks), gini: finiteOrNull(m.gini), logLoss: finiteOrNull(m.logLoss), brier: finiteOrNull(m.brier), n: m.n, positives: m.positives },
      trainLoss: finiteOrNull(r.trainLoss),
      seconds: r.seconds,
      failures: r.failures.map((f) => ({ participant: f.participant, stage: f.stage, reason: f.reason })),
      ...(s ? { secure: { participants: s.participants, survivors: s.survivors, threshold: s.threshold, neighbours: s.neighbours, modulusBits: s.modulusBits, clipped: s.clipped, words: s.words, ...(s.authenticated ? { authenticated: true as const } : {}), ...(s.keysSetUpIn ? { keysSetUpIn: s.keysSetUpIn } : {}) } } : {}),
      ...(r.receipts ? { receipts: { ...r.receipts } } : {}),
      ...(r.releaseReceipts ? { releaseReceipts: structuredClone(r.releaseReceipts) } : {}),
      ...(c
        ? {
            clientDp: {
              noise: c.noise, clipNorm: c.clipNorm, noiseMultiplier: c.noiseMultiplier, survivors: c.survivors,
              ...(c.unclippedFraction !== undefined ? { unclippedFraction: c.unclippedFraction } : {}),
            },
          }
        : {}),
    });
  }

  /** A job left unfinished by an earlier run is resumed after its last stored round (null: from the start). */
  jobResumed(jobId: string, afterRound: number | null): AuditRecord {
    return this.append('job-resumed', { jobId, afterRound });
  }

  /** A job ended: its state, error (empty on success; who cancelled it), completed rounds and guarantee in words. Logs the new head. */
  jobFinished(jobId: string, state: string, error: string, rounds: number, guarantee: string): AuditRecord {
    const rec = this.append('job-finished', { jobId, state: state as 'SUCCEEDED' | 'FAILED' | 'CANCELLED', error, rounds, guarantee });
    this.log?.info('audit log head', { file: this.file, seq: this.seq, sha256: this.headHash });
    return rec;
  }

  /** Closes the file; later appends throw. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/**
 * Wraps the Fleet service's Hello so that every successful registration is logged as
 * `participant-joined`. A failed audit append is logged, and the registration stands.
 */
export function auditJoins(handlers: FleetHandlers, grid: FleetGrid, audit: AuditLog, log: Logger, signed = false): FleetHandlers {
  const hello = handlers.Hello;
  return {
    ...handlers,
    Hello(call, cb) {
      const live = new Set(grid.available());
      hello(call, (err, reply, ...rest) => {
        if (!err && reply) {
          const r = call.request;
          try {
            // The role as registered (the roster's, when there is one); the key only when the Hello was verified with it.
            const role = grid.list().find((e) => e.name === r.name)?.role ?? (r.role || 'other');
            const key = signed && r.auth?.publicKey?.length === 32 ? Buffer.from(r.auth.publicKey).toString('hex') : undefined;
            audit.participantJoined({ participant: r.name, role, schemaDigest: r.schemaDigest, replacedSession: live.has(r.name), ...(key ? { identityKey: key } : {}) });
          } catch (e) {
            log.error('audit log: participant-joined not recorded', { participant: r.name, error: (e as Error).message });
          }
        }
        cb(err, reply, ...rest);
      });
    },
  };
}

/** Moves a torn last line to a `.torn` file beside the log and cuts the log back; returns the record payload. */
function moveTornTail(file: string, torn: { line: number; offset: number; bytes: Uint8Array }, log?: Logger): AuditPayload<'torn-tail-moved'> {
  let target = `${file}.${torn.line}.torn`;
  for (let k = 2; existsSync(target); k++) target = `${file}.${torn.line}-${k}.torn`;
  try {
    writeFileAtomic(target, torn.bytes);
    truncateSync(file, torn.offset);
    const fd = openSync(file, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw new AuditLogError(`audit log ${file} line ${torn.line} is incomplete and could not be moved aside to ${target}: ${(err as Error).message}`, file, torn.line, { cause: err });
  }
  const sha256 = lineHash(torn.bytes);
  log?.warn('audit log: incomplete last line moved aside', { file, line: torn.line, bytes: torn.bytes.length, movedTo: target, sha256 });
  return { line: torn.line, bytes: torn.bytes.length, sha256, movedTo: path.basename(target) };
}

