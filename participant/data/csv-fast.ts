/**
 * A fast parser for the common, well-formed part of a CSV file: one block of text that ends at a
 * record boundary, parsed into cells with a single pass of `charCodeAt`. It accepts only records
 * whose meaning is beyond doubt — comma-separated cells ending in LF or CRLF, plain cells without
 * quotes or surrounding whitespace, quoted cells (with `""` for a quote) that start right after a
 * comma or line start, hold no line break and are followed by a comma or the line end, empty
 * lines, exactly `width` cells per record, and one kind of line ending. At the first record that
 * is anything else it stops, and the caller parses the rest of the block with the general RFC 4180
 * parser (csv-parse), whose result and error messages are then the authority. For the records it
 * accepts both parsers give the same cells.
 *
 * Line convention as in csv.ts: physical lines, counted from `firstLine` at the block's start.
 */
import { leadingInteger } from '../../core/data/cells.ts';

/** How far {@link parseBlockFast} got through a block. */
export interface FastBlock {
  /** Records handed over (the header included when it is in the block). */
  records: number;
  /** Cells per record (the header's), or undefined before the first record. */
  width: number | undefined;
  /** Physical line of `stop`, or just past the block when it was all read. */
  nextLine: number;
  /** Offset in the text of the first record left to the general parser; -1 when none was. */
  stop: number;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Parses `text` (which must end with a line break or be the end of the file), handing each record
 * of `width` cells (undefined: the first record's width) and the line it starts on to `emit`, and
 * stops at the first record it cannot decide alone: the caller hands the rest of the block, from
 * `stop`, to the general parser. Every record handed over is one csv-parse reads the same way, so
 * the split changes nothing but the speed, and each record's strings can be dropped as soon as the
 * caller has consumed them.
 */
export function parseBlockFast(
  text: string,
  firstLine: number,
  width: number | undefined,
  emit: (cells: (string | number)[], line: number) => void,
  numbers?: () => Uint8Array | undefined,
): FastBlock {
  const end = text.length;
  let line = firstLine;
  let i = 0;
  let records = 0;
  // csv-parse takes the first line ending it meets as the record delimiter; a block mixing LF and
  // CRLF is left to it so that both parsers agree.
  let endings = 0; // bit 1: LF seen, bit 2: CRLF seen
  let recordStart = 0;
  const stopHere = (): FastBlock => ({ records, width, nextLine: line, stop: recordStart });
  const scan = { end: 0 }; // where the last plain-digit cell ended
  while (i < end) {
    recordStart = i;
    const c0 = text.charCodeAt(i);
    if (c0 === LF) {
      endings |= 1;
      line++;
      i++;
      continue;
    }
    if (c0 === CR) {
      if (text.charCodeAt(i + 1) !== LF) return stopHere();
      endings |= 2;
      line++;
      i += 2;
      continue;
    }
    const cells: (string | number)[] = [];
    // Past the header, the columns `numbers` marks take a cell of plain digits as its value.
    const asNumber = width === undefined ? undefined : numbers?.();
    for (;;) {
      if (text.charCodeAt(i) === QUOTE) {
        const open = i;
        let start = i + 1;
        let value = '';
        for (;;) {
          const q = text.indexOf('"', start);
          if (q < 0) return stopHere();
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(start, q + 1);
            start = q + 2;
            continue;
          }
          value += text.slice(start, q);
          i = q + 1;
          break;
        }
        const lf = text.indexOf('\n', open);
        const cr = text.indexOf('\r', open);
        if ((lf >= 0 && lf < i) || (cr >= 0 && cr < i)) return stopHere(); // a line break inside quotes
        cells.push(value);
      } else {
        const start = i;
        const value = asNumber !== undefined && asNumber[cells.length] === 1 ? plainIntegerAt(text, start, end, scan) : undefined;
        if (value !== undefined) {
          // A cell of plain digits ends where its digits do, at a comma or line break.
          i = scan.end;
          cells.push(value);
        } else {
          while (i < end) {
            const c = text.charCodeAt(i);
            if (c === COMMA || c === LF || c === CR) break;
            if (c === QUOTE) return stopHere();
            i++;
          }
          if (i > start && (text.charCodeAt(start) <= 0x20 || text.charCodeAt(i - 1) <= 0x20)) return stopHere();
          cells.push(text.slice(start, i));
        }
      }
      const c = i < end ? text.charCodeAt(i) : LF;
      if (c === COMMA) {
        i++;
        continue;
      }
      if (c === CR) {
        if (text.charCodeAt(i + 1) !== LF) return stopHere();
        endings |= 2;
        i++;
      } else if (c !== LF) return stopHere();
      else if (i < end) endings |= 1;
      i++;
      break;
    }
    if (endings === 3) return stopHere();
    if (width === undefined) width = cells.length;
    else if (cells.length !== width) return stopHere();
    emit(cells, line);
    records++;
    line++;
  }
  return { records, width, nextLine: line, stop: -1 };
}

/**
 * Length of the longest prefix of `bytes` that ends right after a line feed outside double
 * quotes (0 when there is none): the part of a read buffer that holds only complete records.
 * Quote parity is exact for well-formed CSV; for malformed CSV the general parser reports the
 * problem in the block that holds the stray quote.
 */
/**
 * The value of the cell starting at `from` when it is a plain integer (core/data/cells.ts
 * `leadingInteger`) followed by a comma, a line break or the end of the text — the value
 * `parseNumberCell` gives that cell — with `scan.end` where it ends; undefined for any other cell.
 */
function plainIntegerAt(text: string, from: number, end: number, scan: { end: number }): number | undefined {
  const v = leadingInteger(text, from, end, scan);
  if (v === undefined || scan.end === end) return v;
  const c = text.charCodeAt(scan.end);
  return c === COMMA || c === LF || c === CR ? v : undefined;
}

export function completeRecordsLength(bytes: Uint8Array): number {
  let firstQuote = bytes.indexOf(QUOTE);
  if (firstQuote < 0) return bytes.lastIndexOf(LF) + 1;
  let cut = bytes.lastIndexOf(LF, firstQuote) + 1;
  // Jump from quote to quote; between a closing quote and the next opening one, the last line
  // feed is a record boundary.
  for (;;) {
    const close = bytes.indexOf(QUOTE, firstQuote + 1);
    if (close < 0) return cut;
    const next = bytes.indexOf(QUOTE, close + 1);
    const lf = bytes.lastIndexOf(LF, next < 0 ? bytes.length - 1 : next);
    if (lf > close) cut = lf + 1;
    if (next < 0) return cut;
    firstQuote = next;
  }
}

/** Physical line breaks in `text` (CRLF, CR or LF, each counting once). */
export function lineBreaksInText(text: string): number {
  let breaks = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) breaks++;
  }
  return breaks;
}
