/**
 * Key derivation for secure aggregation: HKDF-SHA256 (RFC 5869, "HMAC-based Extract-and-Expand
 * Key Derivation Function") from `node:crypto`'s HMAC — a deterministic function, so it belongs
 * in the pure core; no randomness is drawn here.
 *
 * Raw X25519 outputs and self-mask seeds are never used as keys directly (a known pitfall:
 * a PRG seeded with a 32-bit fold of the secret). {@link deriveKey} turns one secret into a
 * 32-byte key bound to the federated run, the round, the purpose and the pair of participants, so
 * a mask key is never reused across runs, rounds, retries (a retry gets a new round id or run id)
 * or purposes, and the two directions of a share-encryption channel get different keys.
 *
 * Info encoding (unambiguous, every variable-length field length-prefixed):
 *
 *     info = "fedcredit/secagg/v1/key" ‖ lp(purpose) ‖ lp(run) ‖ u32be(round) ‖ lp(first) ‖ lp(second)
 *     lp(s) = u32be(byteLength(utf8(s))) ‖ utf8(s)
 *
 * with salt = utf8("fedcredit/secagg/v1"). For purpose `mask` the pair is put in canonical order
 * (first = the lexicographically smaller id by UTF-16 code units, i.e. JavaScript `<`), so u and v
 * derive the same key s_uv; for `share-enc` and `self-mask` the pair is kept in the order given
 * (by convention a = sender/owner, b = recipient).
 */
import { createHmac } from 'node:crypto';
import { CoreInputError } from '../types.ts';
import { isAllZero } from './keys.ts';

/** HKDF salt: a fixed domain-separation string for this protocol version. */
export const HKDF_SALT = new TextEncoder().encode('fedcredit/secagg/v1');

/** Length in bytes of every key returned by {@link deriveKey}. */
export const DERIVED_KEY_BYTES = 32;

/** Shortest secret {@link deriveKey} accepts (128 bits); X25519 outputs and seeds are 32 bytes. */
export const MIN_SECRET_BYTES = 16;

const HASH_BYTES = 32;
const UTF8 = new TextEncoder();
const INFO_LABEL = UTF8.encode('fedcredit/secagg/v1/key');
const PURPOSES = new Set<KeyPurpose>(['mask', 'share-enc', 'self-mask']);

/** What a derived key is used for; each purpose is a separate key space. */
export type KeyPurpose = 'mask' | 'share-enc' | 'self-mask';

/**
 * Everything a derived key is bound to. `run` identifies the federated job (and attempt), `round`
 * the aggregation round (a uint32), `a` and `b` the two participant ids of the pair (for
 * `self-mask`, conventionally both the owner's id).
 */
export interface KeyContext {
  run: string;
  round: number;
  purpose: KeyPurpose;
  a: string;
  b: string;
}

/**
 * HKDF-SHA256 (RFC 5869 §2): extract with `salt`, expand with `info` to `length` bytes.
 * Throws {@link CoreInputError} (`length`) unless 1 ≤ length ≤ 255·32 = 8160 (RFC 5869 §2.3).
 */
export function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 1 || length > 255 * HASH_BYTES) {
    throw new CoreInputError(`length must be an integer in [1, ${255 * HASH_BYTES}], got ${length}`, 'length');
  }
  if (!(ikm instanceof Uint8Array)) throw new CoreInputError('ikm must be a Uint8Array', 'ikm');
  if (!(salt instanceof Uint8Array)) throw new CoreInputError('salt must be a Uint8Array', 'salt');
  if (!(info instanceof Uint8Array)) throw new CoreInputError('info must be a Uint8Array', 'info');
  if (info.length > 1024) throw new CoreInputError(`info must be at most 1024 bytes, got ${info.length}`, 'info');
  // Extract, then expand (RFC 5869 §2.2–2.3), with HMAC-SHA256: a 32-byte key is two HMACs, about
  // half the cost of node:crypto's hkdfSync per call, and a client derives about three keys per
  // neighbour per aggregate.
  const prk = createHmac('sha256', salt).update(ikm).digest();
  const out = new Uint8Array(Math.ceil(length / HASH_BYTES) * HASH_BYTES);
  let previous: Uint8Array = new Uint8Array(0);
  for (let i = 1; (i - 1) * HASH_BYTES < length; i++) {
    previous = createHmac('sha256', prk).update(previous).update(info).update(Uint8Array.of(i)).digest();
    out.set(previous, (i - 1) * HASH_BYTES);
  }
  prk.fill(0);
  return out.length === length ? out : out.slice(0, length);
}

/**
 * The HKDF `info` string for a key context (encoding in the module header). Exposed so tests and
 * audits can see exactly what a key is bound to. Throws {@link CoreInputError} naming the field
 * (`ctx.purpose`, `ctx.round`, `ctx.run`, `ctx.a`, `ctx.b`) when it is malformed, and `ctx.b` when
 * a mask pair names the same participant twice.
 */
export function keyInfo(ctx: KeyContext): Uint8Array {
  if (!PURPOSES.has(ctx.purpose)) {
    throw new CoreInputError(`ctx.purpose must be one of ${[...PURPOSES].join(', ')}, got ${String(ctx.purpose)}`, 'ctx.purpose');
  }
  if (!Number.isInteger(ctx.round) || ctx.round < 0 || ctx.round > 0xffffffff) {
    throw new CoreInputError(`ctx.round must be an integer in [0, 2^32), got ${ctx.round}`, 'ctx.round');
  }
  for (const field of ['run', 'a', 'b'] as const) {
    if (typeof ctx[field] !== 'string' || ctx[field].length === 0) {
      throw new CoreInputError(`ctx.${field} must be a non-empty string`, `ctx.${field}`);
    }
  }
  let first = ctx.a;
  let second = ctx.b;
  if (ctx.purpose === 'mask') {
    if (ctx.a === ctx.b) throw new CoreInputError(`a mask pair needs two distinct ids, got ${ctx.a} twice`, 'ctx.b');
    if (second < first) [first, second] = [second, first];
  }
  // One buffer with each field's UTF-8 written straight into it, no intermediate encodings: a
  // member derives about forty keys per secure sum. Every byte of it is written below.
  let total = INFO_LABEL.length + 4;
  for (const f of [ctx.purpose, ctx.run, first, second]) total += 4 + Buffer.byteLength(f, 'utf8');
  const out = Buffer.allocUnsafe(total);
  out.set(INFO_LABEL, 0);
  let off = INFO_LABEL.length;
  const put = (f: string) => {
    const n = out.write(f, off + 4, 'utf8');
    out.writeUInt32BE(n, off);
    off += 4 + n;
  };
  put(ctx.purpose);
  put(ctx.run);
  out.writeUInt32BE(ctx.round, off);
  off += 4;
  put(first);
  put(second);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * A 32-byte key derived from `secret` (an X25519 shared secret or a self-mask seed) and bound
 * to `ctx` by HKDF-SHA256 with salt {@link HKDF_SALT} and info {@link keyInfo}(ctx).
 * For `mask`, `deriveKey(s, {…, a: u, b: v})` equals `deriveKey(s, {…, a: v, b: u})`.
 * Throws {@link CoreInputError}: `secret` when it is shorter than {@link MIN_SECRET_BYTES} or all
 * zeros; the offending `ctx.*` field otherwise.
 */
export function deriveKey(secret: Uint8Array, ctx: KeyContext): Uint8Array {
  if (!(secret instanceof Uint8Array) || secret.length < MIN_SECRET_BYTES) {
    throw new CoreInputError(`secret must be a Uint8Array of at least ${MIN_SECRET_BYTES} bytes`, 'secret');
  }
  if (isAllZero(secret)) throw new CoreInputError('secret must not be all zeros', 'secret');
  return hkdf(secret, HKDF_SALT, keyInfo(ctx), DERIVED_KEY_BYTES);
}
