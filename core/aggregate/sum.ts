/**
 * The one aggregation path: contributions — model updates, preprocessing
 * statistics, evaluation histograms — are summed element-wise and nothing is aggregated any other
 * way. This module is the plain sum (used by the "plain" debugging mode); secure aggregation
 * (core/round/secure-sum.ts) changes how the vectors travel and are unmasked, and the coordinator
 * then only ever sees the total over participants.
 *
 * Contributions are checked against the expected {@link ContributionShape} before summing, so a
 * malformed or non-finite vector from one participant is reported by index and name instead of
 * silently corrupting the aggregate.
 */
import type { Contribution, ContributionShape } from '../types.ts';
import { CoreInputError } from '../types.ts';

/** Throws unless every length in `shape` is a non-negative integer and at least one name exists. */
export function checkShape(shape: ContributionShape): void {
  const names = Object.keys(shape);
  if (names.length === 0) throw new CoreInputError('shape must name at least one vector', 'shape');
  for (const [name, len] of Object.entries(shape)) {
    if (!Number.isInteger(len) || len < 0) {
      throw new CoreInputError(`shape.${name} must be a non-negative integer length, got ${len}`, 'shape');
    }
  }
}

/**
 * Throws {@link CoreInputError} unless `c` has exactly the vector names of `shape`, each a
 * Float64Array of exactly the given length holding only finite values. `label` names the
 * contribution in errors (e.g. `contribs[2]`); the error's parameter is `label` or, when one
 * vector is at fault, `label.vectorName` (e.g. `contribs[2].hist`).
 */
export function validateContribution(
  c: Contribution,
  shape: ContributionShape,
  label = 'contribution',
): void {
  if (c === null || typeof c !== 'object') {
    throw new CoreInputError(`${label} is not an object`, label);
  }
  for (const name of Object.keys(c)) {
    if (!Object.hasOwn(shape, name)) {
      throw new CoreInputError(`${label} has unexpected vector "${name}"`, `${label}.${name}`);
    }
  }
  for (const [name, len] of Object.entries(shape)) {
    const v = vectorOf(c, name, label);
    const where = `${label}.${name}`;
    if (!(v instanceof Float64Array)) throw new CoreInputError(`${where} must be a Float64Array`, where);
    if (v.length !== len) {
      throw new CoreInputError(`${where} has length ${v.length}, expected ${len}`, where);
    }
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) throw new CoreInputError(`${where}[${i}] is not finite (${v[i]})`, where);
    }
  }
}

/**
 * The vector `name` of contribution `c`; throws {@link CoreInputError} (parameter `label.name`, as
 * {@link validateContribution}) when `c` lacks it.
 */
export function vectorOf(c: Contribution, name: string, label = 'contribution'): Float64Array {
  const v = c[name];
  if (v === undefined) throw new CoreInputError(`${label} lacks vector "${name}"`, `${label}.${name}`);
  return v;
}

/** A contribution of zeros with the given shape (the identity of {@link sumContributions}). */
export function zeroContribution(shape: ContributionShape): Contribution {
  checkShape(shape);
  const out: Contribution = {};
  for (const [name, len] of Object.entries(shape)) out[name] = new Float64Array(len);
  return out;
}

/**
 * Element-wise sum of `contribs`, each of which must match `shape` exactly (see
 * {@link validateContribution}; errors name `contribs[i]` and the vector). Throws on an empty
 * list. The inputs are not modified; the result holds fresh Float64Arrays.
 */
export function sumContributions(contribs: readonly Contribution[], shape: ContributionShape): Contribution {
  checkShape(shape);
  if (contribs.length === 0) {
    throw new CoreInputError('cannot sum an empty list of contributions', 'contribs');
  }
  contribs.forEach((c, i) => validateContribution(c, shape, `contribs[${i}]`));
  const out = zeroContribution(shape);
  for (const [name, acc] of Object.entries(out)) {
    for (const [k, c] of contribs.entries()) {
      const v = vectorOf(c, name, `contribs[${k}]`);
      // validateContribution: v.length === acc.length.
      for (let i = 0; i < acc.length; i++) acc[i]! += v[i]!;
    }
  }
  return out;
}
