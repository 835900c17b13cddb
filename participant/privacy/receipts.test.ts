import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nacl from 'tweetnacl';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampledGaussianEpsilon } from '../../core/privacy/index.ts';
import type { DpSgdParams } from './ledger.ts';
import { PrivacyLedger, receiptsPath } from './ledger.ts';
import type { SignedReceipt } from './receipts.ts';
import { ReceiptError, ReceiptSigner, canonicalJson, readReceiptLog, receiptBody, receiptKeyPath, verifyReceipts } from './receipts.ts';
import { identityFileFromSeed, identityFromFile } from '../../trust/format.ts';

const BUDGET = { epsilon: 3, delta: 1e-5 };
const P: DpSgdParams = { sampleRate: 0.02, noiseMultiplier: 1.1, steps: 50, clipNorm: 1 };
const fixedClock = () => {
  let t = 1_700_000_000_000;
  return () => (t += 1000);
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-receipts-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Charges `rounds` rounds to the ledger, signing a receipt for each; returns the parsed log. */
function run(rounds: number[], signer = ReceiptSigner.open(dir, { now: fixedClock() })): unknown[] {
  const ledger = PrivacyLedger.open(dir, BUDGET, { now: fixedClock() });
  for (const round of rounds) {
    const entry = ledger.charge({ jobId: 'job-1', round, stage: 'train', mechanism: 'dp-sgd', params: P });
    signer.signReceipt(receiptBody('bank-a', entry, ledger.budget, ledger.spent().perJob[0]!.epsilon));
  }
  return readReceiptLog(receiptsPath(dir));
}

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('privacy receipts', () => {
  it('creates an Ed25519 key once (secret file 0600, public key exported as hex) and reuses it across restarts', () => {
    const s = ReceiptSigner.open(dir);
    expect(s.publicKeyHex).toMatch(/^[0-9a-f]{64}$/);
    const keyFile = receiptKeyPath(dir);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(dir, 'privacy', 'receipt-key.pub'), 'utf8')).toBe(`${s.publicKeyHex}\n`);
    const key = JSON.parse(readFileSync(keyFile, 'utf8'));
    expect(key).toMatchObject({ format: 'fedcredit-receipt-key', version: 1, algorithm: 'ed25519', publicKey: s.publicKeyHex });
    const bytes = readFileSync(keyFile);
    expect(ReceiptSigner.open(dir).publicKeyHex).toBe(s.publicKeyHex);
    expect(readFileSync(keyFile)).toEqual(bytes);
  });

  it('draws a new key from the injected Rng', () => {
    const seed = new Uint8Array(32).map((_, i) => i + 1);
    const s = ReceiptSigner.open(dir, { rng: (n) => seed.slice(0, n) });
    expect(s.publicKeyHex).toBe(Buffer.from(nacl.sign.keyPair.fromSeed(seed).publicKey).toString('hex'));
  });

  it('signs receipts that verify, chained by SHA-256, with ε numbers from the accountant', () => {
    const list = run([1, 2, 3]);
    const pk = ReceiptSigner.open(dir).publicKeyHex;
    const v = verifyReceipts(list, pk);
    expect(v.chain).toEqual([]);
    expect(v.receipts.map((r) => r.reasons)).toEqual([[], [], []]);
    expect(v.ok).toBe(true);

    const [r0, r1, r2] = list as SignedReceipt[];
    if (!r0 || !r1 || !r2) throw new Error(`expected 3 receipts, got ${list.length}`);
    expect(r0.receipt).toEqual({
      version: 1, participant: 'bank-a', jobId: 'job-1', round: 1, stage: 'train', mechanism: 'dp-sgd', params: P,
      epsilonRound: r0.receipt.epsilonRound, epsilonAfter: r0.receipt.epsilonAfter, epsilonJob: r0.receipt.epsilonAfter, delta: 1e-5, budgetEpsilon: 3,
      ledgerEntryIndex: 1, previousReceiptHash: null, issuedAt: 1_700_000_002_000, // the first tick dated the new key
    });
    const eps = (steps: number) => sampledGaussianEpsilon({ q: P.sampleRate, noiseMultiplier: P.noiseMultiplier, steps }, 1e-5).epsilon;
    expect(r2.receipt.epsilonRound).toBe(eps(50));
    expect(r0.receipt.epsilonAfter).toBe(eps(50));
    expect(r2.receipt.epsilonAfter).toBeCloseTo(eps(150), 10);
    expect(r2.receipt.epsilonJob).toBeCloseTo(eps(150), 10); // one job: its ε is the whole spend
    // The link is the SHA-256 of the previous line of receipts.jsonl.
    const lines = readFileSync(receiptsPath(dir), 'utf8').split('\n');
    expect(r1.receipt.previousReceiptHash).toBe(createHash('sha256').update(lines[0]!).digest('hex'));
    expect(lines[0]).toBe(canonicalJson(r0));
    expect(nacl.sign.detached.verify(Buffer.from(canonicalJson(r0.receipt)), Buffer.from(r0.signature, 'base64'), Buffer.from(pk, 'hex'))).toBe(true);
  });

  it('continues the chain across a restart', () => {
    run([1, 2]);
    const list = run([3], ReceiptSigner.open(dir, { now: fixedClock() }));
    expect(list).toHaveLength(3);
    expect(verifyReceipts(list, ReceiptSigner.open(dir).publicKeyHex).ok).toBe(true);
  });

  it('a tampered field fails its signature and breaks the next link', () => {
    const list = clone(run([1, 2, 3])) as SignedReceipt[];
    list[1]!.receipt.epsilonAfter = list[0]!.receipt.epsilonAfter;
    const v = verifyReceipts(list, list[0]!.publicKey);
    expect(v.ok).toBe(false);
    expect(v.receipts.map((r) => r.ok)).toEqual([true, false, true]);
    expect(v.receipts[1]!.reasons).toEqual(['signature does not verify with the expected public key (the receipt was altered or signed by another key)']);
    expect(v.chain).toEqual([{ index: 2, reason: expect.stringContaining('chain break before receipt 2') }]);
  });

  it('reports malformed receipts and unsigned extra fields', () => {
    const list = clone(run([1, 2])) as Array<Record<string, unknown>>;
    (list[1]!.receipt as Record<string, unknown>).note = 'added later';
    list.push({ hello: 'world' });
    const v = verifyReceipts(list, (list[0] as unknown as SignedReceipt).publicKey);
    expect(v.receipts[1]!.reasons[0]).toMatch(/^malformed: receipt: Unrecognized key: "note"/);
    expect(v.receipts[2]!.reasons[0]).toMatch(/^malformed: /);
    expect(v.ok).toBe(false);
  });

  it('fails every receipt under the wrong public key', () => {
    const list = run([1, 2]);
    const other = Buffer.from(nacl.sign.keyPair().publicKey).toString('hex');
    const v = verifyReceipts(list, other);
    expect(v.ok).toBe(false);
    for (const r of v.receipts) {
      expect(r.reasons[0]).toMatch(/^names the public key [0-9a-f]{12}…, not the expected/);
      expect(r.reasons[1]).toMatch(/^signature does not verify/);
    }
    expect(() => verifyReceipts(list, 'abc')).toThrow(ReceiptError);
  });

  it('reports a chain break where a receipt was removed, and a missing start', () => {
    const list = run([1, 2, 3, 4]);
    const pk = (list[0] as SignedReceipt).publicKey;
    const v = verifyReceipts([list[0], list[2], list[3]], pk);
    expect(v.receipts.every((r) => r.ok)).toBe(true);
    expect(v.chain).toEqual([
      { index: 1, reason: 'chain break before receipt 1: its previousReceiptHash does not match the hash of receipt 0 (a receipt was removed, reordered or altered)' },
    ]);
    expect(v.ok).toBe(false);
    const tail = verifyReceipts(list.slice(1), pk);
    expect(tail.chain).toEqual([{ index: 0, reason: expect.stringContaining('receipts before it are missing') }]);
    const swapped = verifyReceipts([list[0], list[2], list[1], list[3]], pk);
    expect(swapped.chain.map((c) => c.index)).toEqual([1, 2, 2, 2, 3]);
  });

  it('refuses to sign out of order, appending nothing', () => {
    run([1]);
    const s = ReceiptSigner.open(dir);
    const first = s.receipts()[0]!.receipt;
    const before = readFileSync(receiptsPath(dir));
    const { version: _v, previousReceiptHash: _h, issuedAt: _t, ...body } = first;
    expect(() => s.signReceipt(body)).toThrow(/ledgerEntryIndex 1 must exceed the previous receipt's 1/);
    expect(() => s.signReceipt({ ...body, participant: 'bank-b', ledgerEntryIndex: 2 })).toThrow(/not "bank-b"/);
    expect(() => s.signReceipt({ ...body, ledgerEntryIndex: 2, epsilonAfter: -1 })).toThrow(/invalid receipt: epsilonAfter/);
    s.close();
    expect(() => s.signReceipt({ ...body, ledgerEntryIndex: 2 })).toThrow(/closed/);
    expect(readFileSync(receiptsPath(dir))).toEqual(before);
  });

  it('a corrupted key file is an error naming the file, and it is never overwritten', () => {
    ReceiptSigner.open(dir);
    const keyFile = receiptKeyPath(dir);
    const key = JSON.parse(readFileSync(keyFile, 'utf8'));
    const cases: Array<[string, RegExp]> = [
      ['{"format": "fedcredit-rec', /is not valid JSON/],
      [JSON.stringify({ ...key, seed: 'zz' }), /is not a receipt key file: seed: expected 32 bytes in lowercase hex/],
      [JSON.stringify({ ...key, seed: key.seed.replace(/^./, (c: string) => (c === '0' ? '1' : '0')) }), /seed does not give its publicKey/],
    ];
    for (const [text, what] of cases) {
      writeFileSync(keyFile, text);
      let err: unknown;
      try {
        ReceiptSigner.open(dir);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ReceiptError);
      expect((err as ReceiptError).file).toBe(keyFile);
      expect((err as Error).message).toMatch(what);
      expect((err as Error).message).toContain(`${keyFile} `);
      expect(readFileSync(keyFile, 'utf8')).toBe(text);
    }
  });

  it('refuses to make a new key when receipts signed by a lost one exist', () => {
    run([1, 2]);
    unlinkSync(receiptKeyPath(dir));
    expect(() => ReceiptSigner.open(dir)).toThrow(/receipt-key\.json is missing but .* holds 2 receipt\(s\) signed by [0-9a-f]{64}: if that is the institution's identity key, start the node with its identity .*; otherwise restore the key/);
  });

  it('a torn receipts log is an error naming the line, left untouched', () => {
    run([1, 2]);
    const file = receiptsPath(dir);
    const text = readFileSync(file, 'utf8');
    const torn = text.slice(0, text.length - 20);
    writeFileSync(file, torn);
    expect(() => ReceiptSigner.open(dir)).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2 is not valid JSON`));
    expect(readFileSync(file, 'utf8')).toBe(torn);
  });

  it('canonical JSON sorts keys at every level and rejects non-finite numbers', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: null, e: 'x' }], c: true } })).toBe('{"a":{"c":true,"d":[2,{"e":"x","f":null}]},"b":1}');
    expect(() => canonicalJson({ a: Infinity })).toThrow(ReceiptError);
  });
});

describe('receipts signed with the identity key', () => {
  const identity = identityFromFile(identityFileFromSeed('bank-a', 'bank', new Uint8Array(32).fill(7)));
  const idHex = Buffer.from(identity.publicKey).toString('hex');

  it('signs with the identity key (the roster\'s), keeps no key file, and never wipes the identity', () => {
    const signer = ReceiptSigner.open(dir, { identity, now: fixedClock() });
    expect(signer.keySource).toBe('identity');
    expect(signer.publicKeyHex).toBe(idHex);
    const list = run([1, 2], signer) as SignedReceipt[];
    expect(list.map((r) => r.publicKey)).toEqual([idHex, idHex]);
    expect(verifyReceipts(list, idHex, { participant: 'bank-a' }).ok).toBe(true);
    expect(() => statSync(receiptKeyPath(dir))).toThrow(/ENOENT/);
    expect(readFileSync(path.join(dir, 'privacy', 'receipt-key.pub'), 'utf8')).toBe(`${idHex}\n`);
    signer.close();
    expect(identity.secretKey.some((b) => b !== 0)).toBe(true); // the node still signs its Fleet messages with it
    expect(ReceiptSigner.open(dir, { identity }).receipts()).toHaveLength(2); // the chain continues
    expect(verifyReceipts(list, idHex, { participant: 'bank-b' }).receipts[0]!.reasons).toEqual(['is a receipt of "bank-a", not of "bank-b"']);
  });

  it('refuses a state dir whose receipts were signed with its own receipt key, naming both keys and what to do', () => {
    run([1, 2]);
    const own = ReceiptSigner.open(dir).publicKeyHex;
    const before = readFileSync(receiptsPath(dir), 'utf8');
    let message = '';
    try {
      ReceiptSigner.open(dir, { identity });
    } catch (e) {
      expect(e).toBeInstanceOf(ReceiptError);
      message = (e as Error).message;
    }
    expect(message).toContain(`holds 2 receipt(s) signed with key ${own} (this state dir's separate receipt key, ${receiptKeyPath(dir)})`);
    expect(message).toContain(`this node signs its receipts with its identity key ${idHex}`);
    expect(message).toMatch(/Move .*receipts\.jsonl aside .* --public-key [0-9a-f]{64} still checks it\), then start the node again/);
    expect(readFileSync(receiptsPath(dir), 'utf8')).toBe(before);
  });

  it('a state dir whose receipts were signed with the identity key needs the identity again', () => {
    run([1], ReceiptSigner.open(dir, { identity, now: fixedClock() }));
    expect(() => ReceiptSigner.open(dir)).toThrow(`holds 1 receipt(s) signed by ${idHex}: if that is the institution's identity key, start the node with its identity`);
  });
});
