/**
 * Stratified train/holdout split of a participant's rows for federated evaluation. The split is a
 * pure function of (labels, fraction, seed): the same participant with the same data and job seed
 * always holds out the same rows, so evaluations across rounds and reruns are comparable.
 *
 * Each class c with count_c rows contributes round(fraction · count_c) rows to the holdout, at
 * least 1 and at most count_c − 1 when count_c ≥ 2 (so both sides see every class that has two
 * or more rows). A class with a single row keeps it in training unless fraction ≥ 0.5.
 *
 * Pure module: randomness from seededRng (core/random.ts), one stream per class.
 *
 * Under record-level differential privacy the split is {@link splitRecordwise} instead: each row
 * goes to the holdout by a hash of its own values and the seed, so adding or removing one row
 * never moves another between the parts (a stratified shuffle would move many, and the training
 * rows of two neighbouring data sets could then differ in more than one row).
 */
import { deriveSeed, seededRng, shuffleInPlace } from '../random';
import { CoreInputError } from '../types';
import type { Table } from './table';

/** Sorted row indices of the training part and the holdout (test) part. */
export interface HoldoutSplit {
  train: Uint32Array;
  test: Uint32Array;
}

/** Number of rows of a class of `count` rows that go to the holdout (see module comment). */
export function holdoutCount(count: number, fraction: number): number {
  const k = Math.round(fraction * count);
  if (count < 2) return k > count ? count : k;
  return Math.min(Math.max(k, 1), count - 1);
}

/**
 * Splits rows into train and holdout, stratified by label (0/1), deterministic in
 * (labels, fraction, seed). `fraction` must be in (0, 1). Returns sorted, disjoint index arrays
 * that together cover 0..labels.length − 1.
 */
export function splitHoldout(labels: Uint8Array, fraction: number, seed: number): HoldoutSplit {
  if (!(fraction > 0 && fraction < 1)) {
    throw new CoreInputError(`holdout fraction must be in (0, 1), got ${fraction}`, 'fraction');
  }
  if (!Number.isInteger(seed)) throw new CoreInputError(`seed must be an integer, got ${seed}`, 'seed');
  const byClass: number[][] = [[], []];
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) throw new CoreInputError(`labels[${i}] is ${y}; labels must be 0 or 1`, 'labels');
    byClass[y].push(i);
  }
  const isTest = new Uint8Array(labels.length);
  let testCount = 0;
  byClass.forEach((rows, cls) => {
    const k = holdoutCount(rows.length, fraction);
    if (k === 0) return;
    const order = Uint32Array.from(rows);
    shuffleInPlace(order, seededRng(deriveSeed(seed, `holdout/class-${cls}`)));
    for (let t = 0; t < k; t++) isTest[order[t]] = 1;
    testCount += k;
  });
  const train = new Uint32Array(labels.length - testCount);
  const test = new Uint32Array(testCount);
  let a = 0;
  let b = 0;
  for (let i = 0; i < labels.length; i++) {
    if (isTest[i]) test[b++] = i;
    else train[a++] = i;
  }
  return { train, test };
}

/** Class counts of a set of rows: [negatives, positives]. */
export function classCounts(labels: Uint8Array, indices?: Uint32Array): [number, number] {
  let pos = 0;
  const n = indices ? indices.length : labels.length;
  for (let k = 0; k < n; k++) pos += labels[indices ? indices[k] : k];
  return [n - pos, pos];
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
  for (let i = 0; i < table.n; i++) {
    let h = mix(deriveSeed(seed, 'holdout/row') | 0, table.labels[i]);
    for (const col of table.numeric) {
      bits[0] = Number.isNaN(col[i]) ? NaN : col[i];
      h = mix(mix(h, words[0]), words[1]);
    }
    for (const col of table.categorical) h = mix(h, col[i]);
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
