/** Tests of the CSV reader: decoding, limits, line numbers and csv-parse error conversion. */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { csvColumnAt, decodeUtf8, firstInvalidUtf8, parseCsvText, readCsvFile } from './csv.ts';
import { testTempDir } from '../../test/support/temp-dir.ts';
import { thrownBy } from '../../test/support/thrown-by.ts';

const fixture = (name: string) => relative(process.cwd(), fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)));
const tmp = testTempDir('csv').dir;

/** Writes `content` to a temporary file and returns its path. */
function tmpFile(name: string, content: string | Uint8Array): string {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
}


describe('readCsvFile', () => {
  it('strips a BOM, handles CRLF, blank lines and multi-line quoted values, and tracks lines', () => {
    const { header, rows, lines } = readCsvFile(fixture('bom_crlf.csv'));
    expect(header).toEqual(['id', 'status', 'income', 'age', 'debt', 'home', 'job']);
    expect(rows.map((r) => r[0])).toEqual(['1', '2', '3']);
    expect(rows[1]![6]).toBe('free\r\nlance');
    expect(lines).toEqual([2, 4, 6]);
  });

  it('names a file that does not exist, and a directory', () => {
    const f = fixture('nope.csv');
    expect(thrownBy(() => readCsvFile(f)).message).toBe(`${f}: cannot read the file: no such file (check the path)`);
    expect(thrownBy(() => readCsvFile(tmp)).message).toBe(`${tmp}: is a directory, expected a file`);
  });

  it('rejects empty and blank files', () => {
    const f = fixture('empty.csv');
    expect(thrownBy(() => readCsvFile(f)).message).toBe(`${f}: file is empty (expected a header line followed by data rows)`);
    const blank = tmpFile('blank.csv', '\n  \r\n\n');
    expect(thrownBy(() => readCsvFile(blank)).message).toBe(`${blank}: file is empty (expected a header line followed by data rows)`);
  });

  it('reports invalid UTF-8 with line and byte offset', () => {
    const f = fixture('non_utf8.csv');
    const e = thrownBy(() => readCsvFile(f));
    expect(e.message).toBe(
      `${f} line 4, column "home": invalid UTF-8 byte 0xE9 at byte offset 113; the file must be UTF-8 encoded — ` +
        're-save it as UTF-8 (it is probably Latin-1 or Windows-1252)',
    );
    expect([e.file, e.line, e.column]).toEqual([f, 4, 'home']);
  });

  it('reports a ragged row at its line', () => {
    const f = fixture('ragged.csv');
    const e = thrownBy(() => readCsvFile(f));
    expect(e.message).toBe(`${f} line 4: the row has 6 cells but the header has 7 columns; a value or a delimiter is missing`);
    expect(e.line).toBe(4);
  });

  it('rejects a line with too many columns early, naming the line', () => {
    const wide = tmpFile('wide.csv', `${Array.from({ length: 100_000 }, (_, i) => `c${i}`).join(',')}\n1,2\n`);
    expect(thrownBy(() => readCsvFile(wide)).message).toBe(
      `${wide} line 1: the line has 100000 columns, more than the limit of 10000; is this the right file and delimiter?`,
    );
    const ok = tmpFile('ok.csv', 'a,b,c\n1,2,3\n');
    expect(thrownBy(() => readCsvFile(ok, { maxColumns: 2 })).message).toContain('line 1: the line has 3 columns');
  });

  it('rejects files over the size limit', () => {
    const f = fixture('good.csv');
    expect(thrownBy(() => readCsvFile(f, { maxBytes: 10 })).message).toMatch(
      new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the file is \\d+ bytes, more than the limit of 10 bytes`),
    );
  });
});

describe('parseCsvText', () => {
  it('reports quote problems at the line where the row starts', () => {
    expect(thrownBy(() => parseCsvText('a,b\n1,2\n"3,4\n5,6\n', 'q.csv')).message).toBe(
      'q.csv line 3: a quoted value in the row starting on this line is never closed (the quote runs to the end of the file); ' +
        'look for a stray " character',
    );
    expect(thrownBy(() => parseCsvText('a,b\n1,2\nab"c,4\n', 'q.csv')).message).toMatch(
      /^q\.csv line 3: misplaced double quote in the row starting on this line/,
    );
  });

  it('counts a CRLF inside a quoted value as one line', () => {
    expect(thrownBy(() => parseCsvText('a,b\r\n1,"x\r\ny"\r\n3\r\n', 'c.csv')).line).toBe(4);
  });

  it('trims cells and accepts spaces around quoted values', () => {
    expect(parseCsvText(' a , b \n 1 , "2" \n', 't.csv')).toEqual({ header: ['a', 'b'], rows: [['1', '2']], lines: [2] });
  });

  it('rejects a header without rows', () => {
    expect(thrownBy(() => parseCsvText('a,b\n', 'h.csv')).message).toBe('h.csv: file has a header but no data rows');
  });
});

describe('UTF-8 decoding', () => {
  it('finds the first invalid byte', () => {
    const enc = new TextEncoder();
    expect(firstInvalidUtf8(enc.encode('héllo €𝄞'))).toBe(enc.encode('héllo €𝄞').length);
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0xc3]))).toBe(1); // truncated sequence
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0xc0, 0x80]))).toBe(1); // overlong
    expect(firstInvalidUtf8(Uint8Array.from([0xed, 0xa0, 0x80]))).toBe(0); // surrogate
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0x62, 0xff]))).toBe(2);
  });

  it('names the CSV column of a bad byte: quote-aware, past multi-line values, not in the header', () => {
    const bytes = (s: string, bad: number) => {
      const enc = new TextEncoder().encode(s);
      const out = new Uint8Array(enc.length + 1);
      out.set(enc);
      out[enc.length] = bad;
      return out;
    };
    const at = (b: Uint8Array) => csvColumnAt(b, b.length - 1);
    expect(at(bytes('\uFEFFa,b,c\r\n1,"x,y",', 0xe9))).toBe('c');
    expect(at(bytes('\n  \na,b,c\n1,"multi\nline",', 0xe9))).toBe('c');
    expect(at(bytes('a,b,c\n1,2,3\n', 0xe9))).toBe('a');
    expect(at(bytes('\uFEFF\nx,y\n1,', 0xe9))).toBe('y'); // a BOM on a blank first line
    expect(at(bytes('a,b', 0xe9))).toBeUndefined(); // in the header
    expect(at(bytes('a,b\n1,2,3,', 0xe9))).toBeUndefined(); // past the header's columns
    const file = tmpFile('latin1.csv', bytes('a,b,c\n1,2,caf', 0xe9));
    expect(thrownBy(() => readCsvFile(file)).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} line 2, column "c": invalid UTF-8 byte 0xE9 at byte offset 13;`));
  });

  it('strips a BOM and reports the line of a bad byte', () => {
    expect(decodeUtf8(Uint8Array.from([0xef, 0xbb, 0xbf, 0x61]), 'f')).toBe('a');
    expect(thrownBy(() => decodeUtf8(Uint8Array.from([0x61, 0x0a, 0x62, 0x0a, 0x96]), 'f')).message).toMatch(
      /^f line 3: invalid UTF-8 byte 0x96 at byte offset 4/,
    );
  });
});
