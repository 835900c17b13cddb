/**
 * The participant's release log, `<stateDir>/releases.jsonl`: one JSON line per secure sum this
 * node began (`attempt`) and per input it helped unmask (`release`, written and fsynced BEFORE
 * any share leaves the node). An `attempt` line is written without its own fsync: the fsync of
 * the next `release` line flushes it too, and a process crash does not lose written lines; only
 * a power loss can forget attempts that released nothing since. It is the memory behind ./guard.ts, so it survives restarts: a
 * coordinator cannot difference two sums of one input by waiting for this node to restart.
 *
 * Opening reads and validates every line. A torn last line (the node stopped while appending) is
 * moved aside to `releases.jsonl.torn-<ms>` and the log continues: a torn `release` line was never
 * followed by a share, so nothing is forgotten that was released. Any other unreadable line is an
 * error naming the file and line, and the node refuses to start rather than forget its releases.
 *
 * Without a state dir the log lives in memory only (in-process tests and simulations); the CLI
 * always gives one. One process per state dir.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { appendDurable, writeFileAtomic } from '../../platform/atomic.ts';
import path from 'node:path';
import { ReleaseLogRecordSchema } from './guard.ts';
import type { InputKey, ReleaseLogRecord } from './guard.ts';

/** File name of the release log inside the participant's state dir. */
export const RELEASE_LOG_FILE = 'releases.jsonl';

/** The release log cannot be read or written; `file` and `line` say where. */
export class ReleaseLogError extends Error {
  constructor(message: string, readonly file: string, readonly line?: number) {
    super(message);
    this.name = 'ReleaseLogError';
  }
}

/** Records of this node's secure-sum attempts and releases (see the module header). */
export class ReleaseLog {
  /** Records by input key and by digest, so a check reads only what concerns its input. */
  private readonly byKey = new Map<string, ReleaseLogRecord[]>();
  private readonly byDigest = new Map<string, ReleaseLogRecord[]>();
  /**
   * Survivor lists already held, by their JSON text: a consortium's sums mostly share one
   * member set, so the records share one array instead of holding a copy of every name per sum.
   */
  private readonly survivorLists = new Map<string, string[]>();

  private constructor(
    private readonly records: ReleaseLogRecord[],
    /** The file, or undefined for an in-memory log. */
    readonly file: string | undefined,
    /** A torn last line found at open, moved to this file. */
    readonly tornMovedTo?: string,
  ) {
    for (const r of records) this.index(r);
  }

  private index(r: ReleaseLogRecord): void {
    if (r.kind === 'release') {
      const text = JSON.stringify(r.survivors);
      const held = this.survivorLists.get(text);
      if (held) r.survivors = held;
      else this.survivorLists.set(text, r.survivors);
    }
    const k = keyOf(r);
    this.byKey.set(k, [...(this.byKey.get(k) ?? []), r]);
    if (r.kind === 'release') this.byDigest.set(r.digest, [...(this.byDigest.get(r.digest) ?? []), r]);
  }

  /** An in-memory log (forgotten when the process ends). */
  static memory(): ReleaseLog {
    return new ReleaseLog([], undefined);
  }

  /** Opens (or creates) `<stateDir>/releases.jsonl`; throws {@link ReleaseLogError} when it cannot be read. */
  static open(stateDir: string): ReleaseLog {
    const file = path.join(stateDir, RELEASE_LOG_FILE);
    if (!existsSync(file)) {
      mkdirSync(stateDir, { recursive: true });
      return new ReleaseLog([], file);
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ReleaseLogError(`cannot read ${file}: ${(err as Error).message}`, file);
    }
    const lines = text.split('\n');
    const tail = lines.pop() ?? '';
    const records = lines.map((line, i) => parseLine(line, file, i + 1));
    let torn: string | undefined;
    if (tail !== '') {
      torn = `${file}.torn-${Date.now()}`;
      const good = lines.map((l) => l + '\n').join('');
      try {
        writeFileAtomic(torn, tail);
        writeFileAtomic(file, good);
      } catch (err) {
        throw new ReleaseLogError(`cannot move the torn last line of ${file} aside: ${(err as Error).message}`, file, lines.length + 1);
      }
    }
    return new ReleaseLog(records, file, torn);
  }

  /** Every record, oldest first. */
  history(): readonly ReleaseLogRecord[] {
    return this.records;
  }

  /** The records about one input: its (job, stage, round), and releases of identical vectors when `digest` is given; oldest first. */
  about(key: InputKey, digest?: string): ReleaseLogRecord[] {
    const mine = this.byKey.get(keyOf(key)) ?? [];
    const same = digest ? (this.byDigest.get(digest) ?? []).filter((r) => !mine.includes(r)) : [];
    return [...mine, ...same];
  }

  /**
   * Appends a record — a `release` durably (fsync, which also flushes earlier lines) before
   * returning, an `attempt` written but not synced; throws {@link ReleaseLogError} when it cannot.
   */
  append(record: ReleaseLogRecord): void {
    const r = ReleaseLogRecordSchema.parse(record);
    if (this.file) {
      try {
        if (r.kind === 'release') appendDurable(this.file, JSON.stringify(r) + '\n');
        else appendFileSync(this.file, JSON.stringify(r) + '\n', { mode: 0o600 });
      } catch (err) {
        throw new ReleaseLogError(`cannot append to ${this.file}: ${(err as Error).message}`, this.file);
      }
    }
    this.records.push(r);
    this.index(r);
  }
}

const keyOf = (k: InputKey) => JSON.stringify([k.jobId, k.stage, k.round]);

function parseLine(line: string, file: string, n: number): ReleaseLogRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    throw new ReleaseLogError(`${file}:${n} is not valid JSON (${(err as Error).message}); the node keeps its release history there and will not start without it`, file, n);
  }
  const r = ReleaseLogRecordSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue?.path.join('.') || '(line)';
    throw new ReleaseLogError(`${file}:${n}: ${where}: ${issue?.message ?? r.error.message}; the node will not start without a readable release history`, file, n);
  }
  return r.data;
}
