/**
 * Federated scoring latency and throughput of a trained vertical model, over the real Fleet on
 * 127.0.0.1: a coordinator and three vertical nodes (bank with the label, platform, customs) in
 * this process, a logistic regression trained on the synthetic vertical consortium, then
 * (1) single-applicant requests one after another — p50 and p95 of the label holder's wall time
 * per request, sealing, relay, both feature parties' parts and the final score included — and
 * (2) one request of 10,000 applicants. Targets: p50 ≤ 100 ms, 10,000 applicants ≤ 5 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ControlClient } from '../client/control-client.ts';
import { startCoordinator } from '../coordinator/server.ts';
import { createVerticalNode } from '../participant/vertical/create.ts';
import { verticalPartyData } from '../participant/vertical/table.ts';
import { createLogger } from '../platform/log.ts';
import { generateVerticalConsortium } from '../sim/synthetic/vertical.ts';

/** Targets of the scoring bench. */
export const SCORE_TARGETS = { p50Ms: 100, batch10kSeconds: 5 };

/** What the scoring bench measured. */
export interface VerticalScoreBench {
  bankRows: number;
  trainSeconds: number;
  singles: number;
  p50Ms: number;
  p95Ms: number;
  batchApplicants: number;
  batchSeconds: number;
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

/** Runs the bench (about half a minute). */
export async function runVerticalScoreBench(log: (line: string) => void, singles = 200, batch = 10_000): Promise<VerticalScoreBench> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fc-bench-vertical-'));
  const c = generateVerticalConsortium({ seed: 1, scale: 1 });
  const coord = await startCoordinator({ port: 0, stateDir: path.join(dir, 'coord'), logLevel: 'silent' });
  const table = (t: typeof c.bank, label?: string) => verticalPartyData(t.header, t.rows, { idColumn: t.idColumn, ...(label ? { labelColumn: label } : {}) });
  const nodes = (
    [
      ['bank', table(c.bank, 'default')],
      ['platform', table(c.platform)],
      ['customs', table(c.customs)],
    ] as const
  ).map(([name, data]) => createVerticalNode({ name, data, salt: 'bench', coordinator: coord.address, log: createLogger(name, 'silent') }));
  const running = nodes.map((n) => n.run());
  const client = new ControlClient(coord.address);
  try {
    for (let i = 0; i < 400 && coord.grid.available().length < 3; i++) await new Promise((r) => setTimeout(r, 25));
    log(`vertical scoring: training on ${c.bank.rows.length} bank rows over gRPC ...`);
    let t = performance.now();
    const id = await client.submitVertical({ partition: 'vertical', labelHolder: 'bank', featureParties: ['platform', 'customs'], ids: { form: 'alnum' }, train: { epochs: 2 } });
    let state = '';
    for await (const e of client.watch(id)) state = e.status?.state ?? state;
    if (state !== 'SUCCEEDED') throw new Error(`the bench's training job ended ${state}`);
    const trainSeconds = (performance.now() - t) / 1000;
    const bank = nodes[0]!;
    const rows = (n: number, from: number) => Array.from({ length: n }, (_, i) => c.bank.rows[(from + i * 7919) % c.bank.rows.length]!);
    const latencies: number[] = [];
    for (let i = 0; i < singles; i++) {
      t = performance.now();
      await bank.score(id, { header: c.bank.header, rows: rows(1, i) }, c.bank.idColumn);
      latencies.push(performance.now() - t);
    }
    log(`  ${singles} single-applicant requests: p50 ${quantile(latencies, 0.5).toFixed(1)} ms`);
    t = performance.now();
    const r = await bank.score(id, { header: c.bank.header, rows: rows(batch, 0) }, c.bank.idColumn, { deadlineMs: 60_000 });
    const batchSeconds = (performance.now() - t) / 1000;
    if (r.applicants.length !== batch) throw new Error(`scored ${r.applicants.length} of ${batch}`);
    log(`  one request of ${batch} applicants: ${batchSeconds.toFixed(2)} s`);
    return { bankRows: c.bank.rows.length, trainSeconds, singles, p50Ms: quantile(latencies, 0.5), p95Ms: quantile(latencies, 0.95), batchApplicants: batch, batchSeconds };
  } finally {
    client.close();
    await Promise.all(nodes.map((n) => n.stop()));
    await Promise.all(running);
    await coord.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The bench's rows for the results table. */
export function verticalScoreRows(b: VerticalScoreBench): [string, string, string][] {
  const pass = (ok: boolean) => (ok ? 'met' : 'NOT met');
  return [
    ['vertical scoring, one applicant: p50 / p95 (ms)', `${b.p50Ms.toFixed(1)} / ${b.p95Ms.toFixed(1)}  (${b.singles} requests, bank + platform + customs nodes over gRPC on 127.0.0.1; model trained in ${b.trainSeconds.toFixed(1)} s on ${b.bankRows} rows)`, `p50 ≤ ${SCORE_TARGETS.p50Ms}: ${pass(b.p50Ms <= SCORE_TARGETS.p50Ms)}`],
    ['vertical scoring, one request of 10,000 applicants (s)', b.batchSeconds.toFixed(2), `≤ ${SCORE_TARGETS.batch10kSeconds}: ${pass(b.batchSeconds <= SCORE_TARGETS.batch10kSeconds)}`],
  ];
}
