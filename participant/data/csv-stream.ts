/**
 * Streaming a CSV file record by record, so that a participant's table of millions of rows is
 * never held as text or as rows of strings: the file is read in blocks of whole records (cut after
 * a line feed outside quotes), each block is decoded as strict UTF-8 and parsed — by the fast
 * parser of csv-fast.ts up to the first record that is not plain, well-formed CSV, and from there
 * to the block's end by csv-parse — and every record goes to the caller with the physical line it
 * starts on. Memory is one block (64 KiB; more only when a single record is longer than that) plus
 * what the caller keeps. A sink may name columns (its header callback returns a mask) whose cells
 * of plain digits it takes as numbers: the fast parser then reads those cells' values straight
 * from the text and never makes their strings.
 *
 * Checks and messages are those of {@link readCsvFile}: file size limit, strict UTF-8 (byte offset,
 * line and column of the first invalid byte), BOM stripping, column limit, malformed quotes, ragged
 * rows, empty file, header without rows. Two differences: problems are found in file order, so a
 * syntax error early in a file is reported before an invalid byte further on; and in a file mixing
 * LF and CRLF line ends, csv-parse settles the line end per block, not once for the file.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { dataError } from '../../core/data/errors.ts';
import { completeRecordsLength, lineBreaksInText, parseBlockFast } from './csv-fast.ts';
import type { ReadCsvOptions } from './csv.ts';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_COLUMNS, csvColumnAt, decodeUtf8, describeFsError, fileSize, firstInvalidUtf8, parseCsvRecords } from './csv.ts';

/** Default size of one read, in bytes. */
export const CSV_BLOCK_BYTES = 64 * 1024;

/** What {@link streamCsvFile} calls: once with the header, then once per data row. */
export interface CsvRecordSink {
  /**
   * The header's cells and a guess of the number of data rows (from the first block's density).
   * May return a mask of columns (1 = yes) whose cells of plain digits the sink takes as numbers.
   */
  header(cells: string[], expectedRows: number): Uint8Array | undefined;
  /** A data row: text cells, and numbers in the columns the header's mask marked (plain-digit cells only). */
  row(cells: (string | number)[], line: number): void;
}

/** Options of {@link streamCsvFile}: the reader's limits and the block size (tests use tiny blocks). */
export interface StreamCsvOptions extends ReadCsvOptions {
  blockBytes?: number;
}

/**
 * Reads `path` block by block and hands its header and rows to `sink`; returns the number of data
 * rows. Throws a DataError naming the file (and line, column) like {@link readCsvFile}; a sink may
 * throw too, which stops the reading.
 */
export function streamCsvFile(path: string, sink: CsvRecordSink, opts: StreamCsvOptions = {}): number {
  const size = fileSize(path, opts.maxBytes ?? DEFAULT_MAX_BYTES);
  const maxColumns = opts.maxColumns ?? DEFAULT_MAX_COLUMNS;
  let buffer: Buffer = Buffer.allocUnsafe(Math.max(16, Math.min(opts.blockBytes ?? CSV_BLOCK_BYTES, size + 1)));
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw dataError({ file: path }, `cannot read the file: ${describeFsError(e)}`, e);
  }
  let filled = 0; // bytes of `buffer` holding data not yet parsed
  let fileOffset = 0; // file offset of buffer[0]
  let line = 1; // physical line of buffer[0]
  let width: number | undefined; // header's cell count once seen
  let headerCells: string[] | undefined;
  let rows = 0;
  let blank = ''; // leading whitespace-only text: the file may still turn out to be empty
  let numbers: Uint8Array | undefined; // columns the sink takes as numbers
  const onRecord = (cells: (string | number)[], at: number, expectedRows: number): void => {
    if (width !== undefined) {
      rows++;
      sink.row(cells, at);
      return;
    }
    if (cells.length > maxColumns) {
      throw dataError({ file: path, line: at }, `the line has ${cells.length} columns, more than the limit of ${maxColumns}; is this the right file and delimiter?`);
    }
    // The header record is parsed with width unknown, so its cells are all text.
    const header = cells as string[];
    width = header.length;
    headerCells = header;
    numbers = sink.header(header, expectedRows);
  };
  try {
    for (;;) {
      if (filled === buffer.length) buffer = grow(buffer);
      const got = readSync(fd, buffer, filled, buffer.length - filled, null);
      filled += got;
      const atEnd = got === 0;
      const cut = atEnd ? filled : completeRecordsLength(buffer.subarray(0, filled));
      if (cut === 0 && !atEnd) continue; // no complete record yet: read more
      const bytes = buffer.subarray(0, cut);
      let text = decodeBlock(bytes, path, fileOffset, line, headerCells);
      if (fileOffset === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (width === undefined && text.trim() === '') {
        blank += text;
        line += lineBreaksInText(text);
      } else {
        const all = blank + text;
        const firstLine = line - lineBreaksInText(blank);
        blank = '';
        const expectedRows = width === undefined ? Math.ceil((countLineFeeds(bytes) / Math.max(1, cut)) * size) : 0;
        const fast = parseBlockFast(all, firstLine, width, (r, at) => onRecord(r, at, expectedRows), () => numbers);
        line = fast.nextLine;
        if (fast.stop >= 0) {
          const rest = fast.stop === 0 ? all : all.slice(fast.stop);
          const known = fast.width;
          parseCsvRecords(rest, path, { maxColumns, firstLine: line, ...(known !== undefined && { width: known }) }, (r, at) => onRecord(r, at, expectedRows));
          line += lineBreaksInText(rest);
        }
      }
      if (atEnd) break;
      buffer.copy(buffer, 0, cut, filled);
      filled -= cut;
      fileOffset += cut;
    }
  } finally {
    closeSync(fd);
  }
  if (width === undefined) throw dataError({ file: path }, 'file is empty (expected a header line followed by data rows)');
  if (rows === 0) throw dataError({ file: path }, 'file has a header but no data rows');
  return rows;
}

/** A buffer twice as large holding the same bytes (one record is longer than a block). */
function grow(buffer: Buffer): Buffer {
  const bigger = Buffer.allocUnsafe(buffer.length * 2);
  buffer.copy(bigger);
  return bigger;
}

function countLineFeeds(bytes: Uint8Array): number {
  let n = 0;
  for (let at = bytes.indexOf(0x0a); at >= 0; at = bytes.indexOf(0x0a, at + 1)) n++;
  return n;
}

/**
 * Decodes one block as strict UTF-8. An invalid byte is reported as readCsvFile reports it: byte
 * offset in the file, line, and the column it lies in (found from the header and the block).
 */
function decodeBlock(bytes: Uint8Array, file: string, fileOffset: number, line: number, header: string[] | undefined): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    if (fileOffset === 0) return decodeUtf8(bytes, file, { csv: true }); // throws with the exact position
    const local = firstInvalidUtf8(bytes);
    let at = line;
    for (let i = 0; i < local; i++) if (bytes[i] === 0x0a) at++;
    const hex = (bytes[local] ?? 0).toString(16).toUpperCase().padStart(2, '0');
    const headerLine = Buffer.from(`${(header ?? []).map((h) => `"${h.replaceAll('"', '""')}"`).join(',')}\n`);
    const column = csvColumnAt(Buffer.concat([headerLine, bytes]), headerLine.length + local);
    throw dataError(
      { file, line: at, ...(column !== undefined ? { column } : {}) },
      `invalid UTF-8 byte 0x${hex} at byte offset ${fileOffset + local}; the file must be UTF-8 encoded — ` +
        're-save it as UTF-8 (it is probably Latin-1 or Windows-1252)',
    );
  }
}
