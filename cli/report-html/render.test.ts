import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadProto } from '../../proto/load.ts';
import type { JobStatus } from '../../proto/generated/fedcredit/v1/JobStatus.ts';
import type { JobStatus__Output } from '../../proto/generated/fedcredit/v1/JobStatus.ts';
import { renderJobReportHtml } from './render.ts';

/** A status as a client decodes it (every field defaulted), from the fields given. */
function decoded(s: JobStatus): JobStatus__Output {
  const m = loadProto().fedcredit.v1.Control.service.GetJobStatus;
  return m.responseDeserialize(m.responseSerialize(s)) as JobStatus__Output;
}

const EVIL = '<script>alert(1)</script>';
const status = decoded({
  jobId: 'job-1', name: `job ${EVIL}`, state: 'FAILED', error: `failed: ${EVIL}`, roundsCompleted: 1, roundsTotal: 2,
  participants: ['bank-a', 'bank-b', 'bank-c'], aggregation: 'secagg', guarantee: `guarantee & ${EVIL}`,
  rounds: [
    { round: 0, participants: ['bank-a', 'bank-b', 'bank-c'], metrics: { auc: 0.5, ks: 0, n: 6, positives: 3 } },
    {
      round: 1, participants: ['bank-a', 'bank-b'], metrics: { auc: 17 / 18, ks: 2 / 3, gini: 8 / 9, n: 6, positives: 3 },
      failures: [{ participant: 'bank-c', stage: 'round 1: train', reason: `timed out ${EVIL}` }],
      scoreHistogram: { bins: 3, negatives: [2, 1, 0], positives: [0, 1, 2], noised: false },
      privacy: [{ participant: 'bank-a', epsilonRound: 0.5, epsilonJob: 0.5, epsilonTotal: 1.5, delta: 1e-5, budgetEpsilon: 10, signatureValid: true, verifiedAgainstRoster: true }],
      invalidReceipts: [{ participant: 'bank-b', reason: `bad signature ${EVIL}` }],
    },
  ],
});

describe('renderJobReportHtml', () => {
  const html = renderJobReportHtml(status, { generatedAt: new Date(0) });

  it('escapes every text of the job and embeds the data as parseable JSON', () => {
    expect(html).not.toContain(EVIL);
    expect(html).toContain('failed: &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('bank-c (round 1: train): timed out &lt;script&gt;');
    const json = /<script id="report-data" type="application\/json">(.*?)<\/script>/s.exec(html)![1]!;
    const data = JSON.parse(json);
    expect(data.job.error).toBe(`failed: ${EVIL}`);
    expect(data.final.auc).toBeCloseTo(17 / 18, 12);
    expect(data.histogram.aucFromHistogram).toBeCloseTo(17 / 18, 12);
    expect(data.members.map((m: { name: string; rounds: number; failures: number; validReceipts: number; invalidReceipts: number }) => [m.name, m.rounds, m.failures, m.validReceipts, m.invalidReceipts])).toEqual([
      ['bank-a', 1, 0, 1, 0],
      ['bank-b', 1, 0, 0, 1],
      ['bank-c', 0, 1, 0, 0],
    ]);
    expect(data.epsilon.perMember).toEqual({ 'bank-a': [null, 0.5] });
  });

  it('allows exactly its own inline scripts and style, by hash, and nothing remote', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)![1]!.replace(/&#39;/g, "'");
    expect(csp).toMatch(/^default-src 'none'; /);
    const scripts = [...html.matchAll(/<script>(.*?)<\/script>/gs)].map((m) => m[1]!);
    const styles = [...html.matchAll(/<style>(.*?)<\/style>/gs)].map((m) => m[1]!);
    expect(scripts).toHaveLength(2);
    for (const text of [...scripts, ...styles]) expect(csp).toContain(`'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`);
    expect(html).not.toMatch(/\b(src|href)=/);
  });
});
