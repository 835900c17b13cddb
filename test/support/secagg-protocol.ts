/**
 * Shared fixtures for the secure-aggregation protocol tests (Bonawitz et al., CCS 2017): seeded
 * configs and inputs, seeded Ed25519 identities and rosters for authenticated rounds, the plain
 * reference sum, an audit of what the server learnt in Unmasking, and Pearson's chi-square
 * statistic for the uniformity of masked vectors.
 * Test-only; not exported from the package index.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { deriveSeed, seededRng, uniformInt } from '../../core/random.ts';
import type { Rng } from '../../core/types.ts';
import { addMod } from '../../core/secagg/quantize.ts';
import { decodeShare } from '../../core/secagg/shamir.ts';
import { completeGraph } from '../../core/secagg/protocol/graph.ts';
import type { ClientAuth, NeighbourGraph, SecAggConfig, UnmaskingMessage } from '../../core/secagg/protocol/types.ts';

/** A config over `ids` with sensible defaults for tests. */
export function testConfig(ids: string[], threshold: number, over: Partial<SecAggConfig> = {}): SecAggConfig {
  return { run: 'run-test', round: 7, participants: ids, threshold, bits: 32, length: 8, graph: completeGraph(), ...over };
}

/** Seeded Ed25519 identities of `ids`: the roster (name → public key) and each one's {@link ClientAuth}. */
export function testIdentities(ids: string[], seed: number): { roster: Map<string, Uint8Array>; secretKeys: Map<string, Uint8Array>; authFor: (id: string) => ClientAuth } {
  const pairs = ids.map((u) => [u, ed25519FromSeed(seededRng(deriveSeed(seed, `identity:${u}`))(32))] as const);
  const roster = new Map(pairs.map(([u, kp]) => [u, kp.publicKey]));
  const secretKeys = new Map(pairs.map(([u, kp]) => [u, kp.secretKey]));
  return { roster, secretKeys, authFor: (u) => ({ secretKey: secretKeys.get(u)!, peers: roster }) };
}

/** tweetnacl's `sign.keyPair.fromSeed`, through OpenSSL (≈ 50× faster, same keys). */
export function ed25519FromSeed(seed: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array } {
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const jwk = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({ format: 'jwk' });
  const publicKey = Uint8Array.from(Buffer.from(jwk.x!, 'base64url'));
  const secretKey = new Uint8Array(64);
  secretKey.set(seed);
  secretKey.set(publicKey, 32);
  return { publicKey, secretKey };
}

/** `n` distinct ids of varying length and case, so canonical ordering is exercised. */
export function makeIds(n: number, rng: Rng): string[] {
  const names = ['bank', 'Bank', 'platform', 'customs', 'b', 'z', 'A'];
  const out = new Set<string>();
  while (out.size < n) out.add(`${names[uniformInt(rng, names.length)]}-${uniformInt(rng, 1000)}`);
  return [...out];
}

/** Uniform random vectors in Z_{2^bits}, one per id. */
export function randomInputs(ids: string[], length: number, bits: number, rng: Rng): Record<string, Uint32Array> {
  const out: Record<string, Uint32Array> = {};
  for (const u of ids) {
    const raw = rng(4 * length);
    const v = new Uint32Array(length);
    for (let i = 0; i < length; i++) {
      const w = (raw[4 * i]! | (raw[4 * i + 1]! << 8) | (raw[4 * i + 2]! << 16) | (raw[4 * i + 3]! << 24)) >>> 0;
      v[i] = bits === 32 ? w : w & (2 ** bits - 1);
    }
    out[u] = v;
  }
  return out;
}

/** Σ_{u ∈ ids} inputs[u] mod 2^bits, computed in the clear. */
export function plainSum(inputs: Record<string, Uint32Array>, ids: string[], length: number, bits: number): Uint32Array {
  const sum = new Uint32Array(length);
  for (const u of ids) {
    const input = inputs[u];
    if (input === undefined) throw new Error(`plainSum: no input for ${u}`);
    addMod(sum, input, bits);
  }
  return sum;
}

/** Per-client seeded Rng factory: a fresh stream per (seed, id), stable across calls. */
export function rngFactory(seed: number): (id: string) => Rng {
  const rngs = new Map<string, Rng>();
  return (id) => {
    if (!rngs.has(id)) rngs.set(id, seededRng(deriveSeed(seed, id)));
    return rngs.get(id)!;
  };
}

/**
 * Owners for whom the server received both a self-mask share and a key share, across all
 * responses (must always be empty), and the x-coordinates it got per (owner, kind).
 */
export function doublyRevealed(responses: UnmaskingMessage[]): string[] {
  const b = new Set<string>();
  const s = new Set<string>();
  for (const r of responses) {
    for (const x of r.selfMaskShares) b.add(x.owner);
    for (const x of r.keyShares) s.add(x.owner);
  }
  return [...b].filter((o) => s.has(o));
}

/** Number of distinct share x-coordinates the server received for `owner`'s `kind` secret. */
export function sharesReceived(responses: UnmaskingMessage[], owner: string, kind: 'self' | 'key'): number {
  const xs = new Set<number>();
  for (const r of responses) {
    for (const x of kind === 'self' ? r.selfMaskShares : r.keyShares) if (x.owner === owner) xs.add(decodeShare(x.share).x);
  }
  return xs.size;
}

/** Pearson's chi-square statistic of `counts` against the uniform distribution. */
export function chiSquareUniform(counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
}

/** Histogram of the top byte (bits [bits − 8, bits)) of every value in `vectors`. */
export function topByteCounts(vectors: Uint32Array[], bits: number): number[] {
  const counts = new Array<number>(256).fill(0);
  for (const v of vectors) for (const x of v) counts[(x >>> (bits - 8)) & 0xff]!++;
  return counts;
}

/** An explicit graph over `ids` in which no vertex has a neighbour (for validation tests). */
export function emptyGraph(ids: string[]): NeighbourGraph {
  return { kind: 'explicit', adjacency: Object.fromEntries(ids.map((u) => [u, []])) };
}
