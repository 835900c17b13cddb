import { describe, it, expect } from 'vitest';
import { CoreInputError } from '../types.ts';
import { sumContributions } from './sum.ts';
import { readTrainSum, trainContribution, trainShape } from './train.ts';

describe('trainContribution', () => {
  it('pre-multiplies the delta by the example count', () => {
    const c = trainContribution(Float32Array.of(2, 2.5), Float32Array.of(1, 2), 4, 10);
    expect(Array.from(c.update!)).toEqual([4, 2]);
    expect(Array.from(c.weight!)).toEqual([4]);
    expect(Array.from(c.loss!)).toEqual([10, 4]);
    expect(c.update).toBeInstanceOf(Float64Array);
  });

  it('matches trainShape and leaves its inputs untouched', () => {
    const local = Float32Array.of(0.5, -1, 3);
    const global = Float32Array.of(0, 0, 0);
    const c = trainContribution(local, global, 2, 1);
    const shape = trainShape(3);
    expect(shape).toEqual({ update: 3, weight: 1, loss: 2 });
    for (const name of Object.keys(shape)) expect(c[name]?.length).toBe(shape[name]);
    expect(Array.from(local)).toEqual([0.5, -1, 3]);
    expect(Array.from(global)).toEqual([0, 0, 0]);
  });

  it('lets a participant with zero examples contribute zeros', () => {
    const c = trainContribution(Float32Array.of(5), Float32Array.of(1), 0, 0);
    expect(Array.from(c.update!)).toEqual([0]);
    expect(c.weight![0]).toBe(0);
  });

  it('rejects bad inputs, naming the parameter', () => {
    const g = Float32Array.of(0, 0);
    const cases: Array<[() => unknown, string]> = [
      [() => trainContribution(Float32Array.of(1), g, 1, 0), 'local'],
      [() => trainContribution(Float32Array.of(), Float32Array.of(), 1, 0), 'local'],
      [() => trainContribution(Float32Array.of(1, NaN), g, 1, 0), 'local'],
      [() => trainContribution(Float32Array.of(1, 1), Float32Array.of(0, Infinity), 1, 0), 'global'],
      [() => trainContribution(Float32Array.of(1, 1), g, -1, 0), 'examples'],
      [() => trainContribution(Float32Array.of(1, 1), g, NaN, 0), 'examples'],
      [() => trainContribution(Float32Array.of(1, 1), g, 1, Infinity), 'lossSum'],
    ];
    for (const [fn, parameter] of cases) {
      expect(fn).toThrow(CoreInputError);
      try {
        fn();
      } catch (e) {
        expect((e as CoreInputError).parameter).toBe(parameter);
      }
    }
    expect(() => trainShape(0)).toThrow(/paramCount/);
  });
});

describe('readTrainSum', () => {
  it('recovers the example-weighted mean delta and mean loss through a plain sum', () => {
    const global = Float32Array.of(1, 2);
    const a = trainContribution(Float32Array.of(2, 2), global, 1, 0.7);
    const b = trainContribution(Float32Array.of(0, 4), global, 3, 1.7);
    const { updateSum, weightSum, meanLoss } = readTrainSum(sumContributions([a, b], trainShape(2)));
    expect(Array.from(updateSum)).toEqual([-2, 6]);
    expect(weightSum).toBe(4);
    expect(meanLoss).toBeCloseTo(0.6, 12);
    expect(updateSum[0]! / weightSum).toBe(-0.5);
    expect(updateSum[1]! / weightSum).toBe(1.5);
  });

  it('throws when the total weight is not positive', () => {
    const global = Float32Array.of(1);
    const zero = trainContribution(Float32Array.of(3), global, 0, 0);
    const e = (() => {
      try {
        readTrainSum(sumContributions([zero, zero], trainShape(1)));
      } catch (err) {
        return err as CoreInputError;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(CoreInputError);
    expect(e?.parameter).toBe('sum.weight');
  });

  it('throws on missing or mis-sized vectors', () => {
    const ok = trainContribution(Float32Array.of(1), Float32Array.of(0), 1, 0);
    expect(() => readTrainSum({ weight: ok.weight!, loss: ok.loss! })).toThrow(/update/);
    expect(() => readTrainSum({ update: ok.update!, weight: Float64Array.of(1, 1), loss: ok.loss! })).toThrow(/weight/);
    expect(() => readTrainSum({ update: ok.update!, weight: ok.weight! })).toThrow(/loss/);
  });
});
