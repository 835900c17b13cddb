/**
 * Choosing a member's personal model (pure). After federated training a member scores its
 * validation rows (parts of its own training rows, never its held-out test rows) with each
 * candidate — the global model as is, the global model fine-tuned on its own rows, a model of its
 * own rows alone, and mixtures of their scores — and keeps the one with the highest validation
 * AUC, the global model on a tie, unless its lead over the local-only model is within the noise
 * of the validation folds ({@link chooseVariant}).
 *
 * Validation AUCs are means over the k folds of a stratified k-fold split of the member's training
 * rows ({@link stratifiedFolds}): per class, a seeded shuffle, so every part keeps the member's
 * default rate and the split is deterministic in the seed. Averaging over folds rather than one
 * validation part keeps a small member's choice from following the noise of a few rows.
 */
import { exactAuc } from '../metrics/exact.ts';
import { shuffleInPlace } from '../random.ts';
import type { Rng } from '../types.ts';
import { CoreInputError } from '../types.ts';

/**
 * The kinds of personal model a member may keep: the global model, the fine-tuned global model,
 * the local-only model, the equal-weight mean of those three models' scores ("ensemble", which
 * has nothing to tune, so its validation AUC carries no selection noise), and score-level blends
 * α·base + (1 − α)·local-only of the global model ("blend") or of the fine-tuned model
 * ("finetuned-blend") with the local-only model.
 */
export const VARIANTS = ['global', 'finetuned', 'local', 'ensemble', 'blend', 'finetuned-blend'] as const;
/** One of {@link VARIANTS}. */
export type Variant = (typeof VARIANTS)[number];
/** Tie-breaking order among exactly equal validation AUCs: the global model first, then the simpler models. */
export const VARIANT_PREFERENCE: readonly Variant[] = VARIANTS;

/**
 * Order among candidates that the validation rows cannot tell from the best (see
 * {@link chooseVariant}): the models that average most first, since averaging models of equal
 * accuracy lowers the variance of the scores.
 */
export const INDISTINGUISHABLE_PREFERENCE: readonly Variant[] = ['ensemble', 'blend', 'finetuned-blend', 'finetuned', 'global', 'local'];

/** A candidate's validation AUC (mean over folds), its AUC on each fold, and for a blend its α. */
export interface Candidate {
  variant: Variant;
  auc: number;
  /** AUC on each validation fold, in fold order (the same folds for every candidate). */
  foldAucs?: readonly number[];
  /** Blends only: score = alpha·base + (1 − alpha)·local. */
  alpha?: number;
}

/**
 * Standard error of the mean of the fold-wise differences a − b (paired over folds); Infinity
 * when fewer than two folds have both values finite.
 */
export function pairedStandardError(a: readonly number[], b: readonly number[]): number {
  const d = a.map((x, i) => x - b[i]!).filter(Number.isFinite);
  if (d.length < 2) return Number.POSITIVE_INFINITY;
  const m = d.reduce((s, x) => s + x, 0) / d.length;
  const variance = d.reduce((s, x) => s + (x - m) ** 2, 0) / (d.length - 1);
  return Math.sqrt(variance / d.length);
}

/** Whether `a`'s lead over `b` in mean AUC is at most one paired standard error (only exact ties without fold AUCs). */
function indistinguishable(a: Candidate, b: Candidate, standardErrors = 1): boolean {
  if (a.auc === b.auc) return true;
  if (!a.foldAucs || !b.foldAucs) return false;
  return a.auc - b.auc <= standardErrors * pairedStandardError(a.foldAucs, b.foldAucs);
}

/**
 * Standard errors by which the best candidate must lead the local-only model for the member to
 * leave it (the one-standard-error rule). Two protect the local-only model better against a lead
 * that is chance, but then a member keeps a clearly weaker local-only model whenever its
 * validation rows are few (measured in docs/results.md).
 */
export const LEAVE_LOCAL_STANDARD_ERRORS = 1;

/**
 * The personal model to keep.
 *
 *  1. The best candidate has the highest mean validation AUC; exact ties go to the most preferred
 *     ({@link VARIANT_PREFERENCE}), so the global model wins a tie.
 *  2. The member leaves its local-only model only for a lead beyond
 *     {@link LEAVE_LOCAL_STANDARD_ERRORS} standard error of the paired differences over the
 *     validation parts (the one-standard-error rule, Hastie, Tibshirani & Friedman, ESL §7.10),
 *     or for the global model exactly tied with it; otherwise it keeps the local-only model. Validated on rows the global
 *     model was trained on (no held-out validation rows), the global model's lead is optimistic
 *     as well.
 *  3. A global best is kept. Otherwise, among the candidates within one standard error of the
 *     best, the member keeps the first in {@link INDISTINGUISHABLE_PREFERENCE}.
 *
 * Candidates without fold AUCs count as indistinguishable only when exactly tied. A candidate
 * whose AUC is NaN (validation parts with one class only) never wins, so then the global model is
 * kept. Throws when no global candidate is given: it is the fallback every choice is measured
 * against.
 */
export function chooseVariant(candidates: readonly Candidate[]): Candidate {
  const global = candidates.find((c) => c.variant === 'global');
  if (!global) throw new CoreInputError('the candidates must include the global model', 'candidates');
  const finite = candidates.filter((c) => Number.isFinite(c.auc));
  if (finite.length === 0) return global;
  const top = Math.max(...finite.map((c) => c.auc));
  const rank = (order: readonly Variant[]) => (a: Candidate, b: Candidate) => order.indexOf(a.variant) - order.indexOf(b.variant);
  const best = finite.filter((c) => c.auc === top).sort(rank(VARIANT_PREFERENCE))[0]!; // at least one candidate has the top AUC
  if (best.variant === 'local') return best;
  const local = finite.find((c) => c.variant === 'local');
  // An exact tie of the global and the local-only model goes to the global model.
  if (local && indistinguishable(best, local, LEAVE_LOCAL_STANDARD_ERRORS) && !(best.variant === 'global' && best.auc === local.auc)) return local;
  if (best.variant === 'global') return best;
  const near = finite.filter((c) => c.variant !== 'local' && indistinguishable(best, c));
  return simplest(near.sort(rank(INDISTINGUISHABLE_PREFERENCE))[0]!, candidates); // `near` holds at least `best`
}

/** A blend at α = 1 or 0 is its base or the local-only model: the candidate of that name when given. */
function simplest(c: Candidate, all: readonly Candidate[]): Candidate {
  if (c.alpha === undefined || (c.alpha !== 0 && c.alpha !== 1)) return c;
  const name: Variant = c.alpha === 0 ? 'local' : c.variant === 'blend' ? 'global' : 'finetuned';
  return all.find((x) => x.variant === name) ?? c;
}

/** alpha·global + (1 − alpha)·local, score by score. */
export function blendScores(global: ArrayLike<number>, local: ArrayLike<number>, alpha: number): Float64Array {
  if (global.length !== local.length) throw new CoreInputError(`score arrays differ in length (${global.length} vs ${local.length})`, 'local');
  if (!(alpha >= 0 && alpha <= 1)) throw new CoreInputError(`alpha must be in [0, 1], got ${alpha}`, 'alpha');
  const out = new Float64Array(global.length);
  for (let i = 0; i < out.length; i++) out[i] = alpha * global[i]! + (1 - alpha) * local[i]!;
  return out;
}

/** Scores of the blend's base model (global or fine-tuned) and the local-only model on one validation part, with its labels. */
export interface BlendFold {
  global: ArrayLike<number>;
  local: ArrayLike<number>;
  labels: ArrayLike<number>;
}

/** Mean of the finite values (NaN when there is none: every part held one class only). */
export function finiteMean(xs: readonly number[]): number {
  const ok = xs.filter(Number.isFinite);
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : Number.NaN;
}

/**
 * The blend weight α on the grid 0, 1/steps, …, 1 with the highest validation AUC averaged over
 * the validation parts (`folds`); ties go to the larger α (closer to the global model). Returns α
 * and its mean AUC (NaN when every part holds one class only).
 */
export function chooseBlend(folds: readonly BlendFold[], steps = 10): { alpha: number; auc: number } {
  if (!(Number.isInteger(steps) && steps >= 1)) throw new CoreInputError(`steps must be a positive integer, got ${steps}`, 'steps');
  let best = { alpha: 1, auc: Number.NaN };
  for (let k = steps; k >= 0; k--) {
    const alpha = k / steps;
    const auc = finiteMean(folds.map((f) => exactAuc(blendScores(f.global, f.local, alpha), f.labels)));
    if (Number.isFinite(auc) && !(auc <= best.auc)) best = { alpha, auc };
  }
  return best;
}

/** Sorted row indices of the fit part and the validation part of one fold. */
export interface FitValidationSplit {
  fit: Uint32Array;
  validation: Uint32Array;
}

/**
 * Stratified k-fold split of rows 0 … labels.length − 1: in each class a shuffle drawn from `rng`
 * deals the rows round-robin into `k` folds, so every fold keeps the class balance (fold sizes
 * differ by at most one per class). Fold j's validation part is its own rows, its fit part every
 * other row; returns the k splits, each with sorted, disjoint index arrays covering every row.
 */
export function stratifiedFolds(labels: ArrayLike<number>, k: number, rng: Rng): FitValidationSplit[] {
  if (!(Number.isInteger(k) && k >= 2)) throw new CoreInputError(`the number of folds must be an integer ≥ 2, got ${k}`, 'folds');
  if (labels.length < k) throw new CoreInputError(`${labels.length} rows cannot be split into ${k} folds`, 'labels');
  const byClass: number[][] = [[], []];
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) throw new CoreInputError(`labels[${i}] must be 0 or 1, got ${y}`, 'labels');
    byClass[y]!.push(i);
  }
  const fold = new Int32Array(labels.length);
  let next = 0; // continue the deal across classes so that small classes do not all start at fold 0
  for (const rows of byClass) {
    shuffleInPlace(rows, rng);
    for (const i of rows) fold[i] = next++ % k;
  }
  return Array.from({ length: k }, (_, j) => {
    const fit: number[] = [];
    const validation: number[] = [];
    for (let i = 0; i < labels.length; i++) (fold[i] === j ? validation : fit).push(i);
    return { fit: Uint32Array.from(fit), validation: Uint32Array.from(validation) };
  });
}
