import { describe, expect, it } from 'vitest';
import { DEFAULT_POINTS_SCALING, pointsOf, pointsOfLogit } from './points.ts';

describe('score points', () => {
  it('scores the base odds at the base score and doubles the odds every PDO points', () => {
    // p = 1/51 is odds 50 : 1 — the default base.
    expect(pointsOf(1 / 51)).toBeCloseTo(600, 9);
    // odds 100 : 1 → p = 1/101: 20 points more.
    expect(pointsOf(1 / 101)).toBeCloseTo(620, 9);
    expect(pointsOf(1 / 26)).toBeCloseTo(580, 9);
  });

  it('matches the textbook example: 600 at 30 : 1, PDO 20 → 28.8539 · ln(odds) + 501.8622', () => {
    const s = { baseScore: 600, baseOdds: 30, pdo: 20 };
    // factor = 20 / ln 2 = 28.8539; offset = 600 − 28.8539 · ln 30 = 501.8622
    expect(pointsOf(0.5, s)).toBeCloseTo(501.8622, 3);
  });

  it('turns a logit term into points of the opposite sign', () => {
    expect(pointsOfLogit(Math.LN2, DEFAULT_POINTS_SCALING)).toBeCloseTo(-20, 9);
    expect(pointsOf(0.2) - pointsOf(0.5)).toBeCloseTo(pointsOfLogit(Math.log(0.25)), 9);
  });

  it('refuses a bad scaling and a non-finite probability', () => {
    expect(() => pointsOf(0.1, { baseScore: 600, baseOdds: 0, pdo: 20 })).toThrow(/baseOdds > 0/);
    expect(() => pointsOf(Number.NaN)).toThrow(/finite/);
  });
});
