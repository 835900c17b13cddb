/**
 * The last stages of the client machine of Bonawitz et al., CCS 2017 (client.ts):
 *
 * - ConsistencyCheck (Fig. 5 round 4, authenticated rounds only) — check that the announced U3
 *   is a subset of U2 with |U3| ≥ t that includes this client, and sign it (consistency.ts). A
 *   client signs one U3 only: an identical retry gets the same (deterministic) signature, a
 *   different U3 is refused with an abort.
 * - Unmasking (Fig. 4/5 round 4/5) — in authenticated rounds first require that the request's U3
 *   is the signed one and carries ≥ t valid signatures of distinct members of U3 under the local
 *   roster; then reveal, for each neighbour v ∈ U2, v's b-share if v ∈ U3 and v's s-share
 *   otherwise — never both: a request naming v as surviving and dropped, or a second request with
 *   a different U3, is refused with an abort.
 */
import { sign } from './advert.ts';
import type { At, Step } from './client-step.ts';
import { abort, unexpected } from './client-step.ts';
import { openShares } from './client-crypto.ts';
import { copyBytes, firstDuplicate, sameMembers, sortedUnique } from './config.ts';
import { consistencyBytes, signaturesProblem } from './consistency.ts';
import type { ClientAuth } from './config-types.ts';
import type { ClientOutput, ConsistencyRequest, UnmaskRequest } from './messages.ts';

/** Why a survivors/dropped request is contradictory in itself, or undefined. */
function requestProblem(req: ConsistencyRequest | UnmaskRequest): string | undefined {
  const dup = firstDuplicate(req.survivors) ?? firstDuplicate(req.dropped);
  if (dup !== undefined) return `${dup} is listed twice in the ${req.type.replace('-', ' ')}`;
  const droppedSet = new Set(req.dropped);
  const both = req.survivors.find((v) => droppedSet.has(v));
  if (both !== undefined) {
    return `refusing: ${both} is listed as both surviving and dropped; answering would reveal both its self-mask share and its key share`;
  }
  return undefined;
}

/** Why (survivors, dropped) is not a partition of U2 into a U3 of ≥ t members including `id`, or undefined. */
function partitionProblem(state: At<'consistency-check'> | At<'unmasking'>, req: ConsistencyRequest | UnmaskRequest): string | undefined {
  const { id, config } = state;
  const problem = requestProblem(req);
  if (problem) return problem;
  if (!sameMembers([...req.survivors, ...req.dropped], state.shared)) return 'survivors ∪ dropped is not the U2 announced after ShareKeys';
  if (!req.survivors.includes(id)) return `U3 does not include ${id}`;
  if (req.survivors.length < config.threshold) {
    return `only ${req.survivors.length} of the required ${config.threshold} participants sent masked inputs`;
  }
  return undefined;
}

/** ConsistencyCheck: signs U3 (first request), or repeats the signature for an identical retry. */
export function signSurvivors(state: At<'consistency-check'> | At<'unmasking'>, req: ConsistencyRequest, auth: ClientAuth): Step {
  const { id, config } = state;
  if (state.stage === 'unmasking') {
    if (!state.signed) return unexpected(state, req.type);
    if (requestProblem(req) || !sameMembers(req.survivors, state.signed)) {
      return abort(state, `refusing to sign a second, different U3 (already signed U3 = [${state.signed.join(', ')}])`);
    }
  } else {
    const problem = partitionProblem(state, req);
    if (problem) return abort(state, problem);
  }
  const signed = sortedUnique(req.survivors);
  const output: ClientOutput = { type: 'consistency-signature', from: id, signature: sign(auth.secretKey, consistencyBytes(config, signed)) };
  if (state.stage === 'unmasking') return { state, output };
  const inbox = state.inbox.map((m) => ({ from: m.from, key: copyBytes(m.key), ciphertext: copyBytes(m.ciphertext) }));
  return {
    state: { stage: 'unmasking', id, config, advertised: [...state.advertised], shared: [...state.shared], ownSelfShare: copyBytes(state.ownSelfShare), inbox, signed },
    output,
  };
}

/** Unmasking: checks the request (and, authenticated, its consistency signatures), then reveals one share per peer. */
export function unmask(state: At<'unmasking'>, req: UnmaskRequest, auth: ClientAuth | undefined): Step {
  const { id, config } = state;
  if (config.authenticated) {
    if (!state.signed || !auth) return abort(state, 'unmask request before this client signed U3 in the consistency check');
    if (firstDuplicate(req.survivors) !== undefined || !sameMembers(req.survivors, state.signed)) {
      return abort(state, `the unmask request's U3 [${req.survivors.join(', ')}] is not the U3 this client signed [${state.signed.join(', ')}]`);
    }
    const bad = signaturesProblem(config, auth.peers, state.signed, req.signatures ?? []);
    if (bad) return abort(state, bad);
  }
  const problem = partitionProblem(state, req);
  if (problem) return abort(state, problem);
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

/** A retried unmask request: the same answer for the same sets, an abort for different ones. */
export function repeatUnmask(state: At<'done'>, req: UnmaskRequest): Step {
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
