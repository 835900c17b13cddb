/**
 * The SecAgg+ neighbour graph drawn from randomness no single party controls. Bell, Bonawitz,
 * Gascón, Lepoint, Raykova, "Secure Single-Server Aggregation with (Poly)Logarithmic Overhead",
 * CCS 2020, assume the k-regular graph is random and unknown in advance: a coordinator that
 * chose it could give a target only accomplices as neighbours, and with t of them colluding,
 * unmask the target. A commit–reveal draw removes that choice:
 *
 * 1. AdvertiseKeys: each participant u draws a 32-byte nonce r_u and puts the commitment
 *    c_u = SHA-256(label, run, round, u, r_u) in its key advert (signed with the keys in
 *    authenticated rounds; each member checks its drawn neighbours' signatures).
 * 2. Once U1 (the advertisers) is announced with every commitment (and no keys), each member
 *    reveals r_u.
 * 3. Everyone — coordinator and each participant, independently — checks that EVERY member of U1
 *    revealed a nonce matching its commitment, and draws the graph from
 *    seed = SHA-256(label, run, round, |U1|, (v, r_v) for v ∈ U1 sorted): a ring (Harary) graph
 *    of degree k over U1 arranged by a Fisher–Yates shuffle driven by HMAC-SHA256(seed, counter).
 * 4. With the reveals, each member gets the key adverts of its neighbours in that graph only, and
 *    checks they are exactly its neighbours' and carry the commitments announced in step 2.
 *
 * No one can steer the seed: the commitments bind every nonce before any is revealed (a
 * commitment a coordinator forges for someone binds a nonce chosen before it saw the honest
 * member's own, which the seed also hashes), and a
 * missing reveal aborts the round instead of leaving that member out (leaving members out would
 * let the coordinator choose among 2^|U1| seeds). A coordinator may still abort after seeing the
 * graph and retry; each retry costs a new run, and participants cap the runs of one input.
 *
 * Pure (node:crypto hashing is deterministic).
 */
import { createHash, createHmac } from 'node:crypto';
import { shuffleInPlace } from '../../random.ts';
import type { Rng } from '../../types.ts';
import { bytesEqual, concatBytes, toHex } from '../hex.ts';
import { signedBytes } from './advert.ts';
import { firstDuplicate } from './config.ts';
import { ringOver } from './graph.ts';
import type { NeighbourGraph, SecAggConfig } from './config-types.ts';
import type { GraphNonce, PublicKeys } from './messages.ts';
import { GRAPH_NONCE_BYTES } from './config-types.ts';

/** Label of a graph-nonce commitment. */
export const GRAPH_COMMIT_LABEL = 'fedcredit/secagg/graph-commit/v1';
/** Label of the graph seed. */
export const GRAPH_SEED_LABEL = 'fedcredit/secagg/graph-seed/v1';

const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());

/** c_u: the commitment of participant `id` to its graph nonce in this run and round. */
export function graphCommit(config: Pick<SecAggConfig, 'run' | 'round'>, id: string, nonce: Uint8Array): Uint8Array {
  return sha256(signedBytes([GRAPH_COMMIT_LABEL, config.run, config.round, id, nonce]));
}

/** True when the round's graph is drawn by commit–reveal (it has not been drawn yet). */
export function isCommitted(config: SecAggConfig): config is SecAggConfig & { graph: { kind: 'committed'; k: number } } {
  return config.graph.kind === 'committed';
}

/**
 * Why `reveals` do not open every commitment in `keys` (U1's adverts, or its announced commitments), or undefined: a member of U1 without
 * exactly one reveal, a reveal from outside U1, a nonce of the wrong length, or one that does not
 * match its commitment. Names the first offender.
 */
export function revealProblem(config: SecAggConfig, keys: readonly Pick<PublicKeys, 'id' | 'commit'>[], reveals: readonly GraphNonce[]): string | undefined {
  const dup = firstDuplicate(reveals.map((r) => r.id));
  if (dup !== undefined) return `${dup} revealed its graph nonce twice`;
  const advertisers = new Set(keys.map((k) => k.id));
  for (const r of reveals) {
    if (!advertisers.has(r.id)) return `a graph nonce comes from ${r.id}, who did not advertise keys`;
  }
  const byId = new Map(reveals.map((r) => [r.id, r]));
  for (const k of keys) {
    const r = byId.get(k.id);
    if (!r) return `${k.id} did not reveal its graph nonce; the neighbour graph is drawn from every advertiser's randomness or not at all`;
    if (!(r.nonce instanceof Uint8Array) || r.nonce.length !== GRAPH_NONCE_BYTES) return `the graph nonce of ${k.id} is not ${GRAPH_NONCE_BYTES} bytes`;
    if (!nonceOpens(config, k, r.nonce)) return `the graph nonce of ${k.id} does not open its commitment`;
  }
  return undefined;
}

/** True when `nonce` is a nonce of the right size that opens the commitment `key` advertised. */
export function nonceOpens(config: Pick<SecAggConfig, 'run' | 'round'>, key: Pick<PublicKeys, 'id' | 'commit'>, nonce: Uint8Array | undefined): boolean {
  return nonce instanceof Uint8Array && nonce.length === GRAPH_NONCE_BYTES && key.commit !== undefined && bytesEqual(graphCommit(config, key.id, nonce), key.commit);
}

/** The 32-byte seed of the graph from U1's checked reveals. */
export function graphSeed(config: Pick<SecAggConfig, 'run' | 'round'>, reveals: readonly GraphNonce[]): Uint8Array {
  const sorted = [...reveals].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return sha256(signedBytes([GRAPH_SEED_LABEL, config.run, config.round, sorted.length, ...sorted.flatMap((r) => [r.id, r.nonce])]));
}

/** A deterministic byte stream from a 32-byte seed: HMAC-SHA256(seed, counter) blocks. */
function streamRng(seed: Uint8Array): Rng {
  let counter = 0;
  let pool: Uint8Array = new Uint8Array(0);
  return (n) => {
    while (pool.length < n) {
      pool = concatBytes(pool, createHmac('sha256', seed).update(signedBytes([counter++])).digest());
    }
    const out = pool.slice(0, n);
    pool = pool.slice(n);
    return out;
  };
}

/**
 * The graph of a committed round drawn from U1's reveals (checked with {@link revealProblem}):
 * explicit adjacency over all participants, in which the members of U1 form a ring of degree
 * `k` on the seeded arrangement and participants outside U1 (gone already) have no neighbours.
 */
export function drawGraph(config: SecAggConfig & { graph: { kind: 'committed'; k: number } }, reveals: readonly GraphNonce[]): NeighbourGraph {
  return drawFromSeed(config, reveals.map((r) => r.id), graphSeed(config, reveals));
}

function drawFromSeed(config: SecAggConfig & { graph: { kind: 'committed'; k: number } }, ids: readonly string[], seed: Uint8Array): Extract<NeighbourGraph, { kind: 'explicit' }> {
  const order = [...ids].sort();
  shuffleInPlace(order, streamRng(seed));
  const ring = ringOver(order, config.graph.k);
  const adjacency: Record<string, string[]> = {};
  for (const id of [...config.participants].sort()) adjacency[id] = [...(ring.adjacency[id] ?? [])];
  return { kind: 'explicit', adjacency };
}

/**
 * Drawn configurations kept per frozen configuration object, by graph seed. Members that decode
 * the same configuration text share one frozen object (proto/secagg-wire.ts), and members of an
 * honest round all receive the same reveals, so members simulated in one process hold one drawn
 * graph between them instead of a copy each (n lists of k names per member and kept session).
 * A deterministic cache of a pure function: the seed hashes run, round and every (id, nonce), and
 * the configuration object supplies the participants and k. A configuration that is not frozen
 * may still change, so it is never cached.
 */
const drawnByConfig = new WeakMap<object, Map<string, SecAggConfig>>();
/** Distinct seeds kept per configuration: one in an honest round; more only if reveals differ between members. */
const SEEDS_PER_CONFIG = 4;

/**
 * The round's config with its committed graph replaced by the drawn one. For a frozen `config`
 * the result is frozen too, and the same object for the same reveals.
 */
export function withDrawnGraph(config: SecAggConfig & { graph: { kind: 'committed'; k: number } }, reveals: readonly GraphNonce[]): SecAggConfig {
  const seed = graphSeed(config, reveals);
  if (!Object.isFrozen(config)) return { ...config, graph: drawFromSeed(config, reveals.map((r) => r.id), seed) };
  let bySeed = drawnByConfig.get(config);
  if (!bySeed) {
    bySeed = new Map();
    drawnByConfig.set(config, bySeed);
  }
  const key = toHex(seed);
  const hit = bySeed.get(key);
  if (hit) return hit;
  const graph = drawFromSeed(config, reveals.map((r) => r.id), seed);
  for (const list of Object.values(graph.adjacency)) Object.freeze(list);
  Object.freeze(graph.adjacency);
  const drawn = Object.freeze({ ...config, graph: Object.freeze(graph) });
  bySeed.set(key, drawn);
  if (bySeed.size > SEEDS_PER_CONFIG) bySeed.delete(bySeed.keys().next().value!);
  return drawn;
}
