import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import nacl from 'tweetnacl';
import { HelloNonces, ReplayWindow, payloadDigest, signRequest, signedBytes, verifyRequest } from './signing.ts';
import type { SignedFields } from './signing.ts';
import { payloadBytes } from '../proto/vectors/canonical.ts';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_PATH } from '../proto/load.ts';
import { aheadAnswersToWire } from '../proto/ahead-wire.ts';

const keys = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(7));
const fields = (over: Partial<SignedFields> = {}): SignedFields => ({
  method: 'PushResult', principal: 'session-1', sequence: 3, timestampMs: 1000, nonce: new Uint8Array(0),
  jobId: 'job', round: 2, stage: 'train/begin', run: 'job/train/2/ab.1', ...over,
});
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('payload digest', () => {
  it('treats proto3 defaults as absent, so the sender\'s object and the decoded copy hash alike', () => {
    const sent = { taskId: 't', refusal: { code: 'x', reason: 'y' } };
    const decoded = { session: 's', taskId: 't', refusal: { code: 'x', reason: 'y' }, contribution: null, secagg: null, privacyReceiptJson: '', outcome: 'refusal', auth: { signature: Buffer.alloc(64) } };
    expect(hex(payloadDigest(decoded))).toBe(hex(payloadDigest(sent)));
    const tensor = { name: 'v', dtype: 'FLOAT64', shape: [2], data: Buffer.from([1, 2]) };
    expect(hex(payloadDigest({ contribution: { vectors: [tensor] } }))).toBe(hex(payloadDigest({ contribution: { vectors: [{ ...tensor, data: new Uint8Array([1, 2]) }] }, secagg: null })));
  });

  it('changes with any field, value, type or order of list elements', () => {
    const base = payloadDigest({ taskId: 't', shape: [1, 2], flag: true, data: new Uint8Array([1]) });
    for (const other of [
      { taskId: 'u', shape: [1, 2], flag: true, data: new Uint8Array([1]) },
      { taskId: 't', shape: [2, 1], flag: true, data: new Uint8Array([1]) },
      { taskId: 't', shape: [1, 2], data: new Uint8Array([1]) },
      { taskId: 't', shape: [1, 2], flag: true, data: new Uint8Array([2]) },
      { taskId: 't', shape: ['1', 2], flag: true, data: new Uint8Array([1]) },
      { taskId: 't', shape: [1, 2], flag: true, data: new Uint8Array([1]), extra: 'x' },
    ]) {
      expect(hex(payloadDigest(other))).not.toBe(hex(base));
    }
  });
});

describe('payload digest against the canonical encoding written out in full', () => {
  // A small deterministic generator (LCG): the same messages on every run.
  let state = 7;
  const rnd = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const int = (n: number) => Math.floor(rnd() * n);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  const text = (n: number) => Array.from({ length: n }, () => ['a', 'é', '€', '😀', '\ud800', ' '][int(6)]).join('');
  const value = (depth: number): unknown => {
    switch (int(depth > 3 ? 6 : 8)) {
      case 0: return text(int(40));
      case 1: return [0, -0, 1.5, -3, 1e300, Number.NaN, 2 ** 53][int(7)];
      case 2: return rnd() < 0.5;
      case 3: return bytes([0, 3, 1023, 1024, 5000][int(5)]!);
      case 4: return 'DTYPE_UNSPECIFIED';
      case 5: return null;
      case 6: return Array.from({ length: int(5) }, () => value(depth + 1));
      default: return Object.fromEntries(Array.from({ length: int(6) }, (_, i) => [`k${int(20)}_${i}`, value(depth + 1)]));
    }
  };
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

  it('hashes exactly the bytes of proto/vectors/canonical.ts (an independent implementation) for random messages', () => {
    for (let i = 0; i < 300; i++) {
      const m = { taskId: text(8), session: 's', auth: { signature: bytes(64) }, body: value(0), extra: value(0) };
      expect(hex(payloadDigest(m)), `message ${i}`).toBe(sha(payloadBytes(m)));
    }
  });

  it('also across its internal batching: long strings, many small fields, large byte fields', () => {
    const big = { s: text(20_000), list: Array.from({ length: 3000 }, (_, i) => ({ id: `m-${i}`, n: i, b: bytes(i % 40) })), data: bytes(413_324), tail: 'x' };
    expect(hex(payloadDigest(big))).toBe(sha(payloadBytes(big)));
  });
});

describe('request signatures', () => {
  it('are tweetnacl Ed25519 signatures over the length-prefixed fields, verifying only for the same method and principal', () => {
    const req = { session: 'session-1', taskId: 't', refusal: { code: 'c', reason: 'r' } };
    const auth = signRequest(req, fields(), keys.secretKey);
    expect(nacl.sign.detached.verify(signedBytes(fields(), payloadDigest(req)), auth.signature, keys.publicKey)).toBe(true);
    expect(verifyRequest(req, 'PushResult', 'session-1', auth, keys.publicKey)).toBe(true);
    expect(verifyRequest(req, 'Heartbeat', 'session-1', auth, keys.publicKey)).toBe(false);
    expect(verifyRequest(req, 'PushResult', 'session-2', auth, keys.publicKey)).toBe(false);
    expect(verifyRequest({ ...req, taskId: 'u' }, 'PushResult', 'session-1', auth, keys.publicKey)).toBe(false);
    for (const k of ['sequence', 'round', 'jobId', 'stage', 'run'] as const) {
      const changed = { ...auth, [k]: typeof auth[k] === 'number' ? (auth[k] as number) + 1 : `${auth[k]}x` };
      expect(verifyRequest(req, 'PushResult', 'session-1', changed, keys.publicKey), k).toBe(false);
    }
    expect(verifyRequest(req, 'PushResult', 'session-1', { ...auth, signature: auth.signature.subarray(0, 63) }, keys.publicKey)).toBe(false);
    const other = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(8));
    expect(verifyRequest(req, 'PushResult', 'session-1', auth, other.publicKey)).toBe(false);
  });

  it('never encode two different field lists alike (length prefixes)', () => {
    const d = new Uint8Array(32);
    expect(hex(signedBytes(fields({ jobId: 'ab', stage: 'c' }), d))).not.toBe(hex(signedBytes(fields({ jobId: 'a', stage: 'bc' }), d)));
  });
});

describe('replay protection', () => {
  it('accepts each sequence number once, out of order within the window, and refuses old ones', () => {
    const w = new ReplayWindow(8);
    expect(w.accept(1)).toBeNull();
    expect(w.accept(3)).toBeNull();
    expect(w.accept(2)).toBeNull();
    expect(w.accept(3)).toMatch(/replayed message: sequence number 3/);
    expect(w.accept(20)).toBeNull();
    expect(w.accept(12)).toMatch(/older than the replay window/);
    expect(w.accept(13)).toBeNull();
    expect(w.accept(0)).toMatch(/not a positive integer/);
    expect(w.accept(1.5)).toMatch(/not a positive integer/);
  });

  it('keeps at most `width` numbers however long the session, and forgets the right ones after a jump', () => {
    const w = new ReplayWindow(64);
    // 1 … 10,000 in order, except 9,950, which a slower request of the session brings late.
    for (let seq = 1; seq <= 10_000; seq++) if (seq !== 9_950) expect(w.accept(seq)).toBeNull();
    expect((w as unknown as { seen: Set<number> }).seen.size).toBe(63);
    expect(w.accept(9_950)).toBeNull();
    expect((w as unknown as { seen: Set<number> }).seen.size).toBe(64);
    expect(w.accept(9_936)).toMatch(/older than the replay window/);
    expect(w.accept(9_990)).toMatch(/replayed message/);
    // A jump past the whole window forgets everything before it; numbers just inside stay usable.
    expect(w.accept(50_000)).toBeNull();
    expect((w as unknown as { seen: Set<number> }).seen.size).toBe(1);
    expect(w.accept(49_937)).toBeNull();
    expect(w.accept(49_936)).toMatch(/older than the replay window/);
    expect(w.accept(50_000)).toMatch(/replayed message/);
  });

  it('accepts a Hello nonce once, and only with a timestamp near the coordinator\'s clock', () => {
    const h = new HelloNonces(60_000);
    const n = new Uint8Array(16).fill(1);
    expect(h.accept(1_000_000, n, 1_000_500)).toBeNull();
    expect(h.accept(1_000_000, n, 1_000_600)).toMatch(/replayed Hello/);
    expect(h.accept(1_000_000, new Uint8Array(16).fill(2), 1_100_000)).toMatch(/-100 s off the coordinator's clock/);
    expect(h.accept(1_000_000, new Uint8Array(8), 1_000_000)).toMatch(/16 bytes/);
  });
});

describe('the payload digest of a reply that answers carried key-setup steps', () => {
  const def = protoLoader.loadSync(PROTO_PATH, { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true });
  const fleet = def['fedcredit.v1.Fleet'] as protoLoader.ServiceDefinition;
  const replyOverTheWire = (request: Record<string, unknown>) => fleet.PushResult!.requestDeserialize(fleet.PushResult!.requestSerialize(request)) as Record<string, unknown>;
  it('hashes alike for the signature: the object a node signs and the coordinator\'s decoded copy', () => {
    const sent = {
      session: 's',
      taskId: 't',
      secagg: { message: 'advertise-keys', cPk: Buffer.alloc(32, 1), sPk: Buffer.alloc(32, 2) },
      ahead: aheadAnswersToWire([
        { run: 'job/train/2/0.2', secagg: { type: 'graph-nonce', from: 'bob', nonce: new Uint8Array(32).fill(9) } },
        { run: 'job/train/3/0.3', refusal: 'no [secagg_refused]' },
      ]),
    };
    const decoded = replyOverTheWire(sent);
    expect(Buffer.from(payloadDigest(decoded)).toString('hex')).toBe(Buffer.from(payloadDigest(sent)).toString('hex'));
    const changed = { ...sent, ahead: [sent.ahead[0]!, { ...sent.ahead[1]!, refusal: 'yes' }] };
    expect(Buffer.from(payloadDigest(changed)).toString('hex')).not.toBe(Buffer.from(payloadDigest(sent)).toString('hex'));
  });
});
