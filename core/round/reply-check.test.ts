import { describe, expect, it } from 'vitest';
import type { SecAggConfig } from '../secagg/protocol/types.ts';
import type { StageTask } from './grid.ts';
import { countsProblem, replyProblem } from './reply-check.ts';

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

describe('countsProblem: counts in plain replies are non-negative whole numbers', () => {
  const f = (...x: number[]) => Float64Array.from(x);
  const evaluation = (hist: number[], loss: number[]) => ({ hist: f(...hist), loss: f(...loss) });

  it('accepts what participants compute', () => {
    expect(countsProblem('evaluate', evaluation([3, 0, 1, 2], [4.1, 1.3, 6, 3]))).toBeNull();
    expect(countsProblem('stats', { stats: f(5, -2.5, 7.25, 0, 0, 0), label: f(5, 2) })).toBeNull();
    expect(countsProblem('train', { update: f(-1e3, 2), weight: f(0), loss: f(0, 0) })).toBeNull();
    expect(countsProblem('train', { update: f(1), weight: f(12.5), loss: f(1, 2) })).toBeNull();
  });

  it('rejects a fractional or negative n, positives beyond n and bad histogram bins, naming the element', () => {
    expect(countsProblem('evaluate', evaluation([1, 0, 0, 0], [0.2, 0.1, 0.5, 0]))).toBe(
      'vector "loss" element 2 (rows n) is 0.5: a count must be a non-negative whole number',
    );
    expect(countsProblem('evaluate', evaluation([1, 0, 0, 0], [0.2, 0.1, -1, 0]))).toMatch(/element 2 \(rows n\) is -1/);
    expect(countsProblem('evaluate', evaluation([1, 0, 0, 0], [0.2, 0.1, 3, 4]))).toBe('vector "loss" element 3 (positives) is 4, more than the 3 rows');
    expect(countsProblem('evaluate', evaluation([1, 0, 0.25, 0], [0.2, 0.1, 3, 1]))).toMatch(/vector "hist" element 2 \(bin count\) is 0.25/);
    expect(countsProblem('evaluate', evaluation([1, -1, 0, 0], [0.2, 0.1, 3, 1]))).toMatch(/vector "hist" element 1 \(bin count\) is -1/);
  });

  it('checks the row and positive counts of statistics and every per-feature count (every third entry)', () => {
    expect(countsProblem('stats', { stats: f(5, 1, 1), label: f(5.5, 2) })).toMatch(/vector "label" element 0 \(rows\) is 5.5/);
    expect(countsProblem('stats', { stats: f(5, 1, 1), label: f(5, 6) })).toBe('vector "label" element 1 (positives) is 6, more than the 5 rows');
    expect(countsProblem('stats', { stats: f(5, 1, 1, 2.5, 1, 1), label: f(5, 1) })).toMatch(/vector "stats" element 3 \(count of numeric feature 1\) is 2.5/);
    expect(countsProblem('stats', { stats: f(6, 1, 1), label: f(5, 1) })).toBe('vector "stats" element 0 (count of numeric feature 0) is 6, more than the 5 rows');
    // Sums and sums of squares are not counts.
    expect(countsProblem('stats', { stats: f(5, -0.5, 0.75), label: f(5, 1) })).toBeNull();
  });

  it('rejects a negative training weight', () => {
    expect(countsProblem('train', { update: f(1), weight: f(-3), loss: f(0, 0) })).toBe('vector "weight" element 0 (training weight) is -3: a weight must not be negative');
  });

  it('applies to plain replies at delivery, except for jobs with record-level DP (their releases may be noised)', () => {
    const task = (mode: string): StageTask => ({ kind: 'evaluate', round: 1, config: { job: { privacy: { mode } } }, replyShape: { hist: 4, loss: 4 } });
    const reply = { contribution: evaluation([1, 0, 0, 0], [0.2, 0.1, 0.5, 0]) };
    expect(replyProblem(task('none'), reply)).toMatch(/element 2 \(rows n\) is 0.5/);
    expect(replyProblem(task('client'), reply)).toMatch(/element 2 \(rows n\) is 0.5/);
    expect(replyProblem(task('record'), reply)).toBeNull();
  });
});
