import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nacl from 'tweetnacl';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataSchemaSchema } from '../core/data/schema.ts';
import { JobSpecSchema } from '../core/job.ts';
import type { RoundRecord } from '../core/round/engine.ts';
import { canonicalJson } from '../core/privacy/receipt-format.ts';
import type { SignedReceipt } from '../core/privacy/receipt-format.ts';
import { PrivacyLedger } from '../participant/privacy/ledger.ts';
import { ReceiptSigner, receiptBody } from '../participant/privacy/receipts.ts';
import { identityFileFromSeed, identityFromFile } from '../trust/format.ts';
import type { Identity } from '../trust/format.ts';
import { auditVerifyCommand } from './audit-cmd.ts';
import { verifyAuditLog } from '../coordinator/audit-format.ts';
import { AUDIT_LOG_FILE, AuditLog } from '../coordinator/audit-log.ts';

const schema = DataSchemaSchema.parse(JSON.parse(readFileSync(path.join(import.meta.dirname, '..', 'examples', 'synthetic', 'schema.json'), 'utf8')));
const job = JobSpecSchema.parse({ name: 'audit-receipts', rounds: 1, minParticipants: 1, participants: ['bank-a'] });
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bankA: Identity = identityFromFile(identityFileFromSeed('bank-a', 'bank', new Uint8Array(32).fill(9)));
const A = hex(bankA.publicKey);

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-audit-receipts-'));
  file = path.join(dir, AUDIT_LOG_FILE);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function round(n: number, receipts?: Record<string, string>): RoundRecord {
  return {
    round: n, participants: ['bank-a'], trainLoss: 0.5, seconds: 0.25, finishedAt: 0, failures: [],
    metrics: { auc: 0.7, ks: 0.3, gini: 0.4, logLoss: 0.6, brier: 0.2, n: 100, positives: 30 },
    ...(receipts ? { receipts } : {}),
  };
}

/** bank-a's receipt for round 1 of job-1, signed as its node signs it (with its identity key by default). */
let nodes = 0;
function honestReceipt(identity: Identity | undefined = bankA): SignedReceipt {
  const nodeDir = path.join(dir, `node-${++nodes}`);
  const ledger = PrivacyLedger.open(nodeDir, { epsilon: 10, delta: 1e-5 });
  const signer = ReceiptSigner.open(nodeDir, identity ? { identity } : {});
  const entry = ledger.charge({ jobId: 'job-1', round: 1, stage: 'train', mechanism: 'dp-sgd', params: { sampleRate: 0.02, noiseMultiplier: 1.1, steps: 50, clipNorm: 1 } });
  return signer.signReceipt(receiptBody('bank-a', entry, ledger.budget, entry.epsilonAfter));
}

/** The same statement re-signed with a fresh key that it embeds: its signature is valid under its own key. */
function reSigned(signed: SignedReceipt, statement = signed.receipt): SignedReceipt {
  const kp = nacl.sign.keyPair();
  const signature = Buffer.from(nacl.sign.detached(Buffer.from(canonicalJson(statement), 'utf8'), kp.secretKey)).toString('base64');
  return { receipt: statement, signature, publicKey: hex(kp.publicKey) };
}

/** A new log of 5 lines: start, bank-a joins (with `identityKey` when given), job-1 submitted, round 0, round 1 carrying `receipt`. */
function writeLog(receipt: SignedReceipt, identityKey?: string): string[] {
  rmSync(file, { force: true });
  let t = 1_700_000_000_000;
  const log = AuditLog.open(file, { now: () => (t += 1000) });
  log.coordinatorStarted('127.0.0.1:7000');
  log.participantJoined({ participant: 'bank-a', role: 'bank', schemaDigest: 'abc', replacedSession: false, ...(identityKey ? { identityKey } : {}) });
  log.jobSubmitted('job-1', job, schema);
  log.roundCompleted('job-1', round(0));
  log.roundCompleted('job-1', round(1, { 'bank-a': JSON.stringify(receipt) }));
  log.close();
  return readFileSync(file, 'utf8').split('\n').slice(0, -1);
}

const verify = (lines: string[], roster?: Record<string, string>) =>
  verifyAuditLog(Buffer.from(lines.join('\n') + '\n'), { checkReceipts: true, ...(roster ? { roster: { keys: new Map(Object.entries(roster)), name: 'roster.json' } } : {}) });

describe('privacy receipts in the audit log, pinned to keys', () => {
  it('verifies honest receipts against the identity key the log recorded at the join, or against the auditor\'s roster', () => {
    const lines = writeLog(honestReceipt(), A);
    const fromLog = verify(lines);
    expect(fromLog.problems).toEqual([]);
    expect(fromLog).toMatchObject({ ok: true, receiptsVerified: 1, receiptsUnpinned: 0, unpinned: [], keysFrom: 'log', receiptKeys: { 'bank-a': [A] } });
    expect(verify(lines, { 'bank-a': A })).toMatchObject({ ok: true, receiptsVerified: 1, keysFrom: 'roster' });
  });

  it('flags a receipt re-signed with another key, though it verifies under the key it embeds', () => {
    const forged = reSigned(honestReceipt());
    const lines = writeLog(forged, A);
    const tail = `: a receipt signed with any other key is invalid`;
    expect(verify(lines).problems).toEqual([{
      line: 5, kind: 'receipt',
      message: `bank-a: privacy receipt of bank-a is signed with key ${forged.publicKey}, not with the identity key bank-a joined with (participant-joined, line 2), ${A}${tail}`,
    }]);
    expect(verify(lines, { 'bank-a': A }).problems).toEqual([{
      line: 5, kind: 'receipt', message: `bank-a: privacy receipt of bank-a is signed with key ${forged.publicKey}, not with the key the roster roster.json lists for bank-a, ${A}${tail}`,
    }]);
    // An ε lowered under the right key's name: the signature fails.
    const altered = structuredClone(honestReceipt());
    altered.receipt.epsilonRound /= 2;
    expect(verify(writeLog(altered, A)).problems[0]!.message).toMatch(/^bank-a: privacy receipt of bank-a: the signature does not verify under the identity key .*\(the receipt was altered\)$/);
  });

  it('with a roster, fails closed: a participant it does not list, and a joined key that differs from its key', () => {
    const lines = writeLog(honestReceipt(), A);
    const other = hex(nacl.sign.keyPair().publicKey);
    expect(verify(lines, { 'bank-b': other }).problems).toEqual([{
      line: 5, kind: 'receipt', message: `bank-a: not a member of the roster roster.json, so its privacy receipt (signed with key ${A}) cannot be pinned to a roster key`,
    }]);
    const disagree = verify(lines, { 'bank-a': other });
    expect(disagree.problems.map((p) => [p.line, p.kind])).toEqual([[2, 'content'], [5, 'receipt']]);
    expect(disagree.problems[0]!.message).toBe(`bank-a joined with identity key ${A}, but the roster roster.json lists ${other} for bank-a (the log and the roster disagree)`);
    expect(disagree.receiptsVerified).toBe(0);
  });

  it('receipts with no key to pin them to are reported as NOT pinned, never as verified', () => {
    const self = reSigned(honestReceipt(undefined)); // anyone can make this one
    const v = verify(writeLog(self));
    expect(v).toMatchObject({ ok: true, problems: [], receiptsVerified: 0, receiptsUnpinned: 1, unpinned: ['bank-a'] });
    expect(v.notes).toEqual([{ line: 5, message: expect.stringMatching(/^privacy receipts of bank-a are NOT pinned: no participant-joined record holds its identity key and no --roster was given/) }]);
    const altered = structuredClone(self);
    altered.receipt.epsilonAfter /= 2;
    expect(verify(writeLog(altered)).problems[0]!.message).toMatch(/the signature does not verify even under the key embedded in it/);
  });

  it('fedcredit audit verify --roster prints the forged receipt with both keys and fails; without it, says what is not pinned', () => {
    const roster = path.join(dir, 'roster.json');
    writeFileSync(roster, JSON.stringify({ format: 'fedcredit-roster', version: 1, consortium: 'test', members: [{ name: 'bank-a', role: 'bank', publicKey: A }] }));
    const run = (o: { roster?: string }) => {
      const out: string[] = [];
      const code = auditVerifyCommand({ log: file, json: false, ...o }, (l) => out.push(l));
      return { code, text: out.join('\n') };
    };
    writeLog(honestReceipt(), A);
    const ok = run({ roster });
    expect(ok.code, ok.text).toBe(0);
    expect(ok.text).toContain(`privacy receipts verified 1 against the roster ${roster}`);

    const forged = reSigned(honestReceipt());
    writeLog(forged, A);
    const bad = run({ roster });
    expect(bad.code).toBe(1);
    expect(bad.text).toContain(`line 5: bank-a: privacy receipt of bank-a is signed with key ${forged.publicKey}, not with the key the roster ${roster} lists for bank-a, ${A}`);

    writeLog(forged);
    const unpinned = run({});
    expect(unpinned.code, unpinned.text).toBe(0);
    expect(unpinned.text).toMatch(/privacy receipts verified 0 against the identity keys the log records for the joined participants, 1 NOT pinned to any key/);
    expect(unpinned.text).toContain('NOT pinned: the receipts of bank-a were checked only against the key embedded in each');
    expect(run({ roster }).code).toBe(1); // the same log fails once the auditor's roster pins bank-a's key
  });
});
