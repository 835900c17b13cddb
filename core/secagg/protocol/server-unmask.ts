/**
 * The Unmasking stage of the server machine of Bonawitz et al., CCS 2017 (server.ts): with at
 * least t usable responses, reconstruct b_u for every survivor u ∈ U3 and s^SK_v for every dropped
 * v ∈ U2 \ U3 from their Shamir shares, check each reconstructed masking key against its
 * advertised public key, and remove the masks:
 * Σ_{u∈U3} x_u = Σ_{u∈U3} y_u − Σ_{u∈U3} PRG(b_u) − Σ_{v∈U2\U3} Σ_{u∈U3∩N(v)} sign(u,v)·PRG(s_uv).
 * A response must carry exactly the shares its sender holds for the owners asked about — b-shares
 * of the survivors, s-shares of the dropped, never both for one owner — or it is a failure. Every
 * derived key is wiped once used.
 */
import { CoreInputError } from '../../types.ts';
import { bytesEqual } from '../hex.ts';
import { deriveKey } from '../kdf.ts';
import { publicKeyOf, sharedSecret, wipe, X25519_BYTES } from '../keys.ts';
import type { MaskTerm } from '../mask.ts';
import { pairSign, removeMask } from '../mask.ts';
import { combineShares, decodeShare } from '../shamir.ts';
import type { Share } from '../shamir.ts';
import { sameMembers, sortedUnique } from './config.ts';
import { SELF_SEED_BYTES } from './config-types.ts';
import { areNeighbours, neighboursOf } from './graph.ts';
import type { Failure, UnmaskingMessage } from './messages.ts';
import type { At, Msg, Step } from './server-step.ts';
import { abort, accept } from './server-step.ts';

/** Why an Unmasking response from `m.from` is unusable, or undefined; fills the share maps when usable. */
function checkResponse(state: At<'unmasking'>, m: UnmaskingMessage, b: Map<string, Share[]>, s: Map<string, Share[]>): string | undefined {
  const { config, survivors } = state;
  const dropped = state.shared.filter((v) => !survivors.includes(v));
  const wantB = survivors.filter((v) => v === m.from || areNeighbours(config, m.from, v));
  const wantS = dropped.filter((v) => areNeighbours(config, m.from, v));
  const gotB = m.selfMaskShares.map((x) => x.owner);
  const gotS = m.keyShares.map((x) => x.owner);
  if (sortedUnique(gotB).length !== gotB.length || !sameMembers(gotB, wantB)) return `self-mask shares for [${gotB.join(', ')}] instead of [${wantB.join(', ')}]`;
  if (sortedUnique(gotS).length !== gotS.length || !sameMembers(gotS, wantS)) return `key shares for [${gotS.join(', ')}] instead of [${wantS.join(', ')}]`;
  let decoded: { owner: string; share: Share; into: Map<string, Share[]> }[];
  try {
    decoded = [
      ...m.selfMaskShares.map((x) => ({ owner: x.owner, share: decodeShare(x.share), into: b })),
      ...m.keyShares.map((x) => ({ owner: x.owner, share: decodeShare(x.share), into: s })),
    ];
  } catch (e) {
    return `malformed share: ${(e as Error).message}`;
  }
  for (const d of decoded) d.into.set(d.owner, [...(d.into.get(d.owner) ?? []), d.share]);
  return undefined;
}

/** Reconstructs `owner`'s secret from its shares, or says why it cannot. */
function reconstruct(shares: Share[] | undefined, t: number, length: number, owner: string, what: string): Uint8Array | string {
  const got = shares?.length ?? 0;
  if (got < t) return `only ${got} of the required ${t} shares of ${owner}'s ${what} arrived`;
  try {
    return combineShares(shares!, t, length);
  } catch (e) {
    return `cannot reconstruct ${owner}'s ${what}: ${(e as Error).message}`;
  }
}

/** Unmasking: with ≥ t usable responses, reconstructs the secrets of U3 and U2 \ U3 and returns the unmasked sum over U3. */
export function unmask(state: At<'unmasking'>, messages: Msg<'unmasking-deadline'>[]): Step {
  const { config, survivors } = state;
  const t = config.threshold;
  const failures: Failure[] = [];
  const bShares = new Map<string, Share[]>();
  const sShares = new Map<string, Share[]>();
  const ok = accept('unmasking', state.signers ?? survivors, messages, (m) => checkResponse(state, m, bShares, sShares), failures);
  if (ok.size < t) return abort(state, `only ${ok.size} of the required ${t} participants answered`, failures);
  const ctx = { run: config.run, round: config.round };
  const terms: MaskTerm[] = [];
  const fail = (reason: string): Step => {
    for (const term of terms) wipe(term.key);
    return abort(state, reason, failures);
  };
  for (const u of survivors) {
    const seed = reconstruct(bShares.get(u), t, SELF_SEED_BYTES, u, 'self-mask seed');
    if (typeof seed === 'string') return fail(seed);
    terms.push({ key: deriveKey(seed, { ...ctx, purpose: 'self-mask', a: u, b: u }), sign: 1 });
    wipe(seed);
  }
  for (const v of state.shared.filter((x) => !survivors.includes(x))) {
    const sk = reconstruct(sShares.get(v), t, X25519_BYTES, v, 'masking key');
    if (typeof sk === 'string') return fail(sk);
    const keyOf = (id: string) => state.keys.find((k) => k.id === id)!;
    if (!bytesEqual(publicKeyOf(sk), keyOf(v).sPk)) {
      wipe(sk);
      return fail(`the reconstructed masking key of ${v} does not match its advertised public key`);
    }
    for (const u of neighboursOf(config, v).filter((x) => survivors.includes(x))) {
      const pair = sharedSecretOrNull(sk, keyOf(u).sPk, keyOf(v).sPk);
      if (pair === null) continue; // u would have aborted rather than mask with v
      terms.push({ key: deriveKey(pair, { ...ctx, purpose: 'mask', a: u, b: v }), sign: pairSign(u, v) });
      wipe(pair);
    }
    wipe(sk);
  }
  const sum = removeMask(state.maskedSum, terms, config.bits);
  for (const term of terms) wipe(term.key);
  return {
    state: { stage: 'done', config, survivors, sum: Uint32Array.from(sum) },
    output: { type: 'result', survivors: [...survivors], sum, failures },
  };
}

/** The X25519 agreement, or null for a low-order peer key (whose owner cannot have masked with it). */
function sharedSecretOrNull(secretKey: Uint8Array, peerPublicKey: Uint8Array, ownPublicKey: Uint8Array): Uint8Array | null {
  try {
    return sharedSecret(secretKey, peerPublicKey, ownPublicKey);
  } catch (e) {
    if (e instanceof CoreInputError && e.parameter === 'peerPublicKey') return null;
    throw e;
  }
}
