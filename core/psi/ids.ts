/**
 * Identifiers before private set intersection: each party canonicalizes its raw IDs the same way
 * (trim, case, an optional canonical form), so that "AB-123 " and "ab123" meet, and reports
 * what it had to leave out — empty IDs, IDs that do not fit the canonical form, repeats — with
 * counts and the first rows, instead of dropping them silently.
 */

/** How raw IDs are canonicalized (all parties of a run must use the same settings). */
export interface IdCanonicalization {
  /** Lower-case the ID (Unicode-aware); default true. */
  caseFold?: boolean;
  /**
   * `none` (default): the trimmed ID as is (NFKC-normalized); `alnum`: keep only letters and
   * digits (so punctuation and inner spaces do not matter); `digits`: keep only digits, and an
   * ID without any is malformed (national IDs, tax numbers).
   */
  form?: 'none' | 'alnum' | 'digits';
}

/** What canonicalization did to a column of IDs. */
export interface IdReport {
  /** Canonical IDs of the rows used, in row order of `rows`. */
  ids: string[];
  /** Row indices (into the input) of the IDs used: the first occurrence of each canonical ID. */
  rows: Uint32Array;
  empty: { count: number; firstRows: number[] };
  malformed: { count: number; firstRows: number[] };
  /** Rows whose canonical ID repeats an earlier row's (the earlier row is kept). */
  duplicate: { count: number; firstRows: number[] };
}

const FIRST = 5;

/** The canonical form of one raw ID, or '' when nothing is left. */
export function canonicalId(raw: string, c: IdCanonicalization = {}): string {
  let s = raw.normalize('NFKC').trim();
  if (c.caseFold ?? true) s = s.toLowerCase();
  if (c.form === 'alnum') s = s.replace(/[^\p{L}\p{N}]/gu, '');
  else if (c.form === 'digits') s = s.replace(/\D/g, '');
  return s;
}

type LeftOut = { count: number; firstRows: number[] };

/**
 * Canonicalizes a column of raw IDs a slice of rows at a time, so that a caller can start on the
 * IDs of earlier slices (or let other work run) before the column is done.
 */
export class IdCanonicalizer {
  private readonly seen = new Set<string>();
  /** Canonical IDs so far, in row order (first occurrences only). */
  readonly ids: string[] = [];
  private readonly rows: number[] = [];
  private readonly empty: LeftOut = { count: 0, firstRows: [] };
  private readonly malformed: LeftOut = { count: 0, firstRows: [] };
  private readonly duplicate: LeftOut = { count: 0, firstRows: [] };

  constructor(private readonly c: IdCanonicalization = {}) {}

  private static note(r: LeftOut, row: number): void {
    r.count++;
    if (r.firstRows.length < FIRST) r.firstRows.push(row);
  }

  /** Takes rows [from, to) of `raw` (slices must come in row order). */
  add(raw: readonly string[], from = 0, to = raw.length): void {
    for (let row = from; row < to; row++) {
      const value = raw[row]!;
      if (value.trim() === '') {
        IdCanonicalizer.note(this.empty, row);
        continue;
      }
      const id = canonicalId(value, this.c);
      if (id === '') IdCanonicalizer.note(this.malformed, row);
      else if (this.seen.has(id)) IdCanonicalizer.note(this.duplicate, row);
      else {
        this.seen.add(id);
        this.ids.push(id);
        this.rows.push(row);
      }
    }
  }

  /** The IDs used, their rows and what was left out, for the rows taken so far. */
  report(): IdReport {
    return { ids: this.ids, rows: Uint32Array.from(this.rows), empty: this.empty, malformed: this.malformed, duplicate: this.duplicate };
  }
}

/** Canonicalizes a column of raw IDs and reports empty, malformed and repeated ones. */
export function canonicalizeIds(raw: readonly string[], c: IdCanonicalization = {}): IdReport {
  const k = new IdCanonicalizer(c);
  k.add(raw);
  return k.report();
}
