/**
 * Small CSV helpers for the examples: RFC 4180 formatting (quote a field only when it contains a
 * comma, a double quote, CR or LF; double embedded quotes) and file reading/writing through
 * csv-parse. Lines end with LF, which every mainstream reader (including csv-parse) accepts;
 * RFC 4180 §2 names CRLF but its readers are meant to be lenient about it.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { fileURLToPath } from 'node:url';

/** A parsed CSV file: its header and its data rows (cells as strings, "" when empty). */
export interface CsvTable {
  header: string[];
  rows: string[][];
}

/** Formats one field per RFC 4180: quoted (with doubled quotes) only when it needs to be. */
export function formatField(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/**
 * Formats a header and rows as CSV text, one record per line, with a trailing newline.
 * Throws when a row's width differs from the header's, naming the row.
 */
export function formatCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [header.map(formatField).join(',')];
  rows.forEach((row, i) => {
    if (row.length !== header.length) {
      throw new RangeError(`row ${i} has ${row.length} cells, the header has ${header.length}`);
    }
    lines.push(row.map(formatField).join(','));
  });
  return lines.join('\n') + '\n';
}

/** Parses CSV text whose first record is the header; every record must have the header's width. */
export function parseCsv(text: string): CsvTable {
  const records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false }) as string[][];
  const [header, ...rows] = records;
  if (header === undefined) throw new RangeError('the CSV text has no header line');
  return { header, rows };
}

/** Reads and parses a CSV file. */
export function readCsvFile(path: string): CsvTable {
  return parseCsv(readFileSync(path, 'utf8'));
}

/** Writes a CSV file (creating its directory) and returns its path. */
export function writeCsvFile(path: string, header: readonly string[], rows: readonly (readonly string[])[]): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, formatCsv(header, rows), 'utf8');
  return path;
}

/**
 * Reads `--name value` options from an argument list (the examples' tiny CLIs). Unknown options
 * and options without a value throw, so a typo is not silently ignored.
 */
export function parseOptions(argv: readonly string[], known: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const args = argv[Symbol.iterator]();
  for (const arg of args) {
    const name = arg.startsWith('--') ? arg.slice(2) : '';
    if (!known.includes(name)) throw new RangeError(`unknown argument "${arg}" (known: ${known.map((k) => `--${k}`).join(', ')})`);
    // The option's value is the next argument: take it from the same iterator.
    const { value } = args.next();
    if (value === undefined || value.startsWith('--')) throw new RangeError(`option --${name} needs a value`);
    out[name] = value;
  }
  return out;
}

/** Parses an integer CLI option, with a default when absent; throws on anything else. */
export function intOption(opts: Record<string, string>, name: string, fallback: number): number {
  const raw = opts[name];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v)) throw new RangeError(`--${name} must be an integer, got "${raw}"`);
  return v;
}

/**
 * Runs `main(argv)` when the module at `moduleUrl` (its `import.meta.url`) is the script being
 * executed; an error is printed as one line and sets exit code 1.
 */
export function runAsScript(moduleUrl: string, main: (argv: readonly string[]) => void | Promise<void>): void {
  if (!process.argv[1] || resolve(process.argv[1]) !== fileURLToPath(moduleUrl)) return;
  const fail = (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  };
  try {
    const done = main(process.argv.slice(2));
    if (done instanceof Promise) done.catch(fail);
  } catch (err) {
    fail(err);
  }
}
