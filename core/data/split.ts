/**
 * The train/holdout split of a participant's rows for federated evaluation: row by row. Row i is
 * held out exactly when a hash of (seed, its own values) falls below the holdout fraction, so the
 * split is a pure function of (the row, fraction, seed): the same participant with the same data
 * and job seed always holds out the same rows, and adding or removing one row never moves another
 * between the parts — which record-level differential privacy needs (a stratified shuffle would
 * move many rows, and the training rows of two neighbouring data sets could then differ in more
 * than one row). It is not stratified: each class's holdout share is the fraction on average.
 *
 * Pure module.
 */
import { deriveSeed } from '../random.ts';
import { CoreInputError } from '../types.ts';
import type { Table } from './table.ts';

/** Sorted row indices of the training part and the holdout (test) part. */
export interface HoldoutSplit {
  train: Uint32Array;
  test: Uint32Array;
}

/** Mixes a 32-bit word into a 32-bit hash state (MurmurHash3's block step and finalizer constants). */
function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finalize(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Train/holdout split in which row i is held out exactly when a hash of (seed, its label, its
 * numeric values' bits, its categorical codes) falls below `fraction`·2^32: deterministic, and
 * each row's side depends on that row alone. Not stratified: each class's holdout share is
 * `fraction` only on average. Returns sorted, disjoint index arrays covering every row.
 */
export function splitRecordwise(table: Table, fraction: number, seed: number): HoldoutSplit {
  if (!(fraction > 0 && fraction < 1)) throw new CoreInputError(`holdout fraction must be in (0, 1), got ${fraction}`, 'fraction');
  if (!Number.isInteger(seed)) throw new CoreInputError(`seed must be an integer, got ${seed}`, 'seed');
  const limit = Math.floor(fraction * 2 ** 32);
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  const isTest = new Uint8Array(table.n);
  let tests = 0;
  const rowSeed = deriveSeed(seed, 'holdout/row') | 0;
  for (let i = 0; i < table.n; i++) {
    let h = mix(rowSeed, table.labels[i]!);
    for (const col of table.numeric) {
      const x = col[i]!;
      bits[0] = Number.isNaN(x) ? NaN : x;
      h = mix(mix(h, words[0]!), words[1]!);
    }
    for (const col of table.categorical) h = mix(h, col[i]!);
    if (finalize(h ^ (table.numeric.length + table.categorical.length)) < limit) {
      isTest[i] = 1;
      tests++;
    }
  }
  const train = new Uint32Array(table.n - tests);
  const test = new Uint32Array(tests);
  let a = 0;
  let b = 0;
  for (let i = 0; i < table.n; i++) {
    if (isTest[i]) test[b++] = i;
    else train[a++] = i;
  }
  return { train, test };
}
