/**
 * The coordinator's part of federated scoring: it hands the label holder's sealed request to
 * every feature party as a `score-part` step of the trained job, and returns their sealed parts
 * (or who failed, and why) to the label holder. It learns the number of applicants and the
 * timing, nothing of the IDs or the parts.
 */
import type { Grid, StageReply } from '../round/grid.ts';
import type { Envelope, VerticalStepConfig } from './messages.ts';
import type { VerticalJobSpec } from './spec.ts';

/** What the label holder gets back. */
export interface ScoreStageResult {
  /** The feature parties' sealed parts; `peer` is the sender. */
  envelopes: Envelope[];
  failures: Array<{ participant: string; reason: string }>;
}

/** Runs one score request over `grid`. `envelopes` are the label holder's, `peer` naming each recipient. */
export async function runScoreStage(grid: Grid, jobId: string, job: VerticalJobSpec, request: string, envelopes: Envelope[], deadlineMs: number): Promise<ScoreStageResult> {
  const L = job.labelHolder;
  const failures: ScoreStageResult['failures'] = [];
  const targets = job.featureParties.filter((p) => {
    if (envelopes.some((e) => e.peer === p)) return true;
    failures.push({ participant: p, reason: 'the request carries no envelope for it' });
    return false;
  });
  const config = (): VerticalStepConfig => ({ jobId, step: 'score-part', t: 0, job, peers: {}, request });
  const replies = await grid.run(
    targets,
    (p) => ({ kind: 'vertical', round: 0, config: config(), vertical: { envelopes: [{ peer: L, data: envelopes.find((e) => e.peer === p)!.data }] } }),
    deadlineMs,
  );
  for (const f of replies.failures) failures.push({ participant: f.participant, reason: f.reason });
  const out: Envelope[] = [];
  for (const p of targets) {
    const r = replies.replies.get(p) as StageReply | undefined;
    if (!r) continue;
    const e = 'vertical' in r ? r.vertical.envelopes.find((x) => x.peer === L) : undefined;
    if (e) out.push({ peer: p, data: e.data });
    else failures.push({ participant: p, reason: 'its reply carries no part for the label holder' });
  }
  return { envelopes: out, failures };
}
