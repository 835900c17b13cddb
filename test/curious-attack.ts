/**
 * The curious coordinator's attacks on one secure sum, for the curious-coordinator test
 * (secagg-curious.test.ts): removing the self-masks it can reconstruct, summing masked vectors
 * mod 2^32 over subsets of participants, decoding a masked input as if it were a contribution,
 * and trying to open the relayed share ciphertexts with every key derivable from what it holds.
 */
import { expect } from 'vitest';
import nacl from 'tweetnacl';
import type { Contribution } from '../core/types.ts';
import { decodeSum } from '../core/secagg/contribution-codec.ts';
import type { EncodingPlan } from '../core/secagg/contribution-codec.ts';
import { deriveKey } from '../core/secagg/kdf.ts';
import type { KeyContext } from '../core/secagg/kdf.ts';
import { isAllZero } from '../core/secagg/keys.ts';
import { removeMask } from '../core/secagg/mask.ts';
import { addMod } from '../core/secagg/quantize.ts';
import { open, seal } from '../core/secagg/secretbox.ts';
import { combineShares, decodeShare } from '../core/secagg/shamir.ts';
import { encodeSharePlaintext, SHARE_STAGE } from '../core/secagg/protocol/plaintext.ts';
import type { SecAggConfig } from '../core/secagg/protocol/types.ts';
import { cryptoRng } from '../platform/crypto-rng.ts';
import type { ReceivedSum } from './curious-material.ts';

/** A value the coordinator saw, which must not be found in its state directory. */
export interface Secret {
  what: string;
  bytes: Uint8Array;
}

/** The sum of `vectors` mod 2^32 (all of one length; at least one). */
export function sumMod(vectors: Uint32Array[]): Uint32Array {
  const [first] = vectors;
  if (first === undefined) throw new Error('sumMod: no vectors to sum');
  const out = new Uint32Array(first.length);
  for (const v of vectors) addMod(out, v, 32);
  return out;
}

/** Nonempty proper subsets of `items`. */
export function properSubsets<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let mask = 1; mask < (1 << items.length) - 1; mask++) out.push(items.filter((_, i) => mask & (1 << i)));
  return out;
}

/**
 * Reconstructs every survivor's self-mask seed b_u from the Unmasking shares (all `names`
 * survived) and removes the self-mask from its masked input: y_u − PRG(b_u), by participant.
 */
export function removeSelfMasks(r: ReceivedSum, names: string[]): { unmasked: Map<string, Uint32Array>; seeds: Uint8Array[]; secrets: Secret[] } {
  const { config } = r;
  const unmasked = new Map<string, Uint32Array>();
  const seeds: Uint8Array[] = [];
  const secrets: Secret[] = [];
  for (const u of names) {
    const shares = r.selfMaskShares.filter((s) => s.owner === u).map((s) => decodeShare(s.share));
    expect(shares.length).toBe(names.length);
    const seed = combineShares(shares, config.threshold, 32);
    seeds.push(seed);
    secrets.push({ what: `b_${u}`, bytes: seed });
    const key = deriveKey(seed, { run: config.run, round: config.round, purpose: 'self-mask', a: u, b: u });
    unmasked.set(u, removeMask(r.masked.get(u)!, [{ key, sign: 1 }], 32));
  }
  return { unmasked, seeds, secrets };
}

/**
 * The fraction of the coordinates of `masked`, decoded as one contribution with the public
 * `plan`, that lie within any range a real contribution could have: 1000× the largest coordinate
 * of the same vector of `aggregate`, with `floor` (the total row count) as the least bound.
 */
export function plausibleFraction(masked: Uint32Array, plan: EncodingPlan, aggregate: Contribution, floor: number): number {
  let plausible = 0;
  let total = 0;
  for (const [name, v] of Object.entries(decodeSum(masked, plan, 1))) {
    const sum = aggregate[name];
    if (sum === undefined) throw new Error(`the aggregate has no vector "${name}"`);
    const bound = 1000 * Math.max(floor, ...Array.from(sum, Math.abs));
    for (const x of v) {
      total++;
      if (Math.abs(x) <= bound) plausible++;
    }
  }
  return plausible / total;
}

/** How many keys derivable from `candidates` open a share ciphertext of the channel src → dst. */
export function keysThatOpen(ct: Uint8Array, cfg: SecAggConfig, src: string, dst: string, candidates: Uint8Array[]): { tried: number; opened: number } {
  let tried = 0;
  let opened = 0;
  const attempt = (key: Uint8Array) => {
    tried++;
    try {
      open(key, ct);
      opened++;
    } catch {
      // expected: authentication fails
    }
  };
  const ctx = (purpose: KeyContext['purpose'], a: string, b: string): KeyContext => ({ run: cfg.run, round: cfg.round, purpose, a, b });
  for (const x of candidates) {
    if (x.length === 32) attempt(x);
    if (x.length < 16 || isAllZero(x)) continue;
    for (const c of [ctx('share-enc', src, dst), ctx('share-enc', dst, src), ctx('mask', src, dst), ctx('self-mask', src, src), ctx('self-mask', dst, dst)]) {
      attempt(deriveKey(x, c));
    }
  }
  return { tried, opened };
}

/**
 * Tries to open every relayed share ciphertext of the sum with every key derivable from what the
 * coordinator holds — public keys used as secrets, X25519 of any two advertised public keys, the
 * reconstructed self-mask `seeds`, the revealed shares — raw and through HKDF with any purpose and
 * direction; none may open, and none may carry a context string in clear. A positive control
 * shows the opener does open a ciphertext sealed under one of these keys. Returns the number of
 * failed attempts and the ciphertexts, as secrets.
 */
export function attackShareCiphertexts(r: ReceivedSum, names: string[], seeds: Uint8Array[]): { tried: number; secrets: Secret[] } {
  const { config } = r;
  const pks = [...r.keys.values()].flatMap((k) => [k.cPk, k.sPk]);
  const holdings: Uint8Array[] = [...pks];
  for (const a of pks) for (const b of pks) holdings.push(nacl.scalarMult(a, b));
  holdings.push(...seeds);
  for (const s of r.selfMaskShares) holdings.push(s.share, s.share.subarray(2, 34), s.share.subarray(s.share.length - 32));
  const markers = [config.run, SHARE_STAGE, ...names].map((m) => Buffer.from(m, 'utf8'));
  let tried = 0;
  const secrets: Secret[] = [];
  for (const { src, dst, ct } of r.ciphertexts) {
    expect(src).not.toBe(dst);
    const attempt = keysThatOpen(ct, config, src, dst, holdings);
    tried += attempt.tried;
    expect(attempt.opened, `${config.run}: share ciphertext ${src} → ${dst}`).toBe(0);
    for (const m of markers) expect(Buffer.from(ct).indexOf(m), `ciphertext ${src} → ${dst} contains "${m.toString()}"`).toBe(-1);
    secrets.push({ what: `ciphertext ${src}→${dst}`, bytes: ct });
  }
  // Positive control: holdings[9] is X25519 of the first two advertised public keys.
  const [src, dst] = names;
  const x25519 = holdings[9];
  if (src === undefined || dst === undefined || x25519 === undefined) throw new Error('the positive control needs two participants and their advertised keys');
  const control = seal(
    deriveKey(x25519, { run: config.run, round: config.round, purpose: 'share-enc', a: src, b: dst }),
    encodeSharePlaintext({ run: config.run, round: config.round, src, dst, stage: SHARE_STAGE, selfMaskShare: new Uint8Array(68), keyShare: new Uint8Array(68) }),
    cryptoRng,
  );
  expect(keysThatOpen(control, config, src, dst, holdings).opened).toBeGreaterThan(0);
  return { tried, secrets };
}
