/**
 * The server side of Bonawitz et al., CCS 2017, "Practical Secure Aggregation for
 * Privacy-Preserving Machine Learning", Fig. 4 (honest-but-curious) and, when
 * `config.authenticated`, Fig. 5 (active adversary), as a pure stage machine driven by deadlines:
 * each input is "the deadline of this stage passed and these messages arrived". Missing or
 * unusable replies become {@link Failure} records (dropouts are data); fewer than t usable replies
 * at any stage abort the round with a reason, and the server unmasks nothing unless at least t
 * survivors answer the Unmasking request.
 *
 * Stages: collect keys (U1; authenticated: each advert must carry a signature, forwarded to the
 * clients who check it; with a committed SecAgg+ graph, U1 goes out as graph commitments, the
 * nonces are collected, and each member gets its neighbours' adverts only) → forward share
 * ciphertexts (U2) → sum masked inputs (U3) → authenticated
 * only, ConsistencyCheck: collect ≥ t signatures over U3 (U4) and send them with the unmask request
 * to the signers → with ≥ t responses, reconstruct b_v for v ∈ U3 and s^SK_v for v ∈ U2 \ U3, then
 * Σ_{u∈U3} x_u = Σ_{u∈U3} y_u − Σ_{u∈U3} PRG(b_u) − Σ_{v∈U2\U3} Σ_{u∈U3∩N(v)} sign(u,v)·PRG(s_uv).
 * The server never asks for both shares of one owner: survivors and dropped are disjoint.
 * This file holds the entry points and the collecting stages; the Unmasking stage is in
 * server-unmask.ts and the plumbing they share (abort, reply acceptance) in server-step.ts.
 *
 * With the consortium `roster` (optional, never needed for safety — the clients check), the
 * server also verifies adverts and consistency signatures itself, so one participant's bad
 * signature becomes its own failure instead of making every honest client abort.
 */
import { CoreInputError } from '../../types.ts';
import { X25519_BYTES } from '../keys.ts';
import { addMod } from '../quantize.ts';
import { copyBytes, fitsBits, sameMembers, shareHolders, sortedUnique, validateConfig } from './config.ts';
import { advertBytes, SIGNATURE_BYTES, verify } from './advert.ts';
import { consistencyBytes } from './consistency.ts';
import type { SecAggConfig } from './config-types.ts';
import { GRAPH_NONCE_BYTES } from './config-types.ts';
import type { Failure, ForwardReveals, GraphReveals, PublicKeys, ServerInput } from './messages.ts';
import type { ServerState } from './states.ts';
import { isCommitted, nonceOpens, withDrawnGraph } from './graph-draw.ts';
import { neighboursOf } from './graph.ts';
import type { At, Msg, Roster, Step } from './server-step.ts';
import { abort, accept } from './server-step.ts';
import { unmask } from './server-unmask.ts';

/** The initial server state of a round. Throws {@link CoreInputError} (`config.*`) on a bad config. */
export function initServer(config: SecAggConfig): ServerState {
  validateConfig(config);
  return { stage: 'advertise-keys', config };
}

/**
 * Advances the server past one stage deadline; `roster` (optional) lets it check signatures in
 * authenticated rounds. Throws {@link CoreInputError} (`input`) when the input is not the deadline
 * of the current stage (a driver bug, not a dropout), including any input after `done` or
 * `aborted`. Never mutates `state`.
 */
export function serverStep(state: ServerState, input: ServerInput, roster?: Roster): Step {
  if (state.stage === 'advertise-keys' && input.type === 'advertise-keys-deadline') return collectKeys(state, input.messages, roster);
  if (state.stage === 'graph-reveal' && input.type === 'graph-reveal-deadline') return collectNonces(state, input.messages);
  if (state.stage === 'share-keys' && input.type === 'share-keys-deadline') return forwardShares(state, input.messages);
  if (state.stage === 'masked-input' && input.type === 'masked-input-deadline') return sumMasked(state, input.messages);
  if (state.stage === 'consistency-check' && input.type === 'consistency-check-deadline') return collectSignatures(state, input.messages, roster);
  if (state.stage === 'unmasking' && input.type === 'unmasking-deadline') return unmask(state, input.messages);
  throw new CoreInputError(`a ${input.type} input does not fit server stage ${state.stage}`, 'input');
}

/** Why a signature from `from` is unusable (missing, malformed, or not verifying under `roster`), or undefined. */
function signatureProblem(signature: Uint8Array | undefined, from: string, message: () => Uint8Array, roster: Roster | undefined): string | undefined {
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) return `carries no ${SIGNATURE_BYTES}-byte signature`;
  if (roster && !verify(roster.get(from), message(), signature)) return 'its signature does not verify under its roster key';
  return undefined;
}

function collectKeys(state: At<'advertise-keys'>, messages: Msg<'advertise-keys-deadline'>[], roster: Roster | undefined): Step {
  const { config } = state;
  const failures: Failure[] = [];
  const ok = accept('advertise-keys', config.participants, messages, (m) => {
    if (m.cPk?.length !== X25519_BYTES || m.sPk?.length !== X25519_BYTES) return 'public keys must be 32 bytes each';
    if (isCommitted(config) && m.commit?.length !== GRAPH_NONCE_BYTES) return `key advert carries no ${GRAPH_NONCE_BYTES}-byte graph commitment`;
    const bad = config.authenticated ? signatureProblem(m.signature, m.from, () => advertBytes(config, m.from, m.cPk, m.sPk, m.commit), roster) : undefined;
    return bad && `key advert ${bad}`;
  }, failures);
  const t = config.threshold;
  if (ok.size < t) return abort(state, `only ${ok.size} of the required ${t} participants advertised keys`, failures);
  const copy = (m: PublicKeys): PublicKeys =>
    copyAdvert({ id: m.id, cPk: m.cPk, sPk: m.sPk, ...(config.authenticated && m.signature ? { signature: m.signature } : {}), ...(isCommitted(config) && m.commit ? { commit: m.commit } : {}) });
  const keys = sortedUnique(ok.keys()).map((id) => copy({ ...ok.get(id)!, id }));
  if (isCommitted(config)) {
    // The keys wait for the graph: each member gets only its neighbours' (with the reveals).
    return { state: { stage: 'graph-reveal', config, keys }, output: { type: 'peer-commits', commits: keys.map((k) => ({ id: k.id, commit: copyBytes(k.commit!) })), failures } };
  }
  return { state: { stage: 'share-keys', config, keys }, output: { type: 'peer-keys', keys: keys.map(copyAdvert), failures } };
}

/** What member `to` receives of the graph reveals: every nonce, and its neighbours' adverts. */
export function graphRevealsFor(out: ForwardReveals, to: string): GraphReveals {
  return { type: 'graph-reveals', reveals: out.reveals, keys: out.neighbourKeys[to] ?? [] };
}

/** An advert with copies of its byte fields. */
function copyAdvert(k: PublicKeys): PublicKeys {
  return {
    id: k.id,
    cPk: copyBytes(k.cPk),
    sPk: copyBytes(k.sPk),
    ...(k.signature ? { signature: copyBytes(k.signature) } : {}),
    ...(k.commit ? { commit: copyBytes(k.commit) } : {}),
  };
}

/**
 * Committed graph: every member of U1 must reveal the nonce it committed to; then the graph is
 * drawn (graph-draw.ts), and each member gets every nonce and its neighbours' key adverts. A
 * missing or wrong reveal aborts the round: leaving a member out would let the server choose among
 * many graphs.
 */
function collectNonces(state: At<'graph-reveal'>, messages: Msg<'graph-reveal-deadline'>[]): Step {
  const { config, keys } = state;
  if (!isCommitted(config)) throw new CoreInputError('graph nonces in a round without a committed graph', 'input');
  const failures: Failure[] = [];
  const byId = new Map(keys.map((k) => [k.id, k]));
  const ok = accept('graph-reveal', keys.map((k) => k.id), messages, (m) => {
    return nonceOpens(config, byId.get(m.from)!, m.nonce) ? undefined : 'its graph nonce does not open its commitment';
  }, failures);
  if (ok.size < keys.length) {
    return abort(state, `only ${ok.size} of the ${keys.length} key advertisers revealed their graph nonce; the neighbour graph is drawn from every advertiser's randomness or not at all`, failures);
  }
  const reveals = sortedUnique(ok.keys()).map((id) => ({ id, nonce: copyBytes(ok.get(id)!.nonce) }));
  const drawn = withDrawnGraph(config, reveals);
  // One copy of each advert (the state keeps its own), listed for each of its owner's neighbours.
  const copies = new Map(keys.map((k) => [k.id, copyAdvert(k)]));
  const neighbourKeys: Record<string, PublicKeys[]> = {};
  for (const k of keys) neighbourKeys[k.id] = neighboursOf(drawn, k.id).map((v) => copies.get(v)!);
  return {
    state: { stage: 'share-keys', config: drawn, keys },
    output: { type: 'forward-reveals', reveals: reveals.map((r) => ({ id: r.id, nonce: copyBytes(r.nonce) })), neighbourKeys, failures },
  };
}

function forwardShares(state: At<'share-keys'>, messages: Msg<'share-keys-deadline'>[]): Step {
  const { config } = state;
  const advertised = state.keys.map((k) => k.id);
  const failures: Failure[] = [];
  const ok = accept('share-keys', advertised, messages, (m) => {
    const want = shareHolders(config, advertised, m.from).filter((v) => v !== m.from);
    const got = m.ciphertexts.map((c) => c.to);
    return sortedUnique(got).length === got.length && sameMembers(got, want)
      ? undefined
      : `ciphertexts addressed to [${got.join(', ')}] instead of [${want.join(', ')}]`;
  }, failures);
  const t = config.threshold;
  if (ok.size < t) return abort(state, `only ${ok.size} of the required ${t} participants shared keys`, failures);
  const shared = sortedUnique(ok.keys());
  const deliveries = shared.map((to) => ({
    type: 'share-delivery' as const,
    to,
    shared: [...shared],
    ciphertexts: shared
      .filter((v) => v !== to)
      .flatMap((v) => ok.get(v)!.ciphertexts.filter((c) => c.to === to).map((c) => ({ from: v, ciphertext: copyBytes(c.ciphertext) }))),
  }));
  return {
    state: { stage: 'masked-input', config, keys: state.keys, shared },
    output: { type: 'forward-shares', shared: [...shared], deliveries, failures },
  };
}

function sumMasked(state: At<'masked-input'>, messages: Msg<'masked-input-deadline'>[]): Step {
  const { config } = state;
  const failures: Failure[] = [];
  const ok = accept('masked-input', state.shared, messages, (m) =>
    m.y instanceof Uint32Array && m.y.length === config.length && fitsBits(m.y, config.bits)
      ? undefined
      : `masked input must be ${config.length} values below 2^${config.bits}`, failures);
  const t = config.threshold;
  if (ok.size < t) return abort(state, `only ${ok.size} of the required ${t} participants sent masked inputs`, failures);
  const survivors = sortedUnique(ok.keys());
  const maskedSum = new Uint32Array(config.length);
  for (const u of survivors) addMod(maskedSum, ok.get(u)!.y, config.bits);
  const dropped = state.shared.filter((v) => !ok.has(v));
  const next = { config, keys: state.keys, shared: state.shared, survivors, maskedSum };
  if (config.authenticated) {
    return { state: { stage: 'consistency-check', ...next }, output: { type: 'consistency-request', survivors: [...survivors], dropped, failures } };
  }
  return { state: { stage: 'unmasking', ...next }, output: { type: 'unmask-request', survivors: [...survivors], dropped, failures } };
}

/** ConsistencyCheck: ≥ t members of U3 signed it; the unmask request carries their signatures and goes to them. */
function collectSignatures(state: At<'consistency-check'>, messages: Msg<'consistency-check-deadline'>[], roster: Roster | undefined): Step {
  const { config, survivors } = state;
  const failures: Failure[] = [];
  const ok = accept('consistency-check', survivors, messages, (m) => {
    const bad = signatureProblem(m.signature, m.from, () => consistencyBytes(config, survivors), roster);
    return bad && `consistency signature: ${bad.replace(/^carries/, 'the reply carries')}`;
  }, failures);
  const t = config.threshold;
  if (ok.size < t) return abort(state, `only ${ok.size} of the required ${t} participants signed the survivor set U3; nothing is unmasked`, failures);
  const signers = sortedUnique(ok.keys());
  const signatures = signers.map((id) => ({ id, signature: copyBytes(ok.get(id)!.signature) }));
  const dropped = state.shared.filter((v) => !survivors.includes(v));
  return {
    state: { stage: 'unmasking', config, keys: state.keys, shared: state.shared, survivors, maskedSum: state.maskedSum, signers },
    output: { type: 'unmask-request', survivors: [...survivors], dropped, signatures, failures },
  };
}
