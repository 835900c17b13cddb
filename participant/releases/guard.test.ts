import { describe, expect, it } from 'vitest';
import { attemptProblem, contributionProblem, releaseProblem } from './guard.ts';
import type { ReleaseLogRecord } from './guard.ts';

const key = { jobId: 'job-1', stage: 'stats' as const, round: 0 };
const D1 = 'a'.repeat(64);
const D2 = 'b'.repeat(64);
const release = (survivors: string[], over: Partial<ReleaseLogRecord> = {}): ReleaseLogRecord =>
  ({ kind: 'release', ...key, run: 'job-1/stats/0/x.1', at: 1, survivors, digest: D1, noised: false, ...over }) as ReleaseLogRecord;

describe('one release per input', () => {
  it('allows the first release and an identical rerun, refuses a survivor set that differs by one', () => {
    expect(releaseProblem([], key, ['a', 'b', 'c', 'd'], D1, false)).toBeUndefined();
    const h = [release(['a', 'b', 'c', 'd'])];
    expect(releaseProblem(h, key, ['d', 'c', 'b', 'a'], D2, false)).toBeUndefined();
    expect(releaseProblem(h, key, ['a', 'b', 'c'], D2, false)).toBe(
      'refusing: this node already released its stats input of job job-1, round 0 in a secure sum over [a, b, c, d] (run job-1/stats/0/x.1); ' +
        'unmasking it again over [a, b, c] would let the coordinator subtract the two sums and learn d\'s input alone. ' +
        'Without differential-privacy noise an input is released once, and again only over the identical survivor set',
    );
    expect(releaseProblem(h, key, ['a', 'b', 'c', 'd', 'e'], D2, false)).toMatch(/learn e's input alone/);
  });
  it('treats identical vectors in another job as the same input', () => {
    const h = [release(['a', 'b', 'c', 'd'], { jobId: 'job-0' })];
    expect(releaseProblem(h, key, ['a', 'b', 'c'], D1, false)).toMatch(/released exactly the same input \(identical vectors\) in stats of job job-0, round 0/);
    expect(releaseProblem(h, key, ['a', 'b', 'c'], D2, false)).toBeUndefined();
  });
  it('lets a DP-noised input be released again over any set (a fresh, charged release)', () => {
    const h = [release(['a', 'b', 'c', 'd'], { noised: true })];
    expect(releaseProblem(h, key, ['a', 'b', 'c'], D1, true)).toBeUndefined();
    expect(releaseProblem(h, key, ['a', 'b', 'c'], D2, false)).toBeUndefined(); // a noised earlier release is no exact copy
  });
  it('refuses to contribute before masking when the earlier survivors are not all present', () => {
    const h = [release(['a', 'b', 'c', 'd'])];
    expect(contributionProblem(h, key, ['a', 'b', 'c', 'd', 'e'])).toBeUndefined();
    expect(contributionProblem(h, key, ['a', 'b', 'c'])).toMatch(/a sum over \[a, b, c\] would let the coordinator subtract the two sums and learn d's input alone/);
    expect(contributionProblem(h, { ...key, round: 1 }, ['a', 'b', 'c'])).toBeUndefined();
    expect(contributionProblem(h, { ...key, round: 1 }, ['a', 'b', 'c'], D1)).toMatch(/identical vectors/);
  });
  it('limits the attempts of one input', () => {
    const attempts = Array.from({ length: 3 }, (_, i): ReleaseLogRecord => ({ kind: 'attempt', ...key, run: `r${i}`, at: i }));
    expect(attemptProblem(attempts.slice(0, 2), key, 3)).toBeUndefined();
    expect(attemptProblem(attempts, key, 3)).toMatch(/^refusing: this node has begun 3 secure sums of its stats input of job job-1, round 0 already \(its limit is 3\)/);
    expect(attemptProblem(attempts, { ...key, stage: 'train' }, 3)).toBeUndefined();
  });
});
