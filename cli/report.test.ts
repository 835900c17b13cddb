import { describe, expect, it } from 'vitest';
import { renderReport } from './report.ts';
import type { SimulationReport } from './simulate.ts';

const score = (auc: number, n = 100) => ({ auc, ks: auc / 2, n });

/** A two-member simulation with personalization: one member gains from federation, one does not. */
function report(): SimulationReport {
  return {
    jobId: 'j1', state: 'SUCCEEDED', aggregation: 'secagg', guarantee: 'secure aggregation (test)', backend: 'cpu', seconds: 3,
    federated: { auc: 0.8, ks: 0.5, gini: 0.6, logLoss: 0.4, brier: 0.1, n: 200, positives: 50, exactAuc: 0.8, exactKs: 0.5, perParty: { big: score(0.81), small: score(0.7) } },
    centralized: { ...score(0.805, 200), perParty: { big: score(0.81), small: score(0.71) } },
    personalized: { perParty: { big: { ...score(0.8), kept: 'local-only' }, small: { ...score(0.76), kept: 'fine-tuned' } }, meanAuc: 0.78 },
    localOnly: { big: score(0.8), small: score(0.75) },
    localOnlySource: 'member-report',
    localOnlyMeanAuc: 0.775,
    localOnlyHarness: { big: score(0.79), small: score(0.74) },
    rounds: [],
    stateDir: '/tmp/x',
  };
}

describe('the simulation report', () => {
  it('explains the per-member comparison: the means with their differences, what personalized means, who gains', () => {
    const lines = renderReport(report());
    // (0.81 + 0.70) / 2 = 0.755 federated against 0.775 local-only.
    expect(lines).toContain('mean per-party AUC: federated 0.755 vs local-only 0.775 (-0.0200)');
    expect(lines).toContain('mean per-party AUC: personalized 0.780 (+0.0250 over federated, +0.0050 over local-only)');
    expect(lines.some((l) => l.startsWith('personalized: after the last round each member mixed the federated (or fine-tuned) model with a model of its own rows'))).toBe(true);
    expect(lines.some((l) => l.startsWith('a small member with a distinct portfolio gains most over the federated model'))).toBe(true);
    const kept = lines.find((l) => l.trimStart().startsWith('(kept)'));
    expect(kept).toMatch(/local-only\s+fine-tuned$/);
  });

  it('leaves the personalization lines out of a job without personalization', () => {
    const r = report();
    r.personalized = { perParty: {}, meanAuc: Number.NaN };
    const lines = renderReport(r);
    expect(lines.some((l) => l.includes('personalized'))).toBe(false);
    expect(lines).toContain('mean per-party AUC: federated 0.755 vs local-only 0.775 (-0.0200)');
  });
});
