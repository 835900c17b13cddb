/**
 * A scorecard as text: CSV (one row per base/bin/level/missing row, full precision, for
 * spreadsheets and rule engines), Markdown (the scaling and one table per feature, points to two
 * decimals, for people) and JSON (everything, for programs).
 */
import type { Scorecard, ScorecardRow } from './table.ts';

/** Formats of {@link renderScorecard}. */
export type ScorecardFormat = 'csv' | 'md' | 'json';

/** A CSV field, quoted when it holds a comma, quote or line break (RFC 4180). */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const num = (x: number | undefined) => (x === undefined ? '' : x === Infinity ? 'inf' : x === -Infinity ? '-inf' : String(x));

/** The CSV form: header `feature,kind,label,low,high,value,points,points_per_unit`. */
export function scorecardCsv(card: Scorecard): string {
  const perUnit = new Map(card.numeric.map((n) => [n.feature, n.pointsPerUnit]));
  const lines = ['feature,kind,label,low,high,value,points,points_per_unit'];
  for (const r of card.rows) {
    const ppu = r.kind === 'bin' ? num(perUnit.get(r.feature)) : '';
    lines.push([csvField(r.feature), r.kind, csvField(r.label), num(r.low), num(r.high), num(r.value), num(r.points), ppu].join(','));
  }
  return lines.join('\n') + '\n';
}

/** Escapes text for a Markdown table cell. */
function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}

const two = (x: number) => x.toFixed(2);
const short = (x: number) => (Number.isFinite(x) ? String(Number(x.toPrecision(6))) : x > 0 ? '∞' : '−∞');

/** The Markdown form. */
export function scorecardMarkdown(card: Scorecard, title = 'Scorecard'): string {
  const s = card.scaling;
  const out = [
    `# ${mdCell(title)}`,
    '',
    `Scaling: ${s.baseScore} points at good : bad odds of ${s.baseOdds} : 1, ${s.pdo} points to double the odds ` +
      `(factor = PDO / ln 2 = ${card.factor.toFixed(4)}, offset = ${card.offset.toFixed(4)}).`,
    `An applicant's score is the base points plus one row's points per feature; higher is lower risk.`,
    '',
    `| | points |`,
    `|---|---:|`,
    `| base points (offset − factor · intercept ${card.intercept.toFixed(6)}) | ${two(card.basePoints)} |`,
    '',
  ];
  const features = [...new Set(card.rows.filter((r) => r.kind !== 'base').map((r) => r.feature))];
  for (const feature of features) {
    const rows = card.rows.filter((r) => r.feature === feature);
    const n = card.numeric.find((x) => x.feature === feature);
    out.push(`## ${mdCell(feature)}`, '');
    if (n) {
      const unit = n.transform === 'log' ? 'of sign(x)·ln(1 + |x|) ' : '';
      out.push(`Numeric: ${n.pointsPerUnit.toFixed(4)} points per unit ${unit}(mean ${short(n.mean)}, std ${short(n.std)} after the transform); bins scored at their midpoint.`, '');
      out.push('| bin | midpoint | points |', '|---|---:|---:|');
      for (const r of rows) out.push(`| ${mdCell(r.label)} | ${r.value === undefined ? '' : short(r.value)} | ${two(r.points)} |`);
    } else {
      out.push('| level | points |', '|---|---:|');
      for (const r of rows) out.push(`| ${mdCell(levelLabel(r))} | ${two(r.points)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

/** A level's name, with the encoder's reserved levels spelled out. */
function levelLabel(r: ScorecardRow): string {
  if (r.label === '__other__') return '__other__ (a value outside the listed levels)';
  if (r.label === '__missing__') return '__missing__ (no value)';
  return r.label;
}

/** The JSON form: the whole scorecard (infinite bin bounds as null). */
export function scorecardJson(card: Scorecard): string {
  return JSON.stringify(card, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
}

/** The scorecard in `format`. */
export function renderScorecard(card: Scorecard, format: ScorecardFormat, title?: string): string {
  if (format === 'csv') return scorecardCsv(card);
  if (format === 'md') return scorecardMarkdown(card, title);
  return scorecardJson(card);
}
