/**
 * Round configuration checks and the set arithmetic shared by the client and server machines of
 * Bonawitz et al., CCS 2017 (U ⊇ U1 ⊇ U2 ⊇ U3 ⊇ U4; shares of u's secrets are held by u and its
 * neighbours that advertised keys).
 */
import { CoreInputError } from '../../types.ts';
import { MAX_MASK_WORDS } from '../prg.ts';
import { checkGraph, checkIds, neighboursOf } from './graph.ts';
import type { SecAggConfig } from './config-types.ts';

/**
 * Throws {@link CoreInputError} naming the bad field unless `config` is usable: `run` non-empty,
 * `round` a uint32, `participants` distinct non-empty ids, `threshold` an integer in [1, |U|],
 * `bits` in [1, 32], `length` in [1, 2^28], `authenticated` absent or a boolean (absent = false),
 * `graph` a valid symmetric graph over the participants
 * in which every participant has at least t − 1 neighbours (else its secrets could never be
 * reconstructed: parameter `threshold`).
 */
export function validateConfig(config: SecAggConfig): void {
  if (typeof config.run !== 'string' || config.run.length === 0) {
    throw new CoreInputError('config.run must be a non-empty string', 'config.run');
  }
  if (!Number.isInteger(config.round) || config.round < 0 || config.round > 0xffffffff) {
    throw new CoreInputError(`config.round must be a uint32, got ${config.round}`, 'config.round');
  }
  checkIds(config.participants, 'config.participants');
  const n = config.participants.length;
  if (!Number.isInteger(config.threshold) || config.threshold < 1 || config.threshold > n) {
    throw new CoreInputError(`config.threshold must be an integer in [1, ${n}], got ${config.threshold}`, 'config.threshold');
  }
  if (!Number.isInteger(config.bits) || config.bits < 1 || config.bits > 32) {
    throw new CoreInputError(`config.bits must be an integer in [1, 32], got ${config.bits}`, 'config.bits');
  }
  if (!Number.isInteger(config.length) || config.length < 1 || config.length > MAX_MASK_WORDS) {
    throw new CoreInputError(`config.length must be an integer in [1, ${MAX_MASK_WORDS}], got ${config.length}`, 'config.length');
  }
  if (config.authenticated !== undefined && typeof config.authenticated !== 'boolean') {
    throw new CoreInputError(`config.authenticated must be a boolean when set, got ${String(config.authenticated)}`, 'config.authenticated');
  }
  checkGraph(config.graph, config.participants);
  if (config.graph.kind === 'committed') {
    if (config.graph.k + 1 < config.threshold) {
      throw new CoreInputError(`config.threshold ${config.threshold} exceeds each participant's share holders (${config.graph.k} neighbours + itself)`, 'config.threshold');
    }
    return;
  }
  for (const u of config.participants) {
    const degree = neighboursOf(config, u).length;
    if (degree + 1 < config.threshold) {
      throw new CoreInputError(
        `config.threshold ${config.threshold} exceeds ${u}'s share holders (${degree} neighbours + itself)`,
        'config.threshold',
      );
    }
  }
}

/**
 * The holders of `owner`'s Shamir shares: `owner` and its neighbours among `advertised` (U1),
 * sorted. The holder at index i gets the share with x = i + 1.
 */
export function shareHolders(config: SecAggConfig, advertised: readonly string[] | ReadonlySet<string>, owner: string): string[] {
  const members = advertised instanceof Set ? advertised : new Set(advertised);
  return [owner, ...neighboursOf(config, owner).filter((v) => members.has(v))].sort();
}

/**
 * The x-coordinate of the share of `owner`'s secrets that `holder` holds (0 when it holds none).
 * `advertised` may be given as a set, so that a caller asking about many owners builds it once.
 */
export function shareX(config: SecAggConfig, advertised: readonly string[] | ReadonlySet<string>, owner: string, holder: string): number {
  return shareHolders(config, advertised, owner).indexOf(holder) + 1;
}

/** The distinct values of `ids`, sorted (JavaScript string order, as `pairSign` uses). */
export function sortedUnique(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort();
}

/** The first value that occurs twice in `ids`, or undefined. */
export function firstDuplicate(ids: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) return id;
    seen.add(id);
  }
  return undefined;
}

/** True when `a` and `b` hold the same values (each list free of duplicates). */
export function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((x) => set.has(x));
}

/** A fresh copy of `bytes`, so a new state never shares buffers with the previous one. */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return Uint8Array.from(bytes);
}

/** True when every value of `x` is below 2^bits. */
export function fitsBits(x: Uint32Array, bits: number): boolean {
  if (bits >= 32) return true;
  const limit = 2 ** bits;
  for (let i = 0; i < x.length; i++) if (x[i]! >= limit) return false;
  return true;
}
