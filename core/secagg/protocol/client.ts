/**
 * The client (user) side of Bonawitz et al., CCS 2017, "Practical Secure Aggregation for
 * Privacy-Preserving Machine Learning", as a pure stage machine: Fig. 4 (honest-but-curious
 * server) and, when `config.authenticated`, Fig. 5 (active server: signed adverts, ConsistencyCheck):
 *
 * 0. AdvertiseKeys — draw the c-pair (share encryption), s-pair (masking) and self-mask seed b_u;
 *    authenticated: sign (run, round, id, c^PK, s^PK) with the Ed25519 identity key (advert.ts).
 *    With a committed graph (SecAgg+ rounds), also draw a graph nonce and advertise (and sign)
 *    its commitment; once U1 is announced (as commitments), reveal the nonce, and draw the graph
 *    from every member's nonce before sharing keys; the neighbours' keys come with the nonces
 *    (graph-draw.ts).
 * 1. ShareKeys — check the advertised keys (authenticated: every peer's advert signature under the
 *    LOCAL roster, so the server cannot substitute keys), t-of-h Shamir-share b_u and s^SK_u among
 *    the h holders (u and its neighbours in U1), encrypt each neighbour's pair of shares under a
 *    key derived from the c-agreement, bound to (run, round, src, dst, stage).
 * 2. MaskedInputCollection — y_u = x_u + PRG(b_u) + Σ_{v ∈ U2 ∩ N(u)} ±PRG(s_uv) mod 2^bits.
 * 3. ConsistencyCheck (authenticated only) — sign U3 (client-unmask.ts, consistency.ts).
 * 4. Unmasking — authenticated: require ≥ t valid signatures over the signed U3 first; then for
 *    each neighbour v ∈ U2 reveal v's b-share if v ∈ U3, else v's s-share; never both.
 *
 * The identity (secret key and roster, {@link ClientAuth}) is passed to every step and never kept
 * in a state, so persisted states hold no identity key.
 *
 * Purity: `clientStep` never mutates its input state; each new state owns fresh copies of the
 * secrets it keeps and drops those it no longer needs (c^SK after ShareKeys, s^SK and b_u after
 * masking). Transient secrets (agreed secrets, derived keys, plaintexts) are wiped after use; the
 * caller wipes a superseded state with {@link wipeClientState} once the new one is saved.
 */
import type { Rng } from '../../types.ts';
import { CoreInputError } from '../../types.ts';
import { deriveKey } from '../kdf.ts';
import { generateKeyPair, wipe, X25519_BYTES } from '../keys.ts';
import { applyMask, removeMask } from '../mask.ts';
import { addMod } from '../quantize.ts';
import { encodeShare, splitSecret } from '../shamir.ts';
import { seal } from '../secretbox.ts';
import { advertBytes, advertProblem, authProblem, checkAuth, sign } from './advert.ts';
import { agree, keyProblem, maskTerms, pairMaskTerms, repeatedKeyProblem } from './client-crypto.ts';
import { takeMaskAhead } from './mask-ahead.ts';
import type { MaskAhead } from './mask-ahead.ts';
import type { At, Step } from './client-step.ts';
import { abort, unexpected } from './client-step.ts';
import { repeatUnmask, signSurvivors, unmask } from './client-unmask.ts';
import { copyBytes, firstDuplicate, fitsBits, shareHolders, validateConfig } from './config.ts';
import { encodeSharePlaintext, SHARE_STAGE } from './plaintext.ts';
import type { ClientAuth, SecAggConfig } from './config-types.ts';
import type { ClientInput, GraphReveals, PeerCommitsMessage, PeerKeysMessage, PublicKeys } from './messages.ts';
import type { ClientState } from './states.ts';
import { GRAPH_NONCE_BYTES, SELF_SEED_BYTES } from './config-types.ts';
import { graphCommit, isCommitted, revealProblem, withDrawnGraph } from './graph-draw.ts';
import { neighboursOf } from './graph.ts';
import { bytesEqual } from '../hex.ts';

/**
 * The initial state of participant `id` for a round; `auth` (its identity key and local roster)
 * makes it an authenticated client, which takes part only in `config.authenticated` rounds — the
 * mismatch either way is a refusal, reported as an abort by the first {@link clientStep}. Throws
 * {@link CoreInputError}: a `config.*` field when the config is invalid (see `validateConfig`),
 * `id` when it is not a participant, `auth.*` when `auth` is malformed (see `checkAuth`).
 */
export function initClient(config: SecAggConfig, id: string, auth?: ClientAuth): ClientState {
  validateConfig(config);
  if (!config.participants.includes(id)) throw new CoreInputError(`${id} is not a participant of this round`, 'id');
  if (auth) checkAuth(auth, id);
  return { stage: 'advertise-keys', id, config };
}

/**
 * Advances a client by one protocol message. Protocol violations by the server or peers (wrong
 * stage, inconsistent sets, tampered shares, unsigned or substituted keys, missing or invalid
 * consistency signatures, requests that would reveal both shares of a peer) yield
 * `{ type: 'abort' }` and the terminal `aborted` state, which keeps no secrets. So does a round
 * whose `config.authenticated` does not match whether `auth` is given (pass the same `auth` as to
 * {@link initClient} at every step). Only a bad local input vector throws ({@link CoreInputError}
 * `input`). `rng` supplies key pairs, the seed, Shamir coefficients and secretbox nonces.
 */
export function clientStep(state: ClientState, input: ClientInput, rng: Rng, auth?: ClientAuth): Step {
  if (state.stage === 'aborted') return { state, output: { type: 'abort', stage: state.at, reason: state.reason } };
  const refusal = authProblem(state.config, auth);
  if (refusal) return abort(state, refusal);
  switch (state.stage) {
    case 'advertise-keys':
      return input.type === 'begin' ? advertise(state, rng, auth) : unexpected(state, input.type);
    case 'share-keys':
      if (input.type === 'peer-commits') return peerCommits(state, input);
      return input.type === 'peer-keys' ? peerKeys(state, input, rng, auth) : unexpected(state, input.type);
    case 'graph-reveal':
      return input.type === 'graph-reveals' ? graphRevealed(state, input, rng, auth) : unexpected(state, input.type);
    case 'masked-input':
      return input.type === 'mask-input' ? maskInput(state, input) : unexpected(state, input.type);
    case 'consistency-check':
      return input.type === 'consistency-request' && auth ? signSurvivors(state, input, auth) : unexpected(state, input.type);
    case 'unmasking':
      if (input.type === 'consistency-request' && auth) return signSurvivors(state, input, auth);
      return input.type === 'unmask-request' ? unmask(state, input, auth) : unexpected(state, input.type);
    case 'done':
      return input.type === 'unmask-request' ? repeatUnmask(state, input) : unexpected(state, input.type);
  }
}

function advertise(state: At<'advertise-keys'>, rng: Rng, auth: ClientAuth | undefined): Step {
  const c = generateKeyPair(rng);
  const s = generateKeyPair(rng);
  const selfSeed = Uint8Array.from(rng(SELF_SEED_BYTES));
  if (selfSeed.length !== SELF_SEED_BYTES) throw new CoreInputError(`rng must return ${SELF_SEED_BYTES} bytes`, 'rng');
  const { id, config } = state;
  const nonce = isCommitted(config) ? Uint8Array.from(rng(GRAPH_NONCE_BYTES)) : undefined;
  if (nonce && nonce.length !== GRAPH_NONCE_BYTES) throw new CoreInputError(`rng must return ${GRAPH_NONCE_BYTES} bytes`, 'rng');
  const commit = nonce ? graphCommit(config, id, nonce) : undefined;
  const signature = auth ? { signature: sign(auth.secretKey, advertBytes(config, id, c.publicKey, s.publicKey, commit)) } : {};
  return {
    state: { stage: 'share-keys', id, config, cPk: c.publicKey, cSk: c.secretKey, sPk: s.publicKey, sSk: s.secretKey, selfSeed, ...(nonce ? { nonce } : {}) },
    output: { type: 'advertise-keys', from: id, cPk: copyBytes(c.publicKey), sPk: copyBytes(s.publicKey), ...signature, ...(commit ? { commit } : {}) },
  };
}

/**
 * U1 announced with the complete graph: every advertiser is a neighbour, so all the keys are used
 * and all are checked (distinct, and every advert's signature), then keys are shared.
 */
function peerKeys(state: At<'share-keys'>, msg: PeerKeysMessage, rng: Rng, auth: ClientAuth | undefined): Step {
  const { id, config } = state;
  if (isCommitted(config)) return unexpected(state, msg.type);
  const problem = keyProblem(state, msg.keys) ?? repeatedKeyProblem(msg.keys) ?? (auth ? advertProblem(config, id, auth.peers, msg.keys) : undefined);
  if (problem) return abort(state, problem);
  return shareKeys(state, config, msg.keys.map((k) => k.id), msg.keys, rng);
}

/**
 * U1 announced with a committed graph, as (id, commitment) pairs: check them, keep them, and
 * reveal the nonce. Keys come later, with everyone's nonces, and only the neighbours' (the only
 * keys this node will use). A commitment the coordinator altered for someone else cannot steer the
 * graph: it was fixed in this message, before this node's own nonce left it, and the seed hashes
 * that nonce too; it only makes views differ, which ends the round in an abort.
 */
function peerCommits(state: At<'share-keys'>, msg: PeerCommitsMessage): Step {
  const { id, config } = state;
  if (!isCommitted(config)) return unexpected(state, msg.type);
  const dup = firstDuplicate(msg.commits.map((c) => c.id));
  if (dup !== undefined) return abort(state, `${dup} appears twice among the announced key advertisers`);
  const participants = new Set(config.participants);
  const stranger = msg.commits.find((c) => !participants.has(c.id));
  if (stranger) return abort(state, `the announced key advertisers name ${stranger.id}, who is not a participant of this round`);
  const malformed = msg.commits.find((c) => !(c.commit instanceof Uint8Array) || c.commit.length !== GRAPH_NONCE_BYTES);
  if (malformed) return abort(state, `the graph commitment announced for ${malformed.id} is not ${GRAPH_NONCE_BYTES} bytes`);
  const own = msg.commits.find((c) => c.id === id);
  const nonce = state.nonce;
  if (!nonce || !own || !bytesEqual(own.commit, graphCommit(config, id, nonce))) return abort(state, `the announced key advertisers do not carry ${id}'s own graph commitment`);
  const commits = msg.commits.map((c) => ({ id: c.id, commit: copyBytes(c.commit) }));
  const { cPk, cSk, sPk, sSk, selfSeed } = state;
  return {
    state: { stage: 'graph-reveal', id, config, cPk: copyBytes(cPk), cSk: copyBytes(cSk), sPk: copyBytes(sPk), sSk: copyBytes(sSk), selfSeed: copyBytes(selfSeed), commits },
    output: { type: 'graph-nonce', from: id, nonce: copyBytes(nonce) },
  };
}

/**
 * Every member of U1 revealed its nonce: check the reveals, draw the graph, and check that the
 * delivered adverts are exactly this node's neighbours', each under the commitment announced for
 * its owner, signed (authenticated rounds), and that no two of the keys it will use (its own and
 * its neighbours') are equal; then share keys over the graph.
 */
function graphRevealed(state: At<'graph-reveal'>, msg: GraphReveals, rng: Rng, auth: ClientAuth | undefined): Step {
  const { id, config } = state;
  if (!isCommitted(config)) return unexpected(state, msg.type);
  const problem = revealProblem(config, state.commits, msg.reveals);
  if (problem) return abort(state, problem);
  const drawn = withDrawnGraph(config, msg.reveals);
  const bad = neighbourKeysProblem(state, neighboursOf(drawn, id), msg.keys) ?? (auth ? advertProblem(config, id, auth.peers, msg.keys) : undefined);
  if (bad) return abort(state, bad);
  const used = [{ id, cPk: state.cPk, sPk: state.sPk }, ...msg.keys];
  const repeated = repeatedKeyProblem(used);
  if (repeated) return abort(state, repeated);
  return shareKeys(state, drawn, state.commits.map((c) => c.id), used, rng);
}

/**
 * Why `keys` are not exactly the adverts of `neighbours` under the commitments announced with U1,
 * or undefined: a neighbour without an advert, an advert of a non-neighbour or a repeated one, a
 * key of the wrong length, or a commitment other than the one announced for its owner.
 */
function neighbourKeysProblem(state: At<'graph-reveal'>, neighbours: readonly string[], keys: readonly PublicKeys[]): string | undefined {
  const dup = firstDuplicate(keys.map((k) => k.id));
  if (dup !== undefined) return `the neighbours' key adverts hold ${dup} twice`;
  const wanted = new Set(neighbours);
  const stranger = keys.find((k) => !wanted.has(k.id));
  if (stranger) return `a key advert of ${stranger.id} came with the graph reveals, but ${stranger.id} is not a neighbour of ${state.id} in the drawn graph`;
  if (keys.length !== wanted.size) {
    const got = new Set(keys.map((k) => k.id));
    return `the graph reveals carry no key advert of neighbour ${neighbours.find((v) => !got.has(v))}`;
  }
  const announced = new Map(state.commits.map((c) => [c.id, c.commit]));
  for (const k of keys) {
    if (!(k.cPk instanceof Uint8Array) || !(k.sPk instanceof Uint8Array) || k.cPk.length !== X25519_BYTES || k.sPk.length !== X25519_BYTES) {
      return `${k.id} advertised a key that is not ${X25519_BYTES} bytes`;
    }
    if (!(k.commit instanceof Uint8Array) || !bytesEqual(k.commit, announced.get(k.id)!)) {
      return `the key advert of ${k.id} does not carry the graph commitment announced for ${k.id} with U1`;
    }
  }
  return undefined;
}

/**
 * ShareKeys over the (drawn) graph of `config`: `advertised` is U1, `keys` the checked adverts of
 * this node and its share holders (all of U1 with the complete graph, its neighbours otherwise).
 */
function shareKeys(state: At<'share-keys'> | At<'graph-reveal'>, config: SecAggConfig, u1: readonly string[], keys: readonly PublicKeys[], rng: Rng): Step {
  const { id } = state;
  const advertised = [...u1].sort();
  const holders = shareHolders(config, advertised, id);
  if (holders.length < config.threshold) {
    return abort(state, `only ${holders.length} of the required ${config.threshold} share holders advertised keys`);
  }
  const byId = new Map(keys.map((k) => [k.id, k]));
  const bShares = splitSecret(state.selfSeed, config.threshold, holders.length, rng);
  const sShares = splitSecret(state.sSk, config.threshold, holders.length, rng);
  const inboundKeys: { from: string; key: Uint8Array }[] = [];
  const ciphertexts: { to: string; ciphertext: Uint8Array }[] = [];
  let ownSelfShare: Uint8Array = new Uint8Array(0);
  try {
    // splitSecret returned exactly holders.length shares of each secret, so bShares[i] and sShares[i] exist.
    for (const [i, v] of holders.entries()) {
      const selfMaskShare = encodeShare(bShares[i]!);
      if (v === id) {
        ownSelfShare = selfMaskShare;
        continue;
      }
      const secret = agree(state.cSk, byId.get(v)!.cPk, v, state.cPk);
      if (typeof secret === 'string') {
        for (const b of [ownSelfShare, selfMaskShare, ...inboundKeys.map((k) => k.key)]) wipe(b);
        return abort(state, secret);
      }
      const ctx = { run: config.run, round: config.round, purpose: 'share-enc' as const };
      const outKey = deriveKey(secret, { ...ctx, a: id, b: v });
      inboundKeys.push({ from: v, key: deriveKey(secret, { ...ctx, a: v, b: id }) });
      wipe(secret);
      const keyShare = encodeShare(sShares[i]!);
      const pt = encodeSharePlaintext({ run: config.run, round: config.round, src: id, dst: v, stage: SHARE_STAGE, selfMaskShare, keyShare });
      ciphertexts.push({ to: v, ciphertext: seal(outKey, pt, rng) });
      for (const b of [outKey, pt, selfMaskShare, keyShare]) wipe(b);
    }
  } catch (e) {
    for (const k of inboundKeys) wipe(k.key);
    throw e;
  } finally {
    bShares.length = 0;
    sShares.length = 0;
  }
  // Only the holders' keys are kept: with a SecAgg+ graph that is k + 1 of |U1|, and nothing later reads another's.
  const peers = [...holders].sort().map((v) => {
    const k = byId.get(v)!;
    return { id: v, cPk: copyBytes(k.cPk), sPk: copyBytes(k.sPk) };
  });
  return {
    state: { stage: 'masked-input', id, config, advertised, peers, sSk: copyBytes(state.sSk), selfSeed: copyBytes(state.selfSeed), ownSelfShare, inboundKeys },
    output: { type: 'share-keys', from: id, ciphertexts },
  };
}

function maskInput(state: At<'masked-input'>, msg: Extract<ClientInput, { type: 'mask-input' }>): Step {
  const { id, config } = state;
  const { input, delivery } = msg;
  if (!(input instanceof Uint32Array) || input.length !== config.length || !fitsBits(input, config.bits)) {
    throw new CoreInputError(`input must be a Uint32Array of ${config.length} values below 2^${config.bits}`, 'input');
  }
  if (delivery.to !== id) return abort(state, `share delivery addressed to ${delivery.to}, not ${id}`);
  const shared = delivery.shared;
  const dup = firstDuplicate(shared) ?? firstDuplicate(delivery.ciphertexts.map((c) => c.from));
  if (dup !== undefined) return abort(state, `${dup} appears twice in the share delivery`);
  const advertised = new Set(state.advertised);
  const outsider = shared.find((v) => !advertised.has(v));
  if (outsider !== undefined) return abort(state, `U2 names ${outsider}, who did not advertise keys`);
  if (!shared.includes(id)) return abort(state, `U2 does not include ${id}`);
  if (shared.length < config.threshold) {
    return abort(state, `only ${shared.length} of the required ${config.threshold} participants shared keys`);
  }
  const u2 = new Set(shared);
  const senders = state.inboundKeys.map((k) => k.from).filter((v) => u2.has(v));
  const fromSenders = new Set(senders);
  const stray = delivery.ciphertexts.find((c) => !fromSenders.has(c.from));
  if (stray) return abort(state, `unexpected share ciphertext from ${stray.from}`);
  const delivered = new Set(delivery.ciphertexts.map((c) => c.from));
  const missing = senders.find((v) => !delivered.has(v));
  if (missing !== undefined) return abort(state, `no share ciphertext from ${missing}, although U2 lists it`);
  const y = msg.ahead ? maskFromAhead(state, msg.ahead, input, senders) : maskAtOnce(state, input, senders);
  if (typeof y === 'string') return abort(state, y);
  const inbox = senders.map((v) => ({
    from: v,
    key: copyBytes(state.inboundKeys.find((k) => k.from === v)!.key),
    ciphertext: copyBytes(delivery.ciphertexts.find((c) => c.from === v)!.ciphertext),
  }));
  return {
    state: {
      stage: config.authenticated ? 'consistency-check' : 'unmasking',
      id,
      config,
      advertised: [...state.advertised],
      shared: [...shared].sort(),
      ownSelfShare: copyBytes(state.ownSelfShare),
      inbox,
    },
    output: { type: 'masked-input', from: id, y },
  };
}

/** y_u = x_u + PRG(b_u) + Σ_{v ∈ senders} ±PRG(s_uv), all terms computed now; or why not. */
function maskAtOnce(state: At<'masked-input'>, input: Uint32Array, senders: readonly string[]): Uint32Array | string {
  const masks = maskTerms(state, senders);
  if (typeof masks === 'string') return masks;
  const y = applyMask(input, masks, state.config.bits);
  for (const m of masks) wipe(m.key);
  return y;
}

/**
 * The same y_u from a mask computed ahead over every neighbour in U1: x_u + M, less the pairwise
 * terms of the neighbours that did not reach U2 (`senders` are those that did).
 */
function maskFromAhead(state: At<'masked-input'>, ahead: MaskAhead, input: Uint32Array, senders: readonly string[]): Uint32Array | string {
  const { peers, mask } = takeMaskAhead(ahead, state);
  try {
    // M was opened for this very state over all its inbound peers, and the senders are some of
    // them: only the peers that did not send need taking out.
    const sent = new Set(senders);
    const gone = pairMaskTerms(state, peers.filter((v) => !sent.has(v)));
    if (typeof gone === 'string') return gone;
    const y = Uint32Array.from(input);
    addMod(y, mask, state.config.bits);
    if (gone.length === 0) return y;
    const corrected = removeMask(y, gone, state.config.bits);
    for (const m of gone) wipe(m.key);
    return corrected;
  } finally {
    mask.fill(0);
  }
}

/**
 * Zeroes every secret byte array a client state holds (secret keys, self-mask seed, own share,
 * share-decryption keys, revealed shares) in place. Call it on a superseded state after the new
 * one is persisted; states never share buffers, so the successor is unaffected.
 */
export function wipeClientState(state: ClientState): void {
  switch (state.stage) {
    case 'share-keys':
      for (const b of [state.cSk, state.sSk, state.selfSeed, ...(state.nonce ? [state.nonce] : [])]) wipe(b);
      break;
    case 'graph-reveal':
      for (const b of [state.cSk, state.sSk, state.selfSeed]) wipe(b);
      break;
    case 'masked-input':
      for (const b of [state.sSk, state.selfSeed, state.ownSelfShare]) wipe(b);
      for (const k of state.inboundKeys) wipe(k.key);
      break;
    case 'consistency-check':
    case 'unmasking':
      wipe(state.ownSelfShare);
      for (const k of state.inbox) wipe(k.key);
      break;
    case 'done':
      for (const s of [...state.response.selfMaskShares, ...state.response.keyShares]) wipe(s.share);
      break;
    default:
      break;
  }
}
