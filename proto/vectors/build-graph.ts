/**
 * The SecAgg+ neighbour-graph draw (commit–reveal) as a vector, computed twice: step by step
 * from the description in docs/protocol.md (commitments, seed, the HMAC byte stream, each
 * Fisher–Yates swap, the ring) and by the real core/secagg/protocol/graph-draw.ts; the two must
 * give the same graph, or building the vector throws.
 */
import { createHmac } from 'node:crypto';
import { drawGraph, graphCommit, graphSeed } from '../../core/secagg/protocol/graph-draw.ts';
import type { SecAggConfig } from '../../core/secagg/protocol/config-types.ts';
import { lp } from './canonical.ts';
import { hex, sha256 } from './json.ts';

const IDS = ['bank-a', 'bank-b', 'bank-c', 'customs', 'platform', 'telco'];
const K = 2;

function u32be(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, false);
  return b;
}

/** The seed as the document defines it: SHA-256 of lp-fields (label, run, u32 round, u32 count, then id and nonce per member, ids sorted). */
function specSeed(run: string, round: number, reveals: { id: string; nonce: Uint8Array }[]): Uint8Array {
  const sorted = [...reveals].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const parts = [lp('fedcredit/secagg/graph-seed/v1'), lp(run), lp(u32be(round)), lp(u32be(sorted.length)), ...sorted.flatMap((r) => [lp(r.id), lp(r.nonce)])];
  return Buffer.concat(parts);
}

/** The vector. */
export function buildGraphVector() {
  const config: SecAggConfig = { run: '20250102T030405-0a1b2c3d/train/1/c0ffee.1', round: 1, participants: IDS, threshold: 2, bits: 32, length: 22, graph: { kind: 'committed', k: K } };
  const reveals = IDS.map((id) => ({ id, nonce: sha256(`fedcredit/vectors/graph-nonce/${id}`) }));
  const seedInput = specSeed(config.run, config.round, reveals);
  const seed = sha256(seedInput);
  if (hex(seed) !== hex(graphSeed(config, reveals))) throw new Error('the documented graph seed differs from graph-draw.ts');
  // The byte stream: HMAC-SHA256(seed, lp(u32be(counter))) for counter = 0, 1, 2, …, concatenated.
  const blocks: string[] = [];
  let pool = Buffer.alloc(0);
  const take = (n: number) => {
    while (pool.length < n) {
      const block = createHmac('sha256', seed).update(lp(u32be(blocks.length))).digest();
      blocks.push(hex(block));
      pool = Buffer.concat([pool, block]);
    }
    const out = pool.subarray(0, n);
    pool = pool.subarray(n);
    return out;
  };
  const order = [...IDS].sort();
  const swaps: { i: number; bytes: string; u: number; j: number }[] = [];
  for (let i = order.length - 1; i > 0; i--) {
    const b = take(8);
    const hi = b.readUInt32LE(0) >>> 5;
    const lo = b.readUInt32LE(4) >>> 6;
    const u = (hi * 2 ** 26 + lo) / 2 ** 53;
    const j = Math.floor(u * (i + 1));
    swaps.push({ i, bytes: hex(b), u, j });
    [order[i], order[j]] = [order[j]!, order[i]!]; // j ≤ i < order.length
  }
  const adjacency: Record<string, string[]> = Object.fromEntries([...IDS].sort().map((id) => [id, [] as string[]]));
  const neighbours = (id: string) => {
    const list = adjacency[id];
    if (list === undefined) throw new Error(`${id} is not a member of the graph`);
    return list;
  };
  const link = (a: string, b: string) => {
    if (a !== b && !neighbours(a).includes(b)) {
      neighbours(a).push(b);
      neighbours(b).push(a);
    }
  };
  const n = order.length;
  // Indices are taken mod n = order.length, so every order[…] below exists.
  for (const [i, id] of order.entries()) {
    for (let d = 1; d <= Math.floor(K / 2); d++) link(id, order[(i + d) % n]!);
    if (K % 2 === 1) link(id, order[(i + Math.floor(n / 2)) % n]!);
  }
  for (const list of Object.values(adjacency)) list.sort();
  const real = drawGraph(config as SecAggConfig & { graph: { kind: 'committed'; k: number } }, reveals);
  if (JSON.stringify(real) !== JSON.stringify({ kind: 'explicit', adjacency })) throw new Error('the documented graph draw differs from graph-draw.ts');
  return {
    description:
      'The SecAgg+ committed neighbour graph of a six-member round with k = 2: each member\'s 32-byte nonce and its commitment, the seed ' +
      'drawn from all reveals, the HMAC-SHA256 byte stream, every Fisher–Yates swap, the ring arrangement and the resulting adjacency.',
    spec: 'docs/protocol.md#secagg-committed-neighbour-graph',
    config,
    members: reveals.map((r) => ({
      id: r.id,
      nonce: hex(r.nonce),
      commitInput: hex(Buffer.concat([lp('fedcredit/secagg/graph-commit/v1'), lp(config.run), lp(u32be(config.round)), lp(r.id), lp(r.nonce)])),
      commit: hex(graphCommit(config, r.id, r.nonce)),
    })),
    seedInput: hex(seedInput),
    seed: hex(seed),
    hmacBlocks: blocks,
    swaps,
    order,
    adjacency,
  };
}
