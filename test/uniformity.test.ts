/**
 * The statistics behind the curious-coordinator test (uniformity.ts): the chi-square p-value at
 * known quantiles, and the uniformity tests accepting random words and rejecting plain ones.
 */
import { describe, expect, it } from 'vitest';
import { cryptoRng } from '../platform/crypto-rng.ts';
import { chiSquare, gammaQ, uniformity } from './uniformity.ts';

describe('uniformity tests over Z_2^32', () => {
  it('the statistics helpers are right (known chi-square quantiles)', () => {
    expect(chiSquare([0], 1).df).toBe(0);
    expect(gammaQ(0.5, 3.841459 / 2)).toBeCloseTo(0.05, 6); // χ²(1) 95% quantile
    expect(gammaQ(5, 18.307038 / 2)).toBeCloseTo(0.05, 6); // χ²(10)
    expect(gammaQ(127.5, 310.457388 / 2)).toBeCloseTo(0.01, 5); // χ²(255) 99%
    expect(gammaQ(3.5, 50 / 2)).toBeLessThan(1e-7); // χ²(7) far tail
    // A uniform vector passes, a quantized plain vector does not.
    const random = new Uint32Array(new Uint8Array(cryptoRng(4 * 5000)).buffer);
    expect(uniformity(random).problems).toEqual([]);
    expect(uniformity(random.map((x) => x >>> 2)).problems).not.toEqual([]);
  });
});
