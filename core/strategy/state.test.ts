import { describe, it, expect } from 'vitest';
import { seededRng, standardNormal } from '../random.ts';
import { CoreInputError } from '../types.ts';
import {
  base64ToBytes,
  base64ToFloat32,
  base64ToFloat64,
  bytesToBase64,
  decodeStrategyState,
  encodeStrategyState,
  floatsToBase64,
} from './state.ts';
import * as strategyModule from './strategy.ts';
import { createStrategy, initialStrategyState } from './strategy.ts';
import type { StrategyState } from './strategy.ts';

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('base64', () => {
  it('matches the RFC 4648 §10 test vectors both ways', () => {
    const vectors: Array<[string, string]> = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, encoded] of vectors) {
      expect(bytesToBase64(ascii(plain))).toBe(encoded);
      expect(Array.from(base64ToBytes(encoded))).toEqual(Array.from(ascii(plain)));
    }
  });

  it('round-trips every byte value', () => {
    const bytes = Uint8Array.from({ length: 256 + 2 }, (_, i) => (i * 7 + 3) & 255);
    expect(Array.from(base64ToBytes(bytesToBase64(bytes)))).toEqual(Array.from(bytes));
  });

  it('rejects malformed text, naming the parameter', () => {
    expect(() => base64ToBytes('abc', 'w')).toThrow(/w is not padded/);
    expect(() => base64ToBytes('ab*d')).toThrow(CoreInputError);
    expect(() => base64ToBytes('a=bc')).toThrow(/invalid base64 character at 1/);
    expect(() => base64ToBytes('A===')).toThrow(CoreInputError);
    expect(() => base64ToBytes('Zm9é')).toThrow(CoreInputError);
  });

  it('writes floats little-endian (known answers)', () => {
    expect(floatsToBase64(Float32Array.of(1))).toBe('AACAPw==');
    expect(floatsToBase64(Float32Array.of(-2.5))).toBe('AAAgwA==');
    expect(floatsToBase64(Float64Array.of(1))).toBe('AAAAAAAA8D8=');
    expect(Array.from(base64ToFloat32('AACAPw=='))).toEqual([1]);
    expect(Array.from(base64ToFloat64('AAAAAAAA8D8='))).toEqual([1]);
    expect(() => base64ToFloat32('AAA=')).toThrow(/not whole float32s/);
    expect(() => base64ToFloat64('AACAPw==')).toThrow(/not whole float64s/);
  });
});

describe('encodeStrategyState / decodeStrategyState', () => {
  it('round-trips a fedadam state bit-exactly through JSON', () => {
    const rng = seededRng(3);
    const weights = Float32Array.from({ length: 37 }, () => standardNormal(rng));
    const adam = createStrategy({ type: 'fedadam', serverLr: 0.05, beta1: 0.9, beta2: 0.99, tau: 1e-3, mu: 0 });
    const updateSum = Float64Array.from({ length: 37 }, () => standardNormal(rng));
    const state = adam.aggregate(initialStrategyState(weights), { updateSum, weightSum: 3 });
    state.weights[0] = -0;
    state.weights[1] = 1.4e-45; // smallest float32 subnormal
    state.weights[2] = 3.4028234663852886e38; // largest float32
    state.m![0] = 5e-324; // smallest float64 subnormal
    const json = JSON.stringify(encodeStrategyState(state));
    const back = decodeStrategyState(JSON.parse(json));
    expect(back.round).toBe(1);
    expect(back.weights).toBeInstanceOf(Float32Array);
    expect(back.m).toBeInstanceOf(Float64Array);
    expect(Array.from(back.weights)).toEqual(Array.from(state.weights));
    expect(Object.is(back.weights[0], -0)).toBe(true);
    expect(back.weights[1]).toBeGreaterThan(0);
    expect(back.m![0]).toBe(5e-324);
    expect(Array.from(back.m!)).toEqual(Array.from(state.m!));
    expect(Array.from(back.v!)).toEqual(Array.from(state.v!));
    // The restored state continues training exactly like the original.
    const next = { updateSum: Float64Array.from({ length: 37 }, () => standardNormal(rng)), weightSum: 2 };
    expect(Array.from(adam.aggregate(back, next).weights)).toEqual(Array.from(adam.aggregate(state, next).weights));
  });

  it('is re-exported from ./strategy', () => {
    expect(strategyModule.encodeStrategyState).toBe(encodeStrategyState);
    expect(strategyModule.decodeStrategyState).toBe(decodeStrategyState);
  });

  it('omits absent moments', () => {
    const enc = encodeStrategyState({ weights: Float32Array.of(1, 2), round: 0 });
    expect(enc).toEqual({ version: 1, round: 0, weights: floatsToBase64(Float32Array.of(1, 2)) });
    const back = decodeStrategyState(enc);
    expect('m' in back).toBe(false);
    expect('v' in back).toBe(false);
  });

  it('rejects malformed persisted data', () => {
    const good = encodeStrategyState({ weights: Float32Array.of(1, 2), round: 4, m: Float64Array.of(1, 2) } as StrategyState);
    expect(() => decodeStrategyState({ ...good, version: 2 })).toThrow(CoreInputError);
    expect(() => decodeStrategyState({ ...good, extra: 1 })).toThrow(/invalid strategy state/);
    expect(() => decodeStrategyState({ ...good, round: -1 })).toThrow(CoreInputError);
    expect(() => decodeStrategyState(null)).toThrow(CoreInputError);
    expect(() => decodeStrategyState({ ...good, m: floatsToBase64(Float64Array.of(1)) })).toThrow(/data\.m has 1 values/);
    expect(() => decodeStrategyState({ ...good, weights: 'A' })).toThrow(/data\.weights/);
  });
});
