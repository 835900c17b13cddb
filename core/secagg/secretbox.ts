/**
 * Authenticated symmetric encryption of Shamir shares between participants (Bonawitz et al.,
 * CCS 2017, §4, ShareKeys: shares travel through the server encrypted under a key agreed by the
 * two users). The cipher is NaCl `crypto_secretbox` — XSalsa20-Poly1305 (Bernstein, "Cryptography
 * in NaCl", 2009; Poly1305 per RFC 8439 §2.5) — via tweetnacl.
 *
 * Sealed layout: nonce (24 bytes, drawn from the injected {@link Rng}) ‖ secretbox ciphertext
 * (plaintext length + 16-byte tag). A 192-bit random nonce makes collisions negligible even if a
 * key were reused; keys are nevertheless single-use (`deriveKey` with purpose `share-enc`).
 * Binding the context (run, round, src, dst, stage) is the caller's job: put it inside the
 * plaintext and compare it after {@link open}.
 */
import nacl from 'tweetnacl';
import type { Rng } from '../types.ts';
import { CoreInputError } from '../types.ts';
import { assertBytes } from './keys.ts';

/** secretbox key length in bytes. */
export const SECRETBOX_KEY_BYTES = 32;
/** Random nonce length in bytes, prefixed to every sealed message. */
export const SECRETBOX_NONCE_BYTES = 24;
/** Poly1305 tag length in bytes. */
export const SECRETBOX_TAG_BYTES = 16;
/** Bytes a sealed message adds to its plaintext: nonce plus tag. */
export const SEAL_OVERHEAD = SECRETBOX_NONCE_BYTES + SECRETBOX_TAG_BYTES;

/**
 * Encrypts and authenticates `plaintext` under `key`; returns nonce ‖ ciphertext.
 * Throws {@link CoreInputError}: `key` unless 32 bytes, `plaintext` unless a Uint8Array, `rng`
 * unless it returns 24 bytes.
 */
export function seal(key: Uint8Array, plaintext: Uint8Array, rng: Rng): Uint8Array {
  assertBytes(key, SECRETBOX_KEY_BYTES, 'key');
  if (!(plaintext instanceof Uint8Array)) throw new CoreInputError('plaintext must be a Uint8Array', 'plaintext');
  const nonce = rng(SECRETBOX_NONCE_BYTES);
  if (!(nonce instanceof Uint8Array) || nonce.length !== SECRETBOX_NONCE_BYTES) {
    throw new CoreInputError(`rng(${SECRETBOX_NONCE_BYTES}) must return ${SECRETBOX_NONCE_BYTES} bytes`, 'rng');
  }
  const boxed = nacl.secretbox(plaintext, nonce, key);
  const out = new Uint8Array(SECRETBOX_NONCE_BYTES + boxed.length);
  out.set(nonce, 0);
  out.set(boxed, SECRETBOX_NONCE_BYTES);
  return out;
}

/**
 * Verifies and decrypts a message produced by {@link seal}. Throws {@link CoreInputError}:
 * `key` unless 32 bytes; `sealed` when shorter than {@link SEAL_OVERHEAD}, or with the message
 * 'ciphertext failed authentication' when the tag does not verify (tampering, truncation or the
 * wrong key — indistinguishable by design).
 */
export function open(key: Uint8Array, sealed: Uint8Array): Uint8Array {
  assertBytes(key, SECRETBOX_KEY_BYTES, 'key');
  if (!(sealed instanceof Uint8Array) || sealed.length < SEAL_OVERHEAD) {
    throw new CoreInputError(`sealed must be at least ${SEAL_OVERHEAD} bytes`, 'sealed');
  }
  const nonce = sealed.subarray(0, SECRETBOX_NONCE_BYTES);
  const opened = nacl.secretbox.open(sealed.subarray(SECRETBOX_NONCE_BYTES), nonce, key);
  if (opened === null) throw new CoreInputError('ciphertext failed authentication', 'sealed');
  return opened;
}
