/**
 * Checks and cryptographic sub-steps of the client machine (client.ts) for Bonawitz et al.,
 * CCS 2017, Fig. 4: validating the advertised key list (round 1: "assert that all the public
 * key pairs are different"), the masking terms of round 2, and opening and checking the share
 * ciphertexts in round 4. Problems are returned as strings (the caller turns them into an abort);
 * every agreed secret, derived key and plaintext is wiped after use.
 */
import { CoreInputError } from '../../types.ts';
import { bytesEqual } from '../hex.ts';
import { deriveKey } from '../kdf.ts';
import { sharedSecret, wipe, X25519_BYTES } from '../keys.ts';
import type { MaskTerm } from '../mask.ts';
import { pairSign } from '../mask.ts';
import { open } from '../secretbox.ts';
import { decodeShare } from '../shamir.ts';
import { firstDuplicate, shareX } from './config.ts';
import { decodeSharePlaintext, SHARE_STAGE } from './plaintext.ts';
import type { PublicKeys, RevealedShare } from './messages.ts';
import type { ClientState } from './states.ts';

type At<S extends ClientState['stage']> = Extract<ClientState, { stage: S }>;

/**
 * Why the server's list of advertised keys is unacceptable to client `state.id`, or undefined:
 * repeated or unknown ids, wrong key lengths, or our own keys missing or altered. Whether the keys
 * are distinct is {@link repeatedKeyProblem}'s question, asked over the keys the client will use.
 */
export function keyProblem(state: At<'share-keys'>, keys: PublicKeys[]): string | undefined {
  const dup = firstDuplicate(keys.map((k) => k.id));
  if (dup !== undefined) return `${dup} appears twice in the advertised keys`;
  const participants = new Set(state.config.participants);
  const stranger = keys.find((k) => !participants.has(k.id));
  if (stranger) return `advertised keys name ${stranger.id}, who is not a participant of this round`;
  const badLength = keys.find((k) => k.cPk.length !== X25519_BYTES || k.sPk.length !== X25519_BYTES);
  if (badLength) return `${badLength.id} advertised a key that is not ${X25519_BYTES} bytes`;
  const own = keys.find((k) => k.id === state.id);
  if (!own || !bytesEqual(own.cPk, state.cPk) || !bytesEqual(own.sPk, state.sPk)) {
    return `the advertised keys do not carry ${state.id}'s own public keys`;
  }
  return undefined;
}

/**
 * Bonawitz et al.'s "all the public key pairs are different", over `keys`: names the first two
 * advertisers whose public keys (c or s, in any combination) are equal, or undefined. Two
 * neighbours with one key would make their two pairwise masks in this client's input cancel;
 * a key that equals one of a non-neighbour's is never used with it, so a client with a drawn
 * SecAgg+ graph checks itself and its neighbours only (k + 1 adverts, not all |U1|).
 */
export function repeatedKeyProblem(keys: readonly PublicKeys[]): string | undefined {
  const seen = new Map<string, string>();
  for (const k of keys) {
    for (const pk of [k.cPk, k.sPk]) {
      // One character per byte: a 32-character map key, no hex string built.
      const key = Buffer.from(pk.buffer, pk.byteOffset, pk.byteLength).toString('latin1');
      const prev = seen.get(key);
      if (prev !== undefined) return `two advertised public keys are equal (${prev} and ${k.id})`;
      seen.set(key, k.id);
    }
  }
  return undefined;
}

/**
 * The X25519 secret agreed with `peer`, or a problem string when the peer's key is a low-order
 * point (all-zero output, RFC 7748 §6.1). Other errors propagate.
 */
export function agree(secretKey: Uint8Array, peerPublicKey: Uint8Array, peer: string, ownPublicKey?: Uint8Array): Uint8Array | string {
  try {
    return sharedSecret(secretKey, peerPublicKey, ownPublicKey);
  } catch (e) {
    if (e instanceof CoreInputError && e.parameter === 'peerPublicKey') return `cannot agree a key with ${peer}: ${e.message}`;
    throw e;
  }
}

/**
 * The mask terms of y_u: +PRG(self-mask key from b_u) and, for each `peer` (U2 ∩ N(u)),
 * pairSign(u, v)·PRG(mask key from the s-agreement). The caller wipes the returned keys.
 */
export function maskTerms(state: At<'masked-input'>, peers: readonly string[]): MaskTerm[] | string {
  const { id, config } = state;
  const self: MaskTerm = { key: deriveKey(state.selfSeed, { run: config.run, round: config.round, purpose: 'self-mask', a: id, b: id }), sign: 1 };
  const pairs = pairMaskTerms(state, peers);
  if (typeof pairs === 'string') {
    wipe(self.key);
    return pairs;
  }
  return [self, ...pairs];
}

/**
 * The pairwise mask terms pairSign(u, v)·PRG(mask key from the s-agreement) of y_u for each
 * `peer` (ids of the state's neighbours), or a problem string when an agreement fails. The caller
 * wipes the returned keys.
 */
export function pairMaskTerms(state: At<'masked-input'>, peers: readonly string[]): MaskTerm[] | string {
  const { id, config } = state;
  const ctx = { run: config.run, round: config.round };
  const terms: MaskTerm[] = [];
  const ownSPk = state.peers.find((p) => p.id === id)?.sPk;
  for (const v of peers) {
    const peer = state.peers.find((p) => p.id === v)!;
    const secret = agree(state.sSk, peer.sPk, v, ownSPk);
    if (typeof secret === 'string') {
      for (const t of terms) wipe(t.key);
      return secret;
    }
    terms.push({ key: deriveKey(secret, { ...ctx, purpose: 'mask', a: id, b: v }), sign: pairSign(id, v) });
    wipe(secret);
  }
  return terms;
}

/**
 * Opens every share ciphertext in the inbox and picks, per sender v, its self-mask share when v
 * is in `survivors` and its key share otherwise (the other share is wiped unread). Returns a
 * problem string when a ciphertext fails authentication, its plaintext is malformed, its embedded
 * (run, round, src, dst, stage) is not this channel's, or its shares are not at our x-coordinate.
 */
export function openShares(
  state: At<'unmasking'>,
  survivors: Set<string>,
): { selfMaskShares: RevealedShare[]; keyShares: RevealedShare[] } | string {
  const { id, config } = state;
  const selfMaskShares: RevealedShare[] = [];
  const keyShares: RevealedShare[] = [];
  const fail = (why: string): string => {
    for (const s of [...selfMaskShares, ...keyShares]) wipe(s.share);
    return why;
  };
  const advertised = new Set(state.advertised);
  for (const item of state.inbox) {
    let pt: Uint8Array;
    try {
      pt = open(item.key, item.ciphertext);
    } catch {
      return fail(`the share ciphertext from ${item.from} failed authentication (tampered, or not encrypted for ${id})`);
    }
    let p: ReturnType<typeof decodeSharePlaintext>;
    try {
      p = decodeSharePlaintext(pt);
    } catch (e) {
      return fail(`the share from ${item.from} is unreadable: ${(e as Error).message}`);
    } finally {
      wipe(pt);
    }
    const got = `(run ${p.run}, round ${p.round}, ${p.src} → ${p.dst}, ${p.stage})`;
    const want = `(run ${config.run}, round ${config.round}, ${item.from} → ${id}, ${SHARE_STAGE})`;
    const x = shareX(config, advertised, item.from, id);
    let problem: string | undefined;
    if (got !== want || p.run !== config.run || p.src !== item.from || p.dst !== id) {
      problem = `the share from ${item.from} is bound to ${got}, expected ${want}: rejected as replayed or misdirected`;
    } else {
      try {
        const xs = [decodeShare(p.selfMaskShare).x, decodeShare(p.keyShare).x];
        if (xs[0] !== x || xs[1] !== x) problem = `the shares from ${item.from} are at x = ${xs.join('/')}, expected ${x}`;
      } catch (e) {
        problem = `the share from ${item.from} is malformed: ${(e as Error).message}`;
      }
    }
    if (problem !== undefined) {
      wipe(p.selfMaskShare);
      wipe(p.keyShare);
      return fail(problem);
    }
    if (survivors.has(item.from)) {
      selfMaskShares.push({ owner: item.from, share: p.selfMaskShare });
      wipe(p.keyShare);
    } else {
      keyShares.push({ owner: item.from, share: p.keyShare });
      wipe(p.selfMaskShare);
    }
  }
  return { selfMaskShares, keyShares };
}
