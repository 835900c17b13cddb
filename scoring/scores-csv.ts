/**
 * The scores CSV `fedcredit score --out` writes: one line per applicant with its id, probability
 * of default, points and reason codes (`reason_k` the feature, `reason_k_value` the applicant's
 * value, `reason_k_points` the points it cost), and the one-line summary printed beside it.
 */
import type { ScoreResult } from './score.ts';

/** Quotes a CSV field only when it needs it (RFC 4180: comma, quote, CR or LF; quotes doubled). */
export function csvField(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/** Probabilities and points with enough digits to round-trip a float32 probability. */
const num = (x: number, digits: number) => (Number.isFinite(x) ? Number(x.toPrecision(digits)).toString() : '');

/** The CSV text of a scoring result with `reasons` reason columns. */
export function formatScoresCsv(result: ScoreResult, reasons: number): string {
  const header = ['id', 'probability', 'points'];
  for (let k = 1; k <= reasons; k++) header.push(`reason_${k}`, `reason_${k}_value`, `reason_${k}_points`);
  const lines = [header.join(',')];
  for (const s of result.scores) {
    const cells = [s.id, num(s.probability, 9), num(s.points, 6)];
    for (let k = 0; k < reasons; k++) {
      const r = s.reasons[k];
      cells.push(r?.feature ?? '', r === undefined ? '' : r.value === null ? 'missing' : String(r.value), r ? num(r.points, 4) : '');
    }
    lines.push(cells.map(csvField).join(','));
  }
  return lines.join('\n') + '\n';
}

/** One line summing up a result: the count, and AUC/KS/n when the rows carried labels. */
export function scoreSummaryLine(result: ScoreResult): string {
  const n = result.scores.length;
  const m = result.metrics;
  if (!m) return `scored ${n} applicant${n === 1 ? '' : 's'} (no label column: no AUC)`;
  return `scored ${n} applicants: AUC ${m.auc.toFixed(6)}  KS ${m.ks.toFixed(6)}  n ${m.n}  positives ${m.positives} (score histograms of ${m.bins} bins, as the coordinator computes them)`;
}
