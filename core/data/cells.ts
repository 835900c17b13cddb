/**
 * Cell-level parsing shared by validation ({@link validateTable}) and schema inference: strict
 * decimal numbers, missing-value markers, and explanations of why a cell is not a number.
 *
 * Numbers are parsed strictly — `Number()` alone would accept "", "0x1F", "Infinity" and " " —
 * so a cell is numeric only if it is a plain decimal literal (optional sign, digits, optional
 * fraction, optional exponent) whose value is finite in a 64-bit float.
 *
 * Pure module: no I/O.
 */
import { quoteValue } from './errors.ts';

/**
 * Reads a plain integer at text[from, end): an optional minus sign, then 1–15 ASCII digits (most
 * cells of credit data: amounts, ages, counts), digit by digit; `scan.end` is set to the index
 * after the last digit. Undefined when there is no digit or more than 15. Below 10^15 every step
 * is exact in a double, so when the digits are the whole cell the value is what `Number` gives
 * for it, −0 included. The streaming CSV parser reads cells straight from its block with it.
 */
export function leadingInteger(text: string, from: number, end: number, scan: { end: number }): number | undefined {
  const negative = text.charCodeAt(from) === 0x2d;
  const first = negative ? from + 1 : from;
  let i = first;
  let v = 0;
  for (; i < end; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
  }
  if (i === first || i - first > 15) return undefined;
  scan.end = i;
  return negative ? -v : v;
}

/** Scratch for {@link parseNumberCell}'s call of {@link leadingInteger} (read at once, so one object serves). */
const integerScan = { end: 0 };

/** A plain decimal literal: optional sign, digits with optional fraction, optional exponent. */
export const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE_WORD = /^[+-]?(?:nan|inf|infinity)$/i;

/**
 * Parses a numeric cell. Surrounding whitespace is ignored. Returns the value, or `undefined`
 * when the cell is not a finite decimal number (the caller explains why with {@link describeNonNumber}).
 */
export function parseNumberCell(raw: string): number | undefined {
  const whole = leadingInteger(raw, 0, raw.length, integerScan);
  if (whole !== undefined && integerScan.end === raw.length) return whole;
  // Only a cell that starts or ends with a space-like or non-ASCII character can need trimming.
  const first = raw.charCodeAt(0);
  const last = raw.charCodeAt(raw.length - 1);
  const s = first <= 0x20 || first >= 0x80 || last <= 0x20 || last >= 0x80 ? raw.trim() : raw;
  if (!isDecimalLiteral(s)) return undefined;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

/**
 * Whether `s` matches {@link DECIMAL}, by a scan of its characters (this runs for every numeric
 * cell of every file, and the scan is several times faster than the regular expression).
 */
export function isDecimalLiteral(s: string): boolean {
  const n = s.length;
  let i = 0;
  if (isSign(s.charCodeAt(0))) i++;
  let end = digitsEnd(s, i);
  let digits = end - i;
  i = end;
  if (i < n && s.charCodeAt(i) === 0x2e) {
    end = digitsEnd(s, i + 1);
    digits += end - i - 1;
    i = end;
  }
  if (digits === 0) return false;
  if (i < n && (s.charCodeAt(i) | 0x20) === 0x65) {
    i++;
    if (isSign(s.charCodeAt(i))) i++;
    end = digitsEnd(s, i);
    if (end === i) return false;
    i = end;
  }
  return i === n;
}

function isSign(c: number): boolean {
  return c === 0x2b || c === 0x2d;
}

/** Index just past the run of ASCII digits in `s` starting at `from`. */
function digitsEnd(s: string, from: number): number {
  let k = from;
  while (k < s.length && s.charCodeAt(k) >= 0x30 && s.charCodeAt(k) <= 0x39) k++;
  return k;
}

/**
 * Explains why a cell is not a usable number, with the fix where one is obvious, e.g.
 * `expected a number, got "1,5"; use "." as the decimal separator and no thousands separators`.
 */
export function describeNonNumber(raw: string, missingValues: readonly string[]): string {
  const s = raw.trim();
  const got = `expected a number, got ${quoteValue(raw)}`;
  if (NON_FINITE_WORD.test(s)) {
    const markers = missingValues.length ? missingValues.map((m) => JSON.stringify(m)).join(', ') : 'none';
    return (
      `${got}; only finite numbers are allowed — if the value is unknown, leave the cell empty or use ` +
      `a missing-value marker (the schema's missingValues: ${markers})`
    );
  }
  if (DECIMAL.test(s)) return `${got}; the value is out of range (too large for a 64-bit float)`;
  if (/^[+-]?[\d.,\s']+$/.test(s) && /\d/.test(s)) {
    return `${got}; use "." as the decimal separator and no thousands separators (e.g. 1234.5)`;
  }
  if (/^[+-]?0x[0-9a-f]+$/i.test(s)) return `${got}; hexadecimal is not accepted, write the decimal value`;
  if (/^\D*[+-]?\d[\d.]*\D*$/.test(s)) {
    return `${got}; remove units, currency or percent signs so the cell holds only the number`;
  }
  return got;
}

/** A fast membership test for the schema's missing-value markers (cells are compared after trimming). */
export function missingMarkers(missingValues: readonly string[]): (cell: string) => boolean {
  const set = new Set(missingValues.map((m) => m.trim()));
  return (cell: string) => set.has(cell.trim());
}

/** Counts occurrences of each value, returning entries sorted by descending count, then by value. */
export function countValues(values: Iterable<string>): [string, number][] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return sortCounts(counts);
}

/** Sorts a value→count map by descending count, then by value (code-unit order, locale-independent). */
export function sortCounts(counts: Map<string, number>): [string, number][] {
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Renders value counts as `"a" ×3, "b" ×1`, listing at most `max` values. */
export function formatCounts(entries: readonly [string, number][], max = 10): string {
  const shown = entries.slice(0, max).map(([v, c]) => `${quoteValue(v)} ×${c}`);
  if (entries.length > max) shown.push(`… (${entries.length - max} more)`);
  return shown.join(', ');
}
