/** Small statistics helpers of the benchmarks. */

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('median of an empty list');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  // 1 ≤ m < s.length, so s[m - 1] and s[m] exist.
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Smallest value of a non-empty list. */
export function min(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('min of an empty list');
  return Math.min(...xs);
}
