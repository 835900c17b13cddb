/**
 * Choosing a member's personal model (pure). After federated training a member scores its
 * validation rows — rows of its own that neither the federation nor any candidate was trained
 * on, never its held-out test rows — with the global model, the global model fine-tuned on its
 * own rows, and its local-only model, and keeps a score-level blend α·base + (1 − α)·local-only
 * of them ({@link choosePersonal}).
 *
 * The choice is pessimistic: validation rows are few (a few hundred per member), so the AUC lead
 * of one candidate over another is mostly noise unless it is large against its standard error.
 * The member starts from a reference blend that gives the global model a small weight
 * ({@link REFERENCE_ALPHA}): averaging two models of similar accuracy lowers the variance of the
 * scores, and with a small weight the member's ranking stays close to its own model's. It moves
 * to another blend only when that blend's lead over the reference, less
 * {@link LEAVE_REFERENCE_STANDARD_ERRORS} of DeLong's paired standard errors (./delong.ts), is
 * positive — it maximizes a lower confidence bound of the gain. A clearly better global or
 * fine-tuned model is still taken whole (α = 1).
 *
 * {@link stratifiedFolds} splits the member's training rows into the cross-validation folds on
 * which the fine-tuned and local-only models are early-stopped.
 */
import { exactAuc } from '../metrics/exact.ts';
import { shuffleInPlace } from '../random.ts';
import type { Rng } from '../types.ts';
import { CoreInputError } from '../types.ts';
import { pairedAucDifference } from './delong.ts';

/**
 * The kinds of personal model a member may keep: the global model, the fine-tuned global model,
 * the local-only model, and score-level blends α·base + (1 − α)·local-only of the global model
 * ("blend") or of the fine-tuned model ("finetuned-blend"). "ensemble" (the equal-weight mean of
 * the global, fine-tuned and local-only scores) is no longer chosen; it stays readable in value
 * reports written by earlier versions.
 */
export const VARIANTS = ['global', 'finetuned', 'local', 'ensemble', 'blend', 'finetuned-blend'] as const;
/** One of {@link VARIANTS}. */
export type Variant = (typeof VARIANTS)[number];

/** Weight of the global model in the reference blend the member starts from. */
export const REFERENCE_ALPHA = 0.15;
/** DeLong standard errors by which a blend's validation lead over the reference is discounted. */
export const LEAVE_REFERENCE_STANDARD_ERRORS = 2;
/** The blend weights considered: 0, 1/BLEND_STEPS, …, 1. */
export const BLEND_STEPS = 10;

/** A candidate as judged on the validation rows. */
export interface Candidate {
  variant: Variant;
  /** AUC on the validation rows (NaN when they hold one class only). */
  auc: number;
  /** Blends only: score = alpha·base + (1 − alpha)·local. */
  alpha?: number;
  /** AUC lead over the reference blend, and DeLong's standard error of it. */
  lead?: number;
  standardError?: number;
}

/** The three models' scores on the member's validation rows, with the rows' labels (0/1). */
export interface ValidationScores {
  labels: ArrayLike<number>;
  global: ArrayLike<number>;
  finetuned: ArrayLike<number>;
  local: ArrayLike<number>;
}

/** What {@link choosePersonal} considers. */
export interface ChoiceSettings {
  /** Whether blends strictly between the base and the local-only model may be kept (the reference is one). */
  blend: boolean;
  referenceAlpha?: number;
  standardErrors?: number;
  steps?: number;
}

/** The blend α·base + (1 − α)·local as a named candidate: α = 0 is the local-only model, α = 1 the base. */
function named(base: 'global' | 'finetuned', alpha: number): { variant: Variant; alpha?: number } {
  if (alpha === 0) return { variant: 'local' };
  if (alpha === 1) return { variant: base };
  return { variant: base === 'global' ? 'blend' : 'finetuned-blend', alpha };
}

/**
 * The personal model to keep, and the candidates as judged: the global, fine-tuned and
 * local-only models, the reference and the chosen blend. The reference is
 * α = `referenceAlpha` of the global model (the local-only model when `blend` is false). Every
 * blend of the global or the fine-tuned model with the local-only model on the α grid is
 * compared with the reference on the validation rows; the one with the largest positive
 * (lead − `standardErrors` × its DeLong standard error) is kept, the reference when none has one.
 * When the validation rows hold one class only, nothing can be compared and the reference is
 * kept. Deterministic in its inputs.
 */
export function choosePersonal(v: ValidationScores, settings: ChoiceSettings): { chosen: Candidate; candidates: Candidate[] } {
  const k = settings.standardErrors ?? LEAVE_REFERENCE_STANDARD_ERRORS;
  const steps = settings.steps ?? BLEND_STEPS;
  if (!(Number.isInteger(steps) && steps >= 1)) throw new CoreInputError(`steps must be a positive integer, got ${steps}`, 'steps');
  const refAlpha = settings.blend ? (settings.referenceAlpha ?? REFERENCE_ALPHA) : 0;
  if (!(refAlpha >= 0 && refAlpha <= 1)) throw new CoreInputError(`referenceAlpha must be in [0, 1], got ${refAlpha}`, 'referenceAlpha');
  const y = v.labels;
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i] === 1 ? 1 : 0;
  const comparable = positives > 0 && positives < y.length;
  const auc = (s: ArrayLike<number>) => (comparable ? exactAuc(s, y) : Number.NaN);
  const reference = blendScores(v.global, v.local, refAlpha);
  const refCandidate: Candidate = { ...named('global', refAlpha), auc: auc(reference) };
  const fixed: Candidate[] = [
    { variant: 'global', auc: auc(v.global) },
    { variant: 'finetuned', auc: auc(v.finetuned) },
    { variant: 'local', auc: auc(v.local) },
  ];
  const alphas = Array.from({ length: steps + 1 }, (_, i) => i / steps).filter((a) => settings.blend || a === 0 || a === 1);
  let best: { score: number; candidate: Candidate } = { score: 0, candidate: refCandidate };
  if (comparable) {
    for (const base of ['global', 'finetuned'] as const) {
      for (const alpha of alphas) {
        const mixed = blendScores(v[base], v.local, alpha);
        const d = pairedAucDifference(mixed, reference, y);
        const score = d.difference - k * d.standardError;
        if (d.difference > 0 && score > best.score) {
          best = { score, candidate: { ...named(base, alpha), auc: d.aucA, lead: d.difference, standardError: d.standardError } };
        }
      }
    }
  }
  const same = (a: Candidate, b: Candidate) => a.variant === b.variant && a.alpha === b.alpha;
  const candidates = [...fixed.filter((c) => !same(c, refCandidate)), refCandidate].map((c) => (same(c, best.candidate) ? best.candidate : c));
  if (!candidates.includes(best.candidate)) candidates.push(best.candidate);
  return { chosen: best.candidate, candidates };
}

/** alpha·global + (1 − alpha)·local, score by score. */
export function blendScores(global: ArrayLike<number>, local: ArrayLike<number>, alpha: number): Float64Array {
  if (global.length !== local.length) throw new CoreInputError(`score arrays differ in length (${global.length} vs ${local.length})`, 'local');
  if (!(alpha >= 0 && alpha <= 1)) throw new CoreInputError(`alpha must be in [0, 1], got ${alpha}`, 'alpha');
  const out = new Float64Array(global.length);
  for (let i = 0; i < out.length; i++) out[i] = alpha * global[i]! + (1 - alpha) * local[i]!;
  return out;
}

/** Mean of the finite values (NaN when there is none: every part held one class only). */
export function finiteMean(xs: readonly number[]): number {
  const ok = xs.filter(Number.isFinite);
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : Number.NaN;
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
