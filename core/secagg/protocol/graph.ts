/**
 * Neighbour graphs for secure aggregation. Bonawitz et al., CCS 2017 mask and share everyone with
 * everyone ({@link completeGraph}); SecAgg+ (Bell, Bonawitz, Gascón, Lepoint, Raykova, CCS 2020,
 * "Secure Single-Server Aggregation with (Poly)Logarithmic Overhead") runs the same stages over a
 * sparse k-regular graph with k = O(log n), so each client does O(k) instead of O(n) work.
 *
 * {@link ringNeighbours} builds the Harary graph H(k, n) on a seeded random arrangement of the ids:
 * each id is joined to the ⌊k/2⌋ nearest ids on each side of the ring, plus (odd k) the opposite
 * id — symmetric, exactly k-regular for even k or even n, k or k + 1 otherwise. Bell et al. sample
 * a random graph nobody controls; in a round the arrangement is drawn by commit–reveal from every
 * advertiser's nonce (graph-draw.ts); a fixed seed serves tests and benchmarks.
 */
import { seededRng, shuffleInPlace } from '../../random.ts';
import { CoreInputError } from '../../types.ts';
import type { NeighbourGraph, SecAggConfig } from './config-types.ts';

/** The everyone-with-everyone graph of Bonawitz et al. 2017 (the default). */
export function completeGraph(): NeighbourGraph {
  return { kind: 'complete' };
}

/**
 * A symmetric ring (Harary) graph of degree ≈ k over `ids`, deterministic in (`ids` as a set, `k`,
 * `seed`). With k ≥ |ids| − 1 every id neighbours every other. Throws {@link CoreInputError}:
 * `ids` when empty or not distinct non-empty strings, `k` unless a positive integer.
 */
export function ringNeighbours(ids: string[], k: number, seed: number): NeighbourGraph {
  checkIds(ids, 'ids');
  const order = [...ids].sort();
  shuffleInPlace(order, seededRng(seed));
  return ringOver(order, k);
}

/**
 * The ring (Harary) graph of degree ≈ k over `order` as arranged (see {@link ringNeighbours}):
 * each id is joined to the ⌊k/2⌋ nearest on each side, plus (odd k) the opposite one. Throws
 * {@link CoreInputError} like {@link ringNeighbours}.
 */
export function ringOver(order: string[], k: number): Extract<NeighbourGraph, { kind: 'explicit' }> {
  checkIds(order, 'ids');
  if (!Number.isInteger(k) || k < 1) throw new CoreInputError(`k must be a positive integer, got ${k}`, 'k');
  const n = order.length;
  const adj = new Map<string, Set<string>>(order.map((id) => [id, new Set<string>()]));
  const link = (i: number, j: number): void => {
    // i % n and j % n are below n = order.length, so both ids exist.
    const a = order[i % n]!;
    const b = order[j % n]!;
    if (a === b) return;
    adj.get(a)!.add(b);
    adj.get(b)!.add(a);
  };
  if (k >= n - 1) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) link(i, j);
  } else {
    for (let i = 0; i < n; i++) {
      for (let d = 1; d <= Math.floor(k / 2); d++) link(i, i + d);
      if (k % 2 === 1) link(i, i + Math.floor(n / 2));
    }
  }
  const adjacency: Record<string, string[]> = {};
  for (const id of [...order].sort()) adjacency[id] = [...adj.get(id)!].sort();
  return { kind: 'explicit', adjacency };
}

/**
 * N(u): the sorted neighbour ids of `id` in the config's graph (never `id` itself). Throws
 * {@link CoreInputError} (`id`) when `id` is not a participant of the round.
 */
export function neighboursOf(config: SecAggConfig, id: string): string[] {
  if (!config.participants.includes(id)) {
    throw new CoreInputError(`${id} is not a participant of round ${config.round}`, 'id');
  }
  if (config.graph.kind === 'complete') return config.participants.filter((v) => v !== id).sort();
  if (config.graph.kind === 'committed') throw new CoreInputError('the committed neighbour graph has not been drawn yet (graph-draw.ts)', 'config.graph');
  return [...(config.graph.adjacency[id] ?? [])].sort();
}

/** True when `u` and `v` are distinct neighbours in the config's graph. */
export function areNeighbours(config: SecAggConfig, u: string, v: string): boolean {
  if (u === v) return false;
  if (config.graph.kind === 'complete') return config.participants.includes(u) && config.participants.includes(v);
  if (config.graph.kind === 'committed') throw new CoreInputError('the committed neighbour graph has not been drawn yet (graph-draw.ts)', 'config.graph');
  return (config.graph.adjacency[u] ?? []).includes(v);
}

/**
 * Checks that `graph` is a valid neighbour graph over `ids`: an explicit adjacency must list
 * exactly the ids as keys, name only ids, have no self-loops or repeats, and be symmetric.
 * Throws {@link CoreInputError} (`graph`) naming the first offending vertex.
 */
export function checkGraph(graph: NeighbourGraph, ids: string[]): void {
  if (graph.kind === 'complete') return;
  if (graph.kind === 'committed') {
    if (!Number.isInteger(graph.k) || graph.k < 1) throw new CoreInputError(`graph.k must be a positive integer, got ${graph.k}`, 'graph');
    return;
  }
  if (graph.kind !== 'explicit') throw new CoreInputError('graph.kind must be complete or explicit', 'graph');
  const members = new Set(ids);
  const keys = Object.keys(graph.adjacency);
  if (keys.length !== members.size || keys.some((k) => !members.has(k))) {
    throw new CoreInputError('graph.adjacency must have exactly one entry per participant', 'graph');
  }
  for (const [u, list] of Object.entries(graph.adjacency)) {
    if (new Set(list).size !== list.length) throw new CoreInputError(`graph: ${u} lists a neighbour twice`, 'graph');
    for (const v of list) {
      if (v === u) throw new CoreInputError(`graph: ${u} neighbours itself`, 'graph');
      if (!members.has(v)) throw new CoreInputError(`graph: ${u} neighbours non-participant ${v}`, 'graph');
      if (!graph.adjacency[v]?.includes(u)) {
        throw new CoreInputError(`graph is not symmetric: ${u} → ${v} but not ${v} → ${u}`, 'graph');
      }
    }
  }
}

/** Throws {@link CoreInputError} naming `parameter` unless `ids` are distinct non-empty strings (≥ 1). */
export function checkIds(ids: string[], parameter: string): void {
  if (!Array.isArray(ids) || ids.length === 0) throw new CoreInputError(`${parameter} must be a non-empty list`, parameter);
  for (const id of ids) {
    if (typeof id !== 'string' || id.length === 0) throw new CoreInputError(`${parameter} must hold non-empty strings`, parameter);
  }
  if (new Set(ids).size !== ids.length) throw new CoreInputError(`${parameter} must be distinct`, parameter);
}
