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
 */
import { deriveSeed, seededRng, shuffleInPlace } from '../random';
import { CoreInputError } from '../types';

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
