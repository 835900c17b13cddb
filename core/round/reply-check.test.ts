import { describe, expect, it } from 'vitest';
import type { SecAggConfig } from '../secagg/protocol/types';
import type { StageTask } from './grid';
import { replyProblem } from './reply-check';

const config: SecAggConfig = { run: 'job/train/1/x.1', round: 1, participants: ['a', 'b'], threshold: 2, bits: 20, length: 4, graph: { kind: 'complete' } };
const plain: StageTask = { kind: 'train', round: 1, config: {}, replyShape: { update: 3, weight: 1 } };
const step = (type: 'begin' | 'share-delivery'): StageTask => ({
  kind: 'train', round: 1, config: {},
  secagg: { config, message: type === 'begin' ? { type } : { type, to: 'a', shared: ['a', 'b'], ciphertexts: [] } },
});
const masked = (y: number[]) => ({ secagg: { type: 'masked-input' as const, from: 'a', y: Uint32Array.from(y) } });

describe('replyProblem', () => {
  it('accepts replies that fit', () => {
    expect(replyProblem(plain, { contribution: { update: new Float64Array(3), weight: Float64Array.of(2) } })).toBeNull();
    expect(replyProblem(step('share-delivery'), masked([0, 1, 2, 2 ** 20 - 1]))).toBeNull();
    expect(replyProblem(step('begin'), { secagg: { type: 'advertise-keys', from: 'a', cPk: new Uint8Array(32), sPk: new Uint8Array(32) } })).toBeNull();
    // Without an expected shape (a transport used outside the plain sum) any contribution passes here.
    expect(replyProblem({ kind: 'stats', round: 0, config: {} }, { contribution: { x: new Float64Array(1) } })).toBeNull();
  });

  it('names the expected and actual length of a wrong-sized vector', () => {
    expect(replyProblem(plain, { contribution: { update: new Float64Array(5), weight: Float64Array.of(2) } })).toBe('vector "update" has 5 elements, expected 3');
    expect(replyProblem(step('share-delivery'), masked([1, 2, 3]))).toBe('masked input has 3 words, expected 4');
  });

  it('rejects missing or extra vectors, non-finite values and words beyond the modulus', () => {
    expect(replyProblem(plain, { contribution: { update: new Float64Array(3) } })).toMatch(/sent vectors \[update\] but the stage expects \[update, weight\]/);
    expect(replyProblem(plain, { contribution: { update: Float64Array.of(0, NaN, 0), weight: Float64Array.of(1) } })).toBe('vector "update" element 1 is not finite');
    expect(replyProblem(step('share-delivery'), masked([0, 2 ** 20, 0, 0]))).toBe('masked input word 1 is 1048576, not below 2^20');
  });

  it('rejects a reply of the wrong kind or step', () => {
    expect(replyProblem(plain, masked([1]))).toMatch(/plain train stage and expects a contribution, not a secure-aggregation masked-input/);
    expect(replyProblem(step('begin'), { contribution: {} })).toMatch(/"begin" step of a secure sum and expects reply type advertise-keys, not a plain contribution/);
    expect(replyProblem(step('begin'), masked([1, 2, 3, 4]))).toMatch(/expects reply type advertise-keys, not masked-input/);
  });
});
