/**
 * Sealed envelopes between the parties of a vertical job. Each party draws a fresh X25519 key
 * pair per job; two parties derive their pair key with HKDF-SHA256 from the X25519 secret, bound
 * to the job and both names. An envelope is XSalsa20-Poly1305 (secretbox) over packed arrays
 * (pack.ts) that carry their context — job, step, training step, sender, recipient — which the
 * recipient checks, so the relaying coordinator cannot open, alter, replay or redirect one.
 */
import { hkdf } from '../secagg/kdf.ts';
import { sharedSecret } from '../secagg/keys.ts';
import { open, seal } from '../secagg/secretbox.ts';
import type { Rng } from '../types.ts';
import { CoreInputError } from '../types.ts';
import { packArrays, type PackedArray, unpackArrays } from './pack.ts';

const SALT = new TextEncoder().encode('fedcredit/vertical/v1');

/** The pair key of `self` and `peer` for a job (the same on both sides). */
export function pairKey(jobId: string, self: string, peer: string, secretKey: Uint8Array, peerPublicKey: Uint8Array, purpose = 'envelope'): Uint8Array {
  const [x, y] = [self, peer].sort();
  const info = new TextEncoder().encode(JSON.stringify([purpose, jobId, x, y]));
  return hkdf(sharedSecret(secretKey, peerPublicKey), SALT, info, 32);
}

/** Where an envelope belongs: checked by the recipient. */
export interface EnvelopeContext {
  jobId: string;
  step: string;
  t: number;
  from: string;
  to: string;
}

const contextBytes = (c: EnvelopeContext) => new TextEncoder().encode(JSON.stringify([c.jobId, c.step, c.t, c.from, c.to]));

/** Seals named arrays for `c.to`. */
export function sealArrays(key: Uint8Array, c: EnvelopeContext, arrays: Record<string, PackedArray>, rng: Rng): Uint8Array {
  if ('context' in arrays) throw new CoreInputError('"context" is a reserved field name', 'arrays');
  return seal(key, packArrays({ context: contextBytes(c), ...arrays }), rng);
}

/** Opens an envelope from `c.from`; throws naming the sender when it is not for this context. */
export function openArrays(key: Uint8Array, c: EnvelopeContext, sealed: Uint8Array): Record<string, PackedArray> {
  let plain: Uint8Array;
  try {
    plain = open(key, sealed);
  } catch (err) {
    throw new CoreInputError(`envelope from ${c.from} to ${c.to} at ${c.step} ${c.t}: ${(err as Error).message}`, 'envelope');
  }
  const { context, ...arrays } = unpackArrays(plain, `envelope from ${c.from}`);
  const want = contextBytes(c);
  if (!(context instanceof Uint8Array) || Buffer.compare(context, want) !== 0) {
    throw new CoreInputError(`envelope from ${c.from} was sealed for ${context instanceof Uint8Array ? Buffer.from(context).toString('utf8') : 'no context'}, not ${Buffer.from(want).toString('utf8')}`, 'envelope');
  }
  return arrays;
}
