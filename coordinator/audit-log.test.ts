import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataSchemaSchema } from '../core/data/schema.ts';
import { JobSpecSchema } from '../core/job.ts';
import type { RoundRecord } from '../core/round/engine.ts';
import { canonicalJson } from '../core/privacy/receipt-format.ts';
import { lineHash, verifyAuditLog } from './audit-format.ts';
import { AUDIT_LOG_FILE, AuditLog, AuditLogError } from './audit-log.ts';

const schema = DataSchemaSchema.parse(JSON.parse(readFileSync(path.join(import.meta.dirname, '..', 'examples', 'synthetic', 'schema.json'), 'utf8')));
const job = JobSpecSchema.parse({ name: 'audit-unit', rounds: 2, minParticipants: 2, participants: ['bank-a', 'bank-b'] });

const clock = () => {
  let t = 1_700_000_000_000;
  return () => (t += 1000);
};

function round(n: number, receipts?: Record<string, string>): RoundRecord {
  return {
    round: n, participants: ['bank-a', 'bank-b'], trainLoss: n === 0 ? Number.NaN : 0.5 / n, seconds: 0.25, finishedAt: 0,
    metrics: { auc: 0.5 + n / 10, ks: 0.1 * n, gini: n / 5, logLoss: 0.69, brier: 0.24, n: 100, positives: 30 },
    failures: n === 2 ? [{ participant: 'bank-c', stage: 'round 2: train', reason: 'not connected' }] : [],
    secure: { participants: 2, survivors: 2, threshold: 2, neighbours: 1, modulusBits: 32, clipped: 0, words: 40, ...(n === 2 ? { keysSetUpIn: 1 } : {}) },
    ...(receipts ? { receipts } : {}),
  };
}

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-audit-'));
  file = path.join(dir, AUDIT_LOG_FILE);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A log of a coordinator start, a join, a two-round job and its end: 7 lines. */
function writeLog(): string[] {
  const log = AuditLog.open(file, { now: clock() });
  log.coordinatorStarted('127.0.0.1:7000');
  log.participantJoined({ participant: 'bank-a', role: 'bank', schemaDigest: 'abc', replacedSession: false });
  log.jobSubmitted('job-1', job, schema);
  for (const n of [0, 1, 2]) log.roundCompleted('job-1', round(n));
  log.jobFinished('job-1', 'SUCCEEDED', '', 2, 'secure aggregation (…)');
  log.close();
  return readFileSync(file, 'utf8').split('\n').slice(0, -1);
}

const verify = (lines: string[], trailingNewline = true) => verifyAuditLog(Buffer.from(lines.join('\n') + (trailingNewline ? '\n' : '')), { checkReceipts: true });

describe('audit log', () => {
  it('writes canonical, hash-chained lines and continues the chain after a reopen', () => {
    const lines = writeLog();
    expect(lines).toHaveLength(7);
    lines.forEach((l, i) => {
      const rec = JSON.parse(l);
      expect(canonicalJson(rec)).toBe(l);
      expect(rec.seq).toBe(i + 1);
      expect(rec.prev).toBe(i === 0 ? null : lineHash(lines[i - 1]!));
    });
    const [started, , submitted, r0, , r2] = lines.map((l) => JSON.parse(l));
    expect(started).toMatchObject({ kind: 'coordinator-started', format: 1, address: '127.0.0.1:7000', at: 1_700_000_001_000 });
    expect(submitted).toMatchObject({ kind: 'job-submitted', jobId: 'job-1', name: 'audit-unit', jobDigest: lineHash(canonicalJson(job)), participants: ['bank-a', 'bank-b'] });
    expect(r0.trainLoss).toBeNull(); // NaN is logged as null
    expect(r0.secure.threshold).toBe(2);
    // A sum whose keys an earlier round's sum set up (keysAhead) says which; the others do not.
    expect(r0.secure.keysSetUpIn).toBeUndefined();
    expect(r2.secure.keysSetUpIn).toBe(1);
    expect(verify(lines).problems).toEqual([]);

    const reopened = AuditLog.open(file, { now: clock() });
    expect(reopened.head).toEqual({ seq: 7, hash: lineHash(lines[6]!) });
    reopened.coordinatorStarted('127.0.0.1:7001');
    reopened.close();
    const all = readFileSync(file, 'utf8').split('\n').slice(0, -1);
    expect(JSON.parse(all[7]!)).toMatchObject({ seq: 8, prev: lineHash(lines[6]!) });
    const v = verify(all);
    expect(v.problems).toEqual([]);
    expect(v).toMatchObject({ ok: true, records: 8, starts: 2, rounds: 3, participants: ['bank-a'], head: { seq: 8 } });
    expect(v.jobs).toEqual([{ jobId: 'job-1', name: 'audit-unit', rounds: 2, state: 'SUCCEEDED' }]);
  });

  it('detects an altered field at the next line, and at the last line only against a kept head', () => {
    const lines = writeLog();
    const r1 = JSON.parse(lines[4]!);
    r1.metrics.auc = 0.99;
    const tampered = [...lines];
    tampered[4] = canonicalJson(r1);
    const v = verify(tampered);
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([{ line: 6, kind: 'chain', message: 'prev does not match the hash of line 5 (record removed, reordered or altered)' }]);

    // An edit that is not canonical JSON is caught on its own line.
    const spaced = [...lines];
    spaced[2] = JSON.stringify(JSON.parse(lines[2]!), null, 1).replace(/\n/g, '');
    expect(verify(spaced).problems.map((p) => [p.line, p.kind])).toEqual([[3, 'format'], [4, 'chain']]);

    // The last line has no successor: only a head kept elsewhere shows its change.
    const last = JSON.parse(lines[6]!);
    last.state = 'FAILED';
    const lastTampered = [...lines.slice(0, 6), canonicalJson(last)];
    expect(verify(lastTampered).ok).toBe(true);
    const head = { seq: 7, hash: lineHash(lines[6]!) };
    const vh = verifyAuditLog(Buffer.from(lastTampered.join('\n') + '\n'), { expectHead: head });
    expect(vh.problems).toEqual([{ line: 7, kind: 'chain', message: expect.stringMatching(/^the line's hash differs from the expected head .*rewritten/) }]);
    // Cutting records off the end is caught by the kept head too.
    const vc = verifyAuditLog(Buffer.from(lines.slice(0, 5).join('\n') + '\n'), { expectHead: head });
    expect(vc.problems[0]!.message).toMatch(/the log ends at line 5, before the expected head at seq 7/);
  });

  it('detects a removed line and reordered lines at the right line numbers', () => {
    const lines = writeLog();
    const removed = verify([...lines.slice(0, 3), ...lines.slice(4)]);
    expect(removed.problems.map((p) => `${p.line} ${p.kind}`)).toEqual(['4 chain', '4 chain', '4 content']);
    expect(removed.problems[0]!.message).toBe('seq is 5, expected 4 after seq 3 of line 3 (a record was removed or reordered)');
    expect(removed.problems[1]!.message).toBe('prev does not match the hash of line 3 (record removed, reordered or altered)');
    expect(removed.problems[2]!.message).toBe('round 1 of job job-1 follows round -1 (expected round 0)');

    const reordered = verify([lines[0]!, lines[1]!, lines[3]!, lines[2]!, ...lines.slice(4)]);
    const chain = reordered.problems.filter((p) => p.kind === 'chain').map((p) => p.line);
    expect(chain).toEqual([3, 3, 4, 4, 5, 5]); // seq and prev at each of the three lines after the swap
    expect(reordered.problems.find((p) => p.kind === 'content')).toMatchObject({ line: 3, message: 'round-completed for job job-1, which no earlier line submits' });

    const first = verify(lines.slice(2));
    expect(first.problems[0]).toMatchObject({ line: 1, message: 'seq is 3, expected 1 (the first record has seq 1) (a record was removed or reordered)' });
    expect(first.problems[1]).toMatchObject({ line: 1, message: 'prev is not null on the first line: the records before it are missing' });
  });

  it('reports a torn last line, and on open moves it aside and records that', () => {
    const lines = writeLog();
    const torn = '{"at":1700000009000,"kind":"coordinator-sta';
    appendFileSync(file, torn);
    const v = verifyAuditLog(readFileSync(file));
    expect(v.problems).toEqual([{ line: 8, kind: 'torn', message: expect.stringMatching(/^incomplete last line \(43 byte\(s\), no newline\)/) }]);
    expect(v.records).toBe(7);

    const log = AuditLog.open(file, { now: clock() });
    log.close();
    expect(readFileSync(path.join(dir, `${AUDIT_LOG_FILE}.8.torn`), 'utf8')).toBe(torn);
    const after = readFileSync(file, 'utf8').split('\n').slice(0, -1);
    expect(after.slice(0, 7)).toEqual(lines);
    expect(JSON.parse(after[7]!)).toMatchObject({
      seq: 8, kind: 'torn-tail-moved', line: 8, bytes: 43, sha256: lineHash(torn), movedTo: `${AUDIT_LOG_FILE}.8.torn`, prev: lineHash(lines[6]!),
    });
    expect(verify(after).ok).toBe(true);
  });

  it('refuses to open a log whose chain is broken, naming the file and line', () => {
    const lines = writeLog();
    writeFileSync(file, [...lines.slice(0, 2), ...lines.slice(3)].join('\n') + '\n');
    let err: unknown;
    try {
      AuditLog.open(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AuditLogError);
    expect((err as AuditLogError).line).toBe(3);
    expect((err as Error).message).toContain(`audit log ${file} line 3: seq is 4, expected 3`);
    expect((err as Error).message).toContain('fedcredit audit verify --log');
    expect(readdirSync(dir).sort()).toEqual([AUDIT_LOG_FILE]); // nothing moved or rewritten
  });

  it('reports an invalid record with its line and field, and refuses to write one', () => {
    const lines = writeLog();
    const bad = JSON.parse(lines[3]!);
    bad.metrics.n = -1;
    const v = verify([...lines.slice(0, 3), canonicalJson(bad), ...lines.slice(4)]);
    expect(v.problems[0]).toEqual({ line: 4, kind: 'format', message: 'invalid "round-completed" record: metrics.n: Too small: expected number to be >=0' });
    const log = AuditLog.open(path.join(dir, 'other.jsonl'));
    expect(() => log.participantLeft('', 'gone')).toThrow(/refusing to write an invalid "participant-left" record .*participant/);
    log.close();
    expect(existsSync(path.join(dir, 'other.jsonl'))).toBe(true);
    expect(readFileSync(path.join(dir, 'other.jsonl'), 'utf8')).toBe('');
  });

  it('notes rounds lost in a crash before a declared resume, flags an undeclared gap, and still opens', () => {
    const log = AuditLog.open(file, { now: clock() });
    log.jobSubmitted('job-1', job, schema);
    log.roundCompleted('job-1', round(0));
    log.coordinatorStarted('127.0.0.1:7001'); // a restart; round 1 was stored but its record never written
    log.jobResumed('job-1', 1);
    log.roundCompleted('job-1', round(2));
    log.jobFinished('job-1', 'SUCCEEDED', '', 2, '…');
    log.close();
    const lines = readFileSync(file, 'utf8').split('\n').slice(0, -1);
    const v = verify(lines);
    expect(v.problems).toEqual([]);
    expect(v.notes).toEqual([{ line: 4, message: 'job job-1 resumes after round 1: round 1 was completed but not logged (the coordinator stopped between storing and logging)' }]);

    // Without the resume record the gap is a problem for the auditor — not a reason to refuse to start.
    const reopened = AuditLog.open(path.join(dir, 'gap.jsonl'), { now: clock() });
    reopened.jobSubmitted('job-1', job, schema);
    reopened.roundCompleted('job-1', round(0));
    reopened.roundCompleted('job-1', round(2));
    reopened.close();
    const gap = verifyAuditLog(readFileSync(path.join(dir, 'gap.jsonl')));
    expect(gap.problems).toEqual([{ line: 3, kind: 'content', message: 'round 2 of job job-1 follows round 0 (expected round 1)' }]);
    AuditLog.open(path.join(dir, 'gap.jsonl')).close();
  });
});
