import { describe, expect, it } from 'vitest';
import { JobProgress, roundLine, secureStepsLine } from './progress.ts';
import type { JobEvent__Output } from '../proto/generated/fedcredit/v1/JobEvent.ts';
import type { RoundReport__Output } from '../proto/generated/fedcredit/v1/RoundReport.ts';

const report = (clipped: number | null): RoundReport__Output => ({
  round: 3,
  participants: ['a', 'b', 'c'],
  metrics: { auc: 0.78, ks: 0.43, gini: 0.56, logLoss: 0.33, brier: 0.1, n: 100, positives: 10 },
  trainLoss: 0.3,
  seconds: 0.61,
  failures: [],
  finishedUnixMs: 0,
  privacy: [],
  invalidReceipts: [],
  secure: clipped === null ? null : { participants: 3, survivors: 3, threshold: 2, neighbours: 2, modulusBits: 32, clipped, words: 10, authenticated: false, steps: [], keysSetUpIn: 0 },
  clientDp: null,
  scoreHistogram: null,
});

describe('the per-round progress line', () => {
  it('shows clipped update coordinates only when there were some', () => {
    expect(roundLine(report(null), 20)).toBe('round  3/20  participants 3  AUC 0.7800  KS 0.4300  loss 0.3300  0.6s');
    expect(roundLine(report(0), 20)).toBe('round  3/20  participants 3  AUC 0.7800  KS 0.4300  loss 0.3300  0.6s');
    expect(roundLine(report(12), 20)).toBe('round  3/20  participants 3  AUC 0.7800  KS 0.4300  loss 0.3300  0.6s  clipped 12');
  });

  it('shows the clip norm under client-level DP, and the unclipped fraction when it adapts', () => {
    const clientDp = { noise: 'distributed', clipNorm: 0.523456, noiseMultiplier: 1.2, survivors: 2, adaptive: false, unclippedFraction: 0 };
    expect(roundLine({ ...report(null), clientDp }, 20)).toBe('round  3/20  participants 3  AUC 0.7800  KS 0.4300  loss 0.3300  0.6s  S 0.523');
    expect(roundLine({ ...report(null), clientDp: { ...clientDp, adaptive: true, unclippedFraction: 0.4567 } }, 20)).toBe(
      'round  3/20  participants 3  AUC 0.7800  KS 0.4300  loss 0.3300  0.6s  S 0.523 (unclipped 0.46)',
    );
  });
});

describe('the secure-sum steps line', () => {
  it('lists each step with its seconds and their total, and is absent without timings', () => {
    expect(secureStepsLine(report(null))).toBeUndefined();
    expect(secureStepsLine(report(0))).toBeUndefined();
    const timed = report(0);
    timed.secure!.steps = [
      { step: 'advertise-keys', seconds: 2.254 },
      { step: 'share-keys', seconds: 0.5 },
      { step: 'masked-input', seconds: 1.406 },
      { step: 'unmasking', seconds: 0.27 },
    ];
    expect(secureStepsLine(timed)).toBe('round 3 secure sum steps: advertise-keys 2.25 s, share-keys 0.50 s, masked-input 1.41 s, unmasking 0.27 s (4.43 s in all)');
    // A sum whose keys an earlier round's sum set up (keysAhead) says which.
    const ahead = report(0);
    ahead.secure!.steps = [
      { step: 'masked-input', seconds: 1.2 },
      { step: 'unmasking', seconds: 0.3 },
    ];
    ahead.secure!.keysSetUpIn = 1;
    expect(secureStepsLine(ahead)).toBe("round 3 secure sum steps: masked-input 1.20 s, unmasking 0.30 s (1.50 s in all; keys set up during round 1's sum)");
  });
});

describe('JobProgress', () => {
  it('prints warnings and failures from job events, and not the other messages', () => {
    const lines: string[] = [];
    const progress = new JobProgress(20, (l) => lines.push(l), false);
    const event = (message: string) => ({ message, status: null, round: null }) as unknown as JobEvent__Output;
    progress.onEvent(event('job 1: queued'));
    progress.onEvent(event('warning: no dropout tolerance: t = 3 of n = 3'));
    progress.onEvent(event('round 0: stats with 3 participant(s)'));
    progress.onEvent(event('stats: bank-a failed: timed out'));
    expect(lines).toEqual(['! warning: no dropout tolerance: t = 3 of n = 3', '! stats: bank-a failed: timed out']);
  });
});
