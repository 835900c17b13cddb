/**
 * Text rendering of a simulation report: one comparison table of federated, personalized (jobs
 * with personalization), centralized and local-only models on the pooled held-out rows and on
 * each party's held-out rows.
 */
import type { SimulationReport } from './simulate.ts';

const signed = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(4)}` : '—');
const f = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(3));

function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) for (const [c, cell] of r.entries()) widths[c] = Math.max(widths[c] ?? 0, cell.length);
  // widths has an entry for every column of every row (filled just above).
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   '));
}

/** The comparison table and verdict lines. */
export function renderReport(r: SimulationReport): string[] {
  if (r.state !== 'SUCCEEDED') return [`job ${r.jobId} ${r.state}: ${r.error ?? 'no reason given'}`];
  const localOnly = Object.entries(r.localOnly);
  const parties = localOnly.map(([p]) => p);
  const header = ['held-out rows', 'pooled', ...parties];
  const n = ['  (rows)', String(r.federated.n), ...localOnly.map(([, s]) => String(s.n))];
  const rows: string[][] = [header, n];
  const personal = Object.keys(r.personalized.perParty).length > 0;
  for (const metric of ['auc', 'ks'] as const) {
    const M = metric.toUpperCase();
    rows.push([`federated ${M}`, f(metric === 'auc' ? r.federated.exactAuc : r.federated.exactKs), ...parties.map((p) => f(r.federated.perParty[p]?.[metric]))]);
    if (personal) rows.push([`personalized ${M}`, '—', ...parties.map((p) => f(r.personalized.perParty[p]?.[metric]))]);
    rows.push([`centralized ${M}`, f(r.centralized[metric]), ...parties.map((p) => f(r.centralized.perParty[p]?.[metric]))]);
    rows.push([`local-only ${M}`, '—', ...localOnly.map(([, s]) => f(s[metric]))]);
  }
  if (personal) rows.push(['  (kept)', '', ...parties.map((p) => r.personalized.perParty[p]?.kept ?? '—')]);
  const gap = r.federated.exactAuc - r.centralized.auc;
  // A party without a federated score makes the mean NaN, printed as '—'.
  const fedMean = parties.reduce((a, p) => a + (r.federated.perParty[p]?.auc ?? NaN), 0) / parties.length;
  return [
    ...table(rows),
    '',
    `federated AUC (coordinator, from aggregated histograms): ${f(r.federated.auc)}   KS ${f(r.federated.ks)}   Gini ${f(r.federated.gini)}   log-loss ${f(r.federated.logLoss)}   Brier ${f(r.federated.brier)}`,
    `federated − centralized AUC on pooled held-out rows: ${gap >= 0 ? '+' : ''}${gap.toFixed(4)}`,
    `mean per-party AUC: federated ${f(fedMean)} vs local-only ${f(r.localOnlyMeanAuc)} (${signed(fedMean - r.localOnlyMeanAuc)})`,
    ...(personal
      ? [
          `mean per-party AUC: personalized ${f(r.personalized.meanAuc)} (${signed(r.personalized.meanAuc - fedMean)} over federated, ${signed(r.personalized.meanAuc - r.localOnlyMeanAuc)} over local-only)`,
          'personalized: after the last round each member mixed the federated (or fine-tuned) model with a model of its own rows, judged on its own validation rows held out of training (row "kept"); personal models never leave the member.',
          "a small member with a distinct portfolio gains most over the federated model, which fits mostly the larger members' borrowers; unless another mix wins clearly, a member keeps 15 % federated, 85 % its own model.",
        ]
      : []),
    `aggregation: ${r.guarantee}`,
    ...(r.privacy
      ? [
          `privacy spent (signed receipts): ${Object.entries(r.privacy)
            .map(([p, x]) => `${p} ε ${x.epsilonJob.toFixed(3)} in this job, ${x.epsilonTotal.toFixed(3)} of its budget ${x.budgetEpsilon.toFixed(3)} at δ ${x.delta}${x.verifiedAgainstRoster ? ' (verified against the roster key)' : ' (NOT pinned to a roster key)'}`)
            .join('; ')}`,
          r.localOnlySource === 'member-report'
            ? 'the centralized reference and the members\' personalized and local-only models are trained without DP (the last two never leave their member)'
            : 'the centralized and local-only references above are trained without DP',
        ]
      : []),
    `tfjs backend: ${r.backend}; finished in ${r.seconds.toFixed(1)} s`,
  ];
}
