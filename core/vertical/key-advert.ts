/**
 * A party's job key as the coordinator relays it: the X25519 public key, and — when the party
 * has an identity key — its Ed25519 signature over the job, the party's name and the key, so that
 * peers holding the consortium roster can tell a key the party drew from one the coordinator
 * substituted. On the wire of a step's `peers` map: base64(key), or base64(key) "." base64(sig).
 */
import { sign, signedBytes, verify } from '../secagg/protocol/advert.ts';
import { CoreInputError } from '../types.ts';

/** Label of a vertical job key signature. */
export const VERTICAL_KEY_LABEL = 'fedcredit/vertical/key/v1';

/** The signed message of `party`'s key for `jobId`. */
export function keyAdvertBytes(jobId: string, party: string, publicKey: Uint8Array): Uint8Array {
  return signedBytes([VERTICAL_KEY_LABEL, jobId, party, publicKey]);
}

/** Signs a key advert with an Ed25519 secret key (64 bytes, seed ‖ public key). */
export function signKeyAdvert(secretKey: Uint8Array, jobId: string, party: string, publicKey: Uint8Array): Uint8Array {
  return sign(secretKey, keyAdvertBytes(jobId, party, publicKey));
}

/** Whether `signature` is `party`'s signature of its key for `jobId` under `identityKey`. */
export function verifyKeyAdvert(identityKey: Uint8Array, jobId: string, party: string, publicKey: Uint8Array, signature: Uint8Array | undefined): boolean {
  return verify(identityKey, keyAdvertBytes(jobId, party, publicKey), signature);
}

/** The `peers` entry of a key (and its signature). */
export function encodePeerKey(publicKey: Uint8Array, signature?: Uint8Array): string {
  const k = Buffer.from(publicKey).toString('base64');
  return signature ? `${k}.${Buffer.from(signature).toString('base64')}` : k;
}

/** A `peers` entry read back; throws naming the party when it is malformed. */
export function decodePeerKey(entry: string, party: string): { publicKey: Uint8Array; signature?: Uint8Array } {
  const [k, sig, extra] = entry.split('.');
  const publicKey = new Uint8Array(Buffer.from(k ?? '', 'base64'));
  if (extra !== undefined || publicKey.length !== 32) throw new CoreInputError(`party "${party}"'s job key is malformed (expected 32 bytes in base64, optionally "." and a signature)`, 'peers');
  if (sig === undefined) return { publicKey };
  const signature = new Uint8Array(Buffer.from(sig, 'base64'));
  if (signature.length !== 64) throw new CoreInputError(`party "${party}"'s key signature has ${signature.length} bytes, expected 64`, 'peers');
  return { publicKey, signature };
}
