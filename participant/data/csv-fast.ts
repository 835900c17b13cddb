/**
 * A fast parser for the common, well-formed part of a CSV file: one block of text that ends at a
 * record boundary, parsed into cells with a single pass of `charCodeAt`. It accepts only records
 * whose meaning is beyond doubt — comma-separated cells ending in LF or CRLF, plain cells without
 * quotes or surrounding whitespace, quoted cells (with `""` for a quote) that start right after a
 * comma or line start, hold no line break and are followed by a comma or the line end, empty
 * lines, and exactly `width` cells per record. On anything else it returns `undefined` and the
 * caller parses the block with the general RFC 4180 parser (csv-parse), whose result and error
 * messages are then the authority. For accepted input both parsers give the same cells.
 *
 * Line convention as in csv.ts: physical lines, counted from `firstLine` at the block's start.
 */

/** Records of one block with the physical line each starts on. */
export interface ParsedBlock {
  records: string[][];
  lines: number[];
  /** Physical line just past the block (firstLine + line breaks in it). */
  nextLine: number;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Parses `text` (which must end with a line break or be the end of the file) into records of
 * `width` cells, or returns undefined when the block needs the general parser. `width` undefined
 * means "take the first record's width" (the header's block).
 */
export function parseBlockFast(text: string, firstLine: number, width: number | undefined): ParsedBlock | undefined {
  const records: string[][] = [];
  const lines: number[] = [];
  const end = text.length;
  let line = firstLine;
  let i = 0;
  // csv-parse takes the first line ending it meets as the record delimiter; a block mixing LF and
  // CRLF is left to it so that both parsers agree.
  let endings = 0; // bit 1: LF seen, bit 2: CRLF seen
  while (i < end) {
    const c0 = text.charCodeAt(i);
    if (c0 === LF) {
      endings |= 1;
      line++;
      i++;
      continue;
    }
    if (c0 === CR) {
      if (text.charCodeAt(i + 1) !== LF) return undefined;
      endings |= 2;
      line++;
      i += 2;
      continue;
    }
    const cells: string[] = [];
    for (;;) {
      let cell: string;
      if (text.charCodeAt(i) === QUOTE) {
        let start = i + 1;
        let value = '';
        for (;;) {
          const q = text.indexOf('"', start);
          if (q < 0) return undefined;
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(start, q + 1);
            start = q + 2;
            continue;
          }
          value += text.slice(start, q);
          i = q + 1;
          break;
        }
        if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) return undefined;
        cell = value;
      } else {
        const start = i;
        while (i < end) {
          const c = text.charCodeAt(i);
          if (c === COMMA || c === LF || c === CR) break;
          if (c === QUOTE) return undefined;
          i++;
        }
        if (i > start && (text.charCodeAt(start) <= 0x20 || text.charCodeAt(i - 1) <= 0x20)) return undefined;
        cell = text.slice(start, i);
      }
      cells.push(cell);
      const c = i < end ? text.charCodeAt(i) : LF;
      if (c === COMMA) {
        i++;
        continue;
      }
      if (c === CR) {
        if (text.charCodeAt(i + 1) !== LF) return undefined;
        endings |= 2;
        i++;
      } else if (c !== LF) return undefined;
      else if (i < end) endings |= 1;
      i++;
      break;
    }
    if (endings === 3) return undefined;
    if (width === undefined) width = cells.length;
    else if (cells.length !== width) return undefined;
    records.push(cells);
    lines.push(line);
    line++;
  }
  return { records, lines, nextLine: line };
}

/**
 * Length of the longest prefix of `bytes` that ends right after a line feed outside double
 * quotes (0 when there is none): the part of a read buffer that holds only complete records.
 * Quote parity is exact for well-formed CSV; for malformed CSV the general parser reports the
 * problem in the block that holds the stray quote.
 */
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
