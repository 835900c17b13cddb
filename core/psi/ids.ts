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

/** Canonicalizes a column of raw IDs and reports empty, malformed and repeated ones. */
export function canonicalizeIds(raw: readonly string[], c: IdCanonicalization = {}): IdReport {
  const seen = new Set<string>();
  const ids: string[] = [];
  const rows: number[] = [];
  const empty = { count: 0, firstRows: [] as number[] };
  const malformed = { count: 0, firstRows: [] as number[] };
  const duplicate = { count: 0, firstRows: [] as number[] };
  const note = (r: { count: number; firstRows: number[] }, row: number) => {
    r.count++;
    if (r.firstRows.length < FIRST) r.firstRows.push(row);
  };
  raw.forEach((value, row) => {
    if (value.trim() === '') return note(empty, row);
    const id = canonicalId(value, c);
    if (id === '') return note(malformed, row);
    if (seen.has(id)) return note(duplicate, row);
    seen.add(id);
    ids.push(id);
    rows.push(row);
  });
  return { ids, rows: Uint32Array.from(rows), empty, malformed, duplicate };
}
