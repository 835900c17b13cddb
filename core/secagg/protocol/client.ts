/**
 * The client (user) side of Bonawitz et al., CCS 2017, "Practical Secure Aggregation for
 * Privacy-Preserving Machine Learning", Fig. 4 (honest-but-curious server), as a pure stage machine:
 *
 * 0. AdvertiseKeys — draw the c-pair (share encryption), s-pair (masking) and self-mask seed b_u.
 * 1. ShareKeys — check the advertised keys, t-of-h Shamir-share b_u and s^SK_u among the h holders
 *    (u and its neighbours in U1), encrypt each neighbour's pair of shares under a key derived from
 *    the c-agreement, bound to (run, round, src, dst, stage).
 * 2. MaskedInputCollection — y_u = x_u + PRG(b_u) + Σ_{v ∈ U2 ∩ N(u)} ±PRG(s_uv) mod 2^bits.
 * 3. Unmasking — for each neighbour v ∈ U2 reveal v's b-share if v ∈ U3, else v's s-share; never
 *    both: a request naming v as surviving and dropped, or a second request with a different U3,
 *    is refused with an abort.
 *
 * Purity: `clientStep` never mutates its input state; each new state owns fresh copies of the
 * secrets it keeps and drops those it no longer needs (c^SK after ShareKeys, s^SK and b_u after
 * masking). Transient secrets (agreed secrets, derived keys, plaintexts) are wiped after use; the
 * caller wipes a superseded state with {@link wipeClientState} once the new one is saved.
 */
import type { Rng } from '../../types';
import { CoreInputError } from '../../types';
import { deriveKey } from '../kdf';
import { generateKeyPair, wipe } from '../keys';
import { applyMask } from '../mask';
import { encodeShare, splitSecret } from '../shamir';
import { seal } from '../secretbox';
import { agree, keyProblem, maskTerms, openShares } from './client-crypto';
import { copyBytes, firstDuplicate, fitsBits, sameMembers, shareHolders, validateConfig } from './config';
import { encodeSharePlaintext, SHARE_STAGE } from './plaintext';
import type { ClientInput, ClientOutput, ClientState, PeerKeysMessage, SecAggConfig, UnmaskRequest } from './types';
import { SELF_SEED_BYTES } from './types';

type Step = { state: ClientState; output: ClientOutput };
type At<S extends ClientState['stage']> = Extract<ClientState, { stage: S }>;

/**
 * The initial state of participant `id` for a round. Throws {@link CoreInputError}: a `config.*`
 * field when the config is invalid (see `validateConfig`), `id` when it is not a participant.
 */
export function initClient(config: SecAggConfig, id: string): ClientState {
  validateConfig(config);
  if (!config.participants.includes(id)) throw new CoreInputError(`${id} is not a participant of this round`, 'id');
  return { stage: 'advertise-keys', id, config };
}

/**
 * Advances a client by one protocol message. Protocol violations by the server or peers (wrong
 * stage, inconsistent sets, tampered shares, requests that would reveal both shares of a peer)
 * yield `{ type: 'abort' }` and the terminal `aborted` state, which keeps no secrets. Only a bad
 * local input vector throws ({@link CoreInputError} `input`). `rng` supplies key pairs, the seed,
 * Shamir coefficients and secretbox nonces.
 */
export function clientStep(state: ClientState, input: ClientInput, rng: Rng): Step {
  switch (state.stage) {
    case 'advertise-keys':
      return input.type === 'begin' ? advertise(state, rng) : unexpected(state, input.type);
    case 'share-keys':
      return input.type === 'peer-keys' ? shareKeys(state, input, rng) : unexpected(state, input.type);
    case 'masked-input':
      return input.type === 'mask-input' ? maskInput(state, input) : unexpected(state, input.type);
    case 'unmasking':
      return input.type === 'unmask-request' ? unmask(state, input) : unexpected(state, input.type);
    case 'done':
      return input.type === 'unmask-request' ? repeatUnmask(state, input) : unexpected(state, input.type);
    case 'aborted':
      return { state, output: { type: 'abort', stage: state.at, reason: state.reason } };
  }
}

/** Moves to the terminal `aborted` state (which holds no secrets) with an abort output. */
function abort(state: ClientState, reason: string): Step {
  const at = state.stage === 'aborted' ? state.at : state.stage;
  const full = `${at}: ${reason}`;
  return {
    state: { stage: 'aborted', id: state.id, config: state.config, at, reason: full },
    output: { type: 'abort', stage: at, reason: full },
  };
}

function unexpected(state: ClientState, type: string): Step {
  return abort(state, `unexpected ${type} message while in stage ${state.stage}`);
}

function advertise(state: At<'advertise-keys'>, rng: Rng): Step {
  const c = generateKeyPair(rng);
  const s = generateKeyPair(rng);
  const selfSeed = Uint8Array.from(rng(SELF_SEED_BYTES));
  if (selfSeed.length !== SELF_SEED_BYTES) throw new CoreInputError(`rng must return ${SELF_SEED_BYTES} bytes`, 'rng');
  const { id, config } = state;
  return {
    state: { stage: 'share-keys', id, config, cPk: c.publicKey, cSk: c.secretKey, sPk: s.publicKey, sSk: s.secretKey, selfSeed },
    output: { type: 'advertise-keys', from: id, cPk: copyBytes(c.publicKey), sPk: copyBytes(s.publicKey) },
  };
}

function shareKeys(state: At<'share-keys'>, msg: PeerKeysMessage, rng: Rng): Step {
  const { id, config } = state;
  const problem = keyProblem(state, msg.keys);
  if (problem) return abort(state, problem);
  const advertised = msg.keys.map((k) => k.id).sort();
  const holders = shareHolders(config, advertised, id);
  if (holders.length < config.threshold) {
    return abort(state, `only ${holders.length} of the required ${config.threshold} share holders advertised keys`);
  }
  const byId = new Map(msg.keys.map((k) => [k.id, k]));
  const bShares = splitSecret(state.selfSeed, config.threshold, holders.length, rng);
  const sShares = splitSecret(state.sSk, config.threshold, holders.length, rng);
  const inboundKeys: { from: string; key: Uint8Array }[] = [];
  const ciphertexts: { to: string; ciphertext: Uint8Array }[] = [];
  let ownSelfShare: Uint8Array = new Uint8Array(0);
  try {
    for (let i = 0; i < holders.length; i++) {
      const v = holders[i];
      const selfMaskShare = encodeShare(bShares[i]);
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
      const keyShare = encodeShare(sShares[i]);
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
  const peers = msg.keys.map((k) => ({ id: k.id, cPk: copyBytes(k.cPk), sPk: copyBytes(k.sPk) })).sort((a, b) => (a.id < b.id ? -1 : 1));
  return {
    state: { stage: 'masked-input', id, config, peers, sSk: copyBytes(state.sSk), selfSeed: copyBytes(state.selfSeed), ownSelfShare, inboundKeys },
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
  const advertised = new Set(state.peers.map((p) => p.id));
  const outsider = shared.find((v) => !advertised.has(v));
  if (outsider !== undefined) return abort(state, `U2 names ${outsider}, who did not advertise keys`);
  if (!shared.includes(id)) return abort(state, `U2 does not include ${id}`);
  if (shared.length < config.threshold) {
    return abort(state, `only ${shared.length} of the required ${config.threshold} participants shared keys`);
  }
  const senders = state.inboundKeys.map((k) => k.from).filter((v) => shared.includes(v));
  const stray = delivery.ciphertexts.find((c) => !senders.includes(c.from));
  if (stray) return abort(state, `unexpected share ciphertext from ${stray.from}`);
  const missing = senders.find((v) => !delivery.ciphertexts.some((c) => c.from === v));
  if (missing !== undefined) return abort(state, `no share ciphertext from ${missing}, although U2 lists it`);
  const masks = maskTerms(state, senders);
  if (typeof masks === 'string') return abort(state, masks);
  const y = applyMask(input, masks, config.bits);
  for (const m of masks) wipe(m.key);
  const inbox = senders.map((v) => ({
    from: v,
    key: copyBytes(state.inboundKeys.find((k) => k.from === v)!.key),
    ciphertext: copyBytes(delivery.ciphertexts.find((c) => c.from === v)!.ciphertext),
  }));
  return {
    state: {
      stage: 'unmasking',
      id,
      config,
      advertised: [...advertised].sort(),
      shared: [...shared].sort(),
      ownSelfShare: copyBytes(state.ownSelfShare),
      inbox,
    },
    output: { type: 'masked-input', from: id, y },
  };
}

function requestProblem(req: UnmaskRequest): string | undefined {
  const dup = firstDuplicate(req.survivors) ?? firstDuplicate(req.dropped);
  if (dup !== undefined) return `${dup} is listed twice in the unmask request`;
  const both = req.survivors.find((v) => req.dropped.includes(v));
  if (both !== undefined) {
    return `refusing: ${both} is listed as both surviving and dropped; answering would reveal both its self-mask share and its key share`;
  }
  return undefined;
}

function unmask(state: At<'unmasking'>, req: UnmaskRequest): Step {
  const { id, config } = state;
  const problem = requestProblem(req);
  if (problem) return abort(state, problem);
  if (!sameMembers([...req.survivors, ...req.dropped], state.shared)) {
    return abort(state, 'survivors ∪ dropped is not the U2 announced after ShareKeys');
  }
  if (!req.survivors.includes(id)) return abort(state, `U3 does not include ${id}`);
  if (req.survivors.length < config.threshold) {
    return abort(state, `only ${req.survivors.length} of the required ${config.threshold} participants sent masked inputs`);
  }
  const opened = openShares(state, new Set(req.survivors));
  if (typeof opened === 'string') return abort(state, opened);
  opened.selfMaskShares.push({ owner: id, share: copyBytes(state.ownSelfShare) });
  opened.selfMaskShares.sort((a, b) => (a.owner < b.owner ? -1 : 1));
  const response = { type: 'unmasking' as const, from: id, ...opened };
  return {
    state: { stage: 'done', id, config, answered: { survivors: [...req.survivors].sort(), dropped: [...req.dropped].sort() }, response },
    output: cloneResponse(response),
  };
}

function repeatUnmask(state: At<'done'>, req: UnmaskRequest): Step {
  const problem = requestProblem(req);
  if (problem) return abort(state, problem);
  const { survivors, dropped } = state.answered;
  if (sameMembers(req.survivors, survivors) && sameMembers(req.dropped, dropped)) {
    return { state, output: cloneResponse(state.response) };
  }
  const flipped = req.survivors.filter((v) => dropped.includes(v)).concat(req.dropped.filter((v) => survivors.includes(v)));
  const detail = flipped.length ? `; answering could reveal both shares of ${flipped.join(', ')}` : '';
  return abort(state, `refusing a second unmask request with a different survivor set (already answered U3 = [${survivors.join(', ')}])${detail}`);
}

function cloneResponse(r: At<'done'>['response']): ClientOutput {
  const copy = (list: { owner: string; share: Uint8Array }[]) => list.map((s) => ({ owner: s.owner, share: copyBytes(s.share) }));
  return { type: 'unmasking', from: r.from, selfMaskShares: copy(r.selfMaskShares), keyShares: copy(r.keyShares) };
}

/**
 * Zeroes every secret byte array a client state holds (secret keys, self-mask seed, own share,
 * share-decryption keys, revealed shares) in place. Call it on a superseded state after the new
 * one is persisted; states never share buffers, so the successor is unaffected.
 */
export function wipeClientState(state: ClientState): void {
  switch (state.stage) {
    case 'share-keys':
      for (const b of [state.cSk, state.sSk, state.selfSeed]) wipe(b);
      break;
    case 'masked-input':
      for (const b of [state.sSk, state.selfSeed, state.ownSelfShare]) wipe(b);
      for (const k of state.inboundKeys) wipe(k.key);
      break;
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
