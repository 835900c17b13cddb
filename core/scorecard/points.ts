/**
 * Score points: the industry's log-odds scaling of a default probability (Siddiqi, "Credit Risk
 * Scorecards", 2006, ch. 6). With odds = good : bad = (1 − p) / p,
 *
 *     score  = offset + factor · ln(odds)
 *     factor = PDO / ln 2            (every PDO points double the odds)
 *     offset = baseScore − factor · ln(baseOdds)
 *
 * so an applicant at odds `baseOdds` scores `baseScore`. Higher points mean lower risk.
 */
import { z } from 'zod';
import { CoreInputError } from '../types.ts';

/** The scaling of score points. */
export const PointsScalingSchema = z.strictObject({
  /** Points at the base odds. */
  baseScore: z.number().finite().default(600),
  /** Good : bad odds that score `baseScore` (50 means 50 : 1). */
  baseOdds: z.number().finite().positive().default(50),
  /** Points to double the odds. */
  pdo: z.number().finite().positive().default(20),
});
export type PointsScaling = z.infer<typeof PointsScalingSchema>;

/** The default scaling: 600 points at 50 : 1, 20 points to double the odds. */
export const DEFAULT_POINTS_SCALING: PointsScaling = Object.freeze({ baseScore: 600, baseOdds: 50, pdo: 20 });

/** Probabilities are kept within [PROBABILITY_FLOOR, 1 − PROBABILITY_FLOOR] so points stay finite. */
export const PROBABILITY_FLOOR = 1e-9;

/** `factor` and `offset` of a scaling. */
export function pointsFactors(s: PointsScaling): { factor: number; offset: number } {
  if (!(s.pdo > 0) || !(s.baseOdds > 0) || !Number.isFinite(s.baseScore)) {
    throw new CoreInputError(`points scaling needs pdo > 0, baseOdds > 0 and a finite baseScore, got ${JSON.stringify(s)}`, 'scaling');
  }
  const factor = s.pdo / Math.LN2;
  return { factor, offset: s.baseScore - factor * Math.log(s.baseOdds) };
}

/** Points of a default probability `p` (clamped away from 0 and 1). */
export function pointsOf(p: number, s: PointsScaling = DEFAULT_POINTS_SCALING): number {
  if (!Number.isFinite(p)) throw new CoreInputError(`probability must be finite, got ${p}`, 'p');
  const q = Math.min(1 - PROBABILITY_FLOOR, Math.max(PROBABILITY_FLOOR, p));
  const { factor, offset } = pointsFactors(s);
  return offset + factor * Math.log((1 - q) / q);
}

/**
 * Points of a logit contribution: a term that adds `delta` to the default log-odds changes the
 * score by −factor · delta (a model's logit is ln(bad : good)).
 */
export function pointsOfLogit(delta: number, s: PointsScaling = DEFAULT_POINTS_SCALING): number {
  return -pointsFactors(s).factor * delta;
}
