/**
 * The job report as one self-contained HTML file: key figures, charts (drawn by the inlined
 * chart.js from the embedded data, ./report-script.ts), the per-member and per-round tables, the
 * secure-aggregation facts and the guarantee text. Every string from the job (names, errors,
 * reasons) is escaped; a content-security policy allows only the page's own inline script and
 * style, so opening the file loads nothing from anywhere.
 */
import type { JobStatus__Output } from '../../proto/generated/fedcredit/v1/JobStatus.ts';
import { chartJsSource, contentSecurityPolicy, escapeHtml, inlineScript, jsonForScript } from '../../platform/html-page.ts';
import type { JobReportData, ReportExtras } from './report-data.ts';
import { jobReportData } from './report-data.ts';
import { REPORT_SCRIPT } from './report-script.ts';

/** The report's stylesheet (inlined; the page's content-security policy allows it by hash). */
const REPORT_STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
.note { color: #555; font-size: 0.9em; }
.error { color: #a00; font-weight: 600; }
.figures { display: flex; flex-wrap: wrap; gap: 0.75rem; }
.figures div { border: 1px solid #ddd; border-radius: 6px; padding: 0.4rem 0.8rem; min-width: 7rem; }
.figures dt { color: #666; font-size: 0.85em; } .figures dd { margin: 0; font-size: 1.2em; font-weight: 600; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 1rem; }
figure { margin: 0.5rem 0; } figcaption { font-weight: 600; }
.chart { position: relative; height: 300px; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: right; vertical-align: top; }
th:first-child, td:first-child, td:last-child { text-align: left; }
`;

const e = escapeHtml;
/** A metric with four decimals, or a dash when there is none. */
export const fmt4 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(4));
const fmt3 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(3));

function table(head: string[], rows: string[][], id: string): string {
  const th = head.map((h) => `<th>${e(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table id="${id}"><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function chart(id: string, title: string, note: string): string {
  return `<figure><figcaption>${e(title)}</figcaption><div class="chart"><canvas id="${id}"></canvas></div><p class="note">${e(note)}</p></figure>`;
}

function keyFigures(d: JobReportData): string {
  const f = d.final;
  const items: [string, string, string][] = [
    ['state', 'job-state', d.job.state],
    ['rounds', 'job-rounds', `${d.job.roundsCompleted} / ${d.job.roundsTotal}`],
    ['AUC', 'final-auc', fmt4(f?.auc)],
    ['KS', 'final-ks', fmt4(f?.ks)],
    ['Gini', 'final-gini', fmt4(f?.gini)],
    ['log-loss', 'final-logloss', fmt4(f?.logLoss)],
    ['held-out rows', 'final-n', f ? String(Math.round(f.n)) : '—'],
    ['members', 'member-count', String(d.members.length)],
  ];
  return `<dl class="figures">${items.map(([k, id, v]) => `<div><dt>${e(k)}</dt><dd id="${id}">${e(v)}</dd></div>`).join('')}</dl>`;
}

function membersTable(d: JobReportData): string {
  const sim = d.members.some((m) => m.comparison);
  const head = ['member', 'rounds taken part in', 'failures / dropouts', 'ε this job', 'ε all jobs / budget', 'receipts valid / invalid', 'receipts pinned to roster'];
  if (sim) head.push('local-only AUC', 'federated AUC', 'personalized AUC', 'kept');
  const rows = d.members.map((m) => {
    const row = [
      e(m.name), String(m.rounds), m.failures ? `${m.failures} <span class="note">(${e(m.failedStages.join(', '))})</span>` : '0',
      fmt3(m.epsilonJob), m.epsilonTotal !== undefined ? `${fmt3(m.epsilonTotal)} / ${fmt3(m.budgetEpsilon)}` : '—',
      `${m.validReceipts} / ${m.invalidReceipts}`, m.validReceipts ? (m.receiptsPinned ? 'yes' : 'NO') : '—',
    ];
    if (sim) row.push(fmt4(m.comparison?.localOnly), fmt4(m.comparison?.federated), fmt4(m.comparison?.personalized), e(m.comparison?.kept ?? '—'));
    return row;
  });
  return table(head, rows, 'members');
}

function roundsTable(d: JobReportData): string {
  const rows = d.rounds.map((r) => [
    String(r.round), String(r.participants.length), r.evaluated ? fmt4(r.auc) : '—', r.evaluated ? fmt4(r.ks) : '—', r.evaluated ? fmt4(r.logLoss) : '—',
    fmt4(r.trainLoss), r.seconds.toFixed(2), r.failures.map((f) => `${e(f.participant)} (${e(f.stage)}): ${e(f.reason)}`).join('<br>') || '',
  ]);
  return table(['round', 'participants', 'AUC', 'KS', 'log-loss', 'train loss', 'seconds', 'failures'], rows, 'rounds');
}

function secureSection(d: JobReportData): string {
  const s = d.secure;
  if (!s) return `<p>Aggregation: ${e(d.job.aggregation)}. No secure-aggregation facts were recorded for this job.</p>`;
  const facts: [string, string][] = [
    ['participants n (last round)', String(s.participants)], ['survivors (inputs in the sum)', String(s.survivors)], ['Shamir threshold t', String(s.threshold)],
    ['neighbours k', String(s.neighbours)], ['modulus bits', String(s.modulusBits)], ['update coordinates clipped (whole job)', String(s.clippedTotal)],
    ['authenticated (signed key adverts, consistency check)', s.authenticated ? 'yes' : 'no'],
  ];
  if (d.clientDp) facts.push(['client-level DP', `${d.clientDp.noise} noise, clip norm ${fmt4(d.clientDp.clipNorm)}, noise multiplier ${fmt4(d.clientDp.noiseMultiplier)}`]);
  return table(['fact', 'value'], facts.map(([k, v]) => [e(k), e(v)]), 'secure');
}

function histogramNote(d: JobReportData): string {
  const h = d.histogram;
  if (!h) return 'This job stored no score histogram (no evaluated round), so the ROC, KS, distribution and calibration charts are absent.';
  return (
    `Curves from the summed per-class score histogram of round ${h.round} (${h.bins} bins over [0, 1]) — the only view of scores the coordinator has. ` +
    `AUC recomputed from it: ${fmt4(h.aucFromHistogram)}, KS ${fmt4(h.ksFromHistogram)}. ` +
    (h.noised ? 'Record-level DP: every bin carries noise, so these curves are noisy estimates, exactly what the coordinator saw.' : 'Exact counts (no record-level DP).')
  );
}

/** The report of `data` as a self-contained HTML page. */
export function renderReportDataHtml(d: JobReportData): string {
  const charts = chartJsSource();
  const csp = contentSecurityPolicy({ scripts: [charts, REPORT_SCRIPT], styles: [REPORT_STYLE] });
  const title = `fedcredit job report: ${d.job.name} (${d.job.jobId})`;
  const body = [
    `<h1>${e(title)}</h1>`,
    `<p class="note">Generated ${e(d.generatedAt)} from ${e(d.source)}.</p>`,
    d.job.error ? `<p class="error" id="job-error">${e(d.job.error)}</p>` : '',
    keyFigures(d),
    `<h2>Guarantee</h2><p id="guarantee">${e(d.job.guarantee)}</p>`,
    '<h2>Metrics per round</h2>',
    chart('chart-metrics', 'AUC and KS per evaluated round', 'Computed by the coordinator from the summed evaluation histograms of the round.'),
    '<h2>Final evaluation</h2>',
    `<p class="note" id="histogram-note">${e(histogramNote(d))}</p>`,
    d.curves
      ? `<div class="grid">${chart('chart-roc', 'ROC curve', 'Thresholds at bin edges.')}${chart('chart-ks', 'KS: class score CDFs', `KS = ${fmt4(d.curves.ks.ks)} at score ${fmt3(d.curves.ks.ksAt)}.`)}${chart('chart-distribution', 'Score distribution by class', 'Share of each class per score range.')}${chart('chart-calibration', 'Calibration', 'Observed default rate against the mean predicted probability (bin midpoints, weighted by count), in up to 10 score groups of about equal row counts.')}</div>`
      : '',
    d.epsilon ? `<h2>Privacy spent</h2>${chart('chart-epsilon', 'ε spent in this job per member', `At δ = ${d.epsilon.delta}, as each member's signed receipts state it (valid receipts only).`)}` : '',
    '<h2>Members</h2>',
    membersTable(d),
    d.comparisonNote ? `<p class="note">${e(d.comparisonNote)}</p>` : '',
    '<h2>Secure aggregation</h2>',
    secureSection(d),
    '<h2>Rounds</h2>',
    roundsTable(d),
    '<h2>Data</h2><p class="note">The numbers of this report as JSON, in the element with id "report-data".</p>',
  ].join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${e(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<style>${REPORT_STYLE}</style>
</head><body>
${body}
<script id="report-data" type="application/json">${jsonForScript(d)}</script>
${inlineScript(charts)}
${inlineScript(REPORT_SCRIPT)}
</body></html>
`;
}

/** The HTML report of a job from its status (as GetJobStatus returns it) and a simulation's extras. */
export function renderJobReportHtml(status: JobStatus__Output, extras: ReportExtras = {}): string {
  return renderReportDataHtml(jobReportData(status, extras));
}
