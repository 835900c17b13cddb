import { describe, it, expect } from 'vitest';
import { logAddExp, logErfc, logExpm1, logSubExp, logSumExp } from './logmath.ts';

/** log erfc(x) to 20 digits, computed with 40-digit arithmetic (mpmath: log(erfc(x))). */
const LOG_ERFC: [number, number][] = [
  [-3, 0.69313613525044681032],
  [-0.5, 0.41903914777555958036],
  [0, 0],
  [1e-10, -1.1283791671591745511e-10],
  [0.5, -0.73501112983708440303],
  [1, -1.8496055099332482486],
  [1.9, -4.9323458627802693088],
  [2, -5.3649412646166375745],
  [2.5, -7.8068152727272643589],
  [3, -10.720363041981112568],
  [5, -27.200889545537434422],
  [10, -102.87988902484488857],
  [26, -679.83119976319423026],
  [30, -903.97411711064387808], // erfc(30) ≈ 1e−393 underflows a double; its log does not
  [100, -10005.177585122664333],
  [1e4, -100000009.7827053199],
];

describe('logErfc', () => {
  it('matches 20-digit references across all three regimes', () => {
    for (const [x, ref] of LOG_ERFC) {
      const got = logErfc(x);
      if (ref === 0) expect(Math.abs(got)).toBe(0);
      else expect(Math.abs(got - ref) / Math.abs(ref)).toBeLessThan(2e-14);
    }
  });

  it('is continuous where the method switches at x = 2', () => {
    const below = logErfc(2 - 1e-12);
    const above = logErfc(2);
    expect(Math.abs(below - above)).toBeLessThan(1e-11);
  });

  it('handles infinities and NaN', () => {
    expect(logErfc(Infinity)).toBe(-Infinity);
    expect(logErfc(-Infinity)).toBe(Math.LN2);
    expect(logErfc(NaN)).toBeNaN();
  });
});

describe('log-space sums', () => {
  it('logAddExp and logSubExp are exact inverses on moderate values and survive overflow', () => {
    expect(logAddExp(Math.log(2), Math.log(3))).toBeCloseTo(Math.log(5), 15);
    expect(logSubExp(Math.log(5), Math.log(3))).toBeCloseTo(Math.log(2), 15);
    expect(logAddExp(1000, 1000)).toBeCloseTo(1000 + Math.LN2, 12);
    expect(logAddExp(-Infinity, 7)).toBe(7);
    expect(logSubExp(4, 4)).toBe(-Infinity);
    expect(logSubExp(3, 4)).toBeNaN();
    // log(1 − e^{−1e−20}) needs expm1, not 1 − exp
    expect(logSubExp(0, -1e-20)).toBeCloseTo(Math.log(1e-20), 10);
  });

  it('logSumExp of a list, including empty and overflowing lists', () => {
    expect(logSumExp([0, 0, 0, 0])).toBeCloseTo(Math.log(4), 15);
    expect(logSumExp([])).toBe(-Infinity);
    expect(logSumExp([800, 800])).toBeCloseTo(800 + Math.LN2, 12);
  });

  it('logExpm1 is accurate for tiny and huge arguments', () => {
    expect(logExpm1(1e-300)).toBeCloseTo(Math.log(1e-300), 12);
    expect(logExpm1(1000)).toBe(1000);
    expect(logExpm1(2)).toBeCloseTo(Math.log(Math.E ** 2 - 1), 14);
    expect(logExpm1(0)).toBe(-Infinity);
  });
});
