/**
 * A vertical party's table from parsed CSV cells: the ID column, the label column (label holder
 * only), and every other column as model inputs — numbers as they are (an empty cell is
 * missing), optionally log-transformed, and text columns one-hot encoded with the most frequent
 * level as the reference. Errors name the column and the 1-based data row.
 */
import type { VerticalPartyData } from './state.ts';

/** How a party reads its table. */
export interface VerticalTableOptions {
  idColumn: string;
  /** The label holder's 0/1 label column. */
  labelColumn?: string;
  /** With a text label: the value that means "defaulted" (1); any other value is 0. */
  positiveLabel?: string;
  /** Numeric columns to transform with sign(x)·log(1 + |x|) (counts, amounts). */
  logColumns?: readonly string[];
  /** Columns that are not model inputs. */
  ignore?: readonly string[];
  /** Name of the file, for error messages. */
  source?: string;
}

/** How one input column is computed from a table's cells (kept to encode new applicants the same way). */
export type ColumnEncoding = { source: string; kind: 'number' | 'log' } | { source: string; kind: 'level'; level: string };

/** Encodes rows of cells (any column order; `header` names them) with the encoding of a party's training table. */
export function encodeRows(encoding: readonly ColumnEncoding[], header: readonly string[], rows: readonly (readonly string[])[], where = 'applicants'): Float64Array[] {
  return encoding.map((e) => {
    const at = header.indexOf(e.source);
    if (at < 0) throw new Error(`${where}: the column "${e.source}" the model was trained on is missing`);
    return Float64Array.from(rows, (r, i) => {
      const cell = (r[at] ?? '').trim();
      if (e.kind === 'level') return cell === e.level ? 1 : 0;
      if (cell === '') return Number.NaN;
      const v = Number(cell);
      if (!Number.isFinite(v)) throw new Error(`${where}: row ${i + 1}, column "${e.source}": "${cell}" is not a number`);
      return e.kind === 'log' ? Math.sign(v) * Math.log1p(Math.abs(v)) : v;
    });
  });
}

/** Builds the party's data from a header and rows of cells. */
export function verticalPartyData(header: readonly string[], rows: readonly (readonly string[])[], o: VerticalTableOptions): VerticalPartyData {
  const where = o.source ?? 'table';
  const col = (name: string, what: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${where}: the ${what} "${name}" is not a column (columns: ${header.join(', ')})`);
    return i;
  };
  const idAt = col(o.idColumn, 'ID column');
  const labelAt = o.labelColumn === undefined ? -1 : col(o.labelColumn, 'label column');
  for (const c of [...(o.logColumns ?? []), ...(o.ignore ?? [])]) col(c, 'listed column');
  rows.forEach((r, i) => {
    if (r.length !== header.length) throw new Error(`${where}: row ${i + 1} has ${r.length} cells, the header ${header.length}`);
  });
  const ids = rows.map((r) => r[idAt]!);
  let labels: Float64Array | undefined;
  if (labelAt >= 0) {
    labels = Float64Array.from(rows, (r, i) => {
      const cell = r[labelAt]!.trim();
      if (o.positiveLabel !== undefined) {
        if (cell === '') throw new Error(`${where}: row ${i + 1}: the label "${o.labelColumn}" is empty`);
        return cell === o.positiveLabel ? 1 : 0;
      }
      if (cell !== '0' && cell !== '1') throw new Error(`${where}: row ${i + 1}: the label "${o.labelColumn}" is "${cell}", not 0 or 1 (set a positive label value for text labels)`);
      return Number(cell);
    });
  }
  const skip = new Set([o.idColumn, ...(o.labelColumn ? [o.labelColumn] : []), ...(o.ignore ?? [])]);
  const logs = new Set(o.logColumns ?? []);
  const columns: string[] = [];
  const values: Float64Array[] = [];
  const encoding: ColumnEncoding[] = [];
  header.forEach((name, j) => {
    if (skip.has(name)) return;
    const cells = rows.map((r) => r[j]!.trim());
    const numeric = cells.every((c) => c === '' || Number.isFinite(Number(c)));
    if (numeric) {
      columns.push(name);
      encoding.push({ source: name, kind: logs.has(name) ? 'log' : 'number' });
      values.push(Float64Array.from(cells, (c) => {
        if (c === '') return Number.NaN;
        const v = Number(c);
        return logs.has(name) ? Math.sign(v) * Math.log1p(Math.abs(v)) : v;
      }));
      return;
    }
    if (logs.has(name)) {
      const bad = cells.findIndex((c) => c !== '' && !Number.isFinite(Number(c)));
      throw new Error(`${where}: row ${bad + 1}, column "${name}": "${cells[bad]}" is not a number, but the column is listed for the log transform`);
    }
    const counts = new Map<string, number>();
    for (const c of cells) counts.set(c, (counts.get(c) ?? 0) + 1);
    const levels = [...counts.keys()].sort();
    const reference = levels.reduce((a, b) => ((counts.get(b) ?? 0) > (counts.get(a) ?? 0) ? b : a), levels[0]!);
    for (const level of levels) {
      if (level === reference) continue;
      columns.push(`${name}=${level === '' ? '(missing)' : level}`);
      encoding.push({ source: name, kind: 'level', level });
      values.push(Float64Array.from(cells, (c) => (c === level ? 1 : 0)));
    }
  });
  return { ids, columns, values, encoding, ...(labels ? { labels } : {}) };
}
