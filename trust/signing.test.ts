import { describe, expect, it } from 'vitest';
import nacl from 'tweetnacl';
import { HelloNonces, ReplayWindow, payloadDigest, signRequest, signedBytes, verifyRequest } from './signing.ts';
import type { SignedFields } from './signing.ts';

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
