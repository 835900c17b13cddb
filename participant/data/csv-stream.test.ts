/**
 * Tests of the streaming CSV reader: for every input, at block sizes that cut records, quoted
 * values and CRLF pairs apart, it must hand over exactly the header, rows and line numbers that the
 * whole-file reader (readCsvFile) returns, or throw the same DataError; and the fast block parser
 * must agree with csv-parse on what it accepts and decline what it does not.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testTempDir } from '../../test/support/temp-dir.ts';
import { thrownBy } from '../../test/support/thrown-by.ts';
import { completeRecordsLength, parseBlockFast } from './csv-fast.ts';
import { streamCsvFile } from './csv-stream.ts';
import type { StreamCsvOptions } from './csv-stream.ts';
import { parseCsvText, readCsvFile } from './csv.ts';

const tmp = testTempDir('csv-stream').dir;
let files = 0;

function tmpFile(content: string | Uint8Array): string {
  const p = join(tmp, `f${files++}.csv`);
  writeFileSync(p, content);
  return p;
}

/** Everything streamCsvFile hands over, in readCsvFile's shape. */
function streamAll(path: string, opts: StreamCsvOptions = {}): { header: string[]; rows: string[][]; lines: number[] } {
  let header: string[] = [];
  const rows: string[][] = [];
  const lines: number[] = [];
  streamCsvFile(path, { header: (cells) => void (header = cells), row: (cells, line) => (rows.push(cells.map(String)), lines.push(line)) }, opts);
  return { header, rows, lines };
}

const BLOCKS = [16, 23, 64, undefined];

const GOOD: Record<string, string> = {
  plain: 'a,b,c\n1,2,3\n4,5,6\n',
  'no final line break': 'a,b\n1,2\n3,4',
  crlf: 'a,b\r\n1,2\r\n\r\n3,4\r\n',
  bom: '\uFEFFid,v\n1,x\n2,y\n',
  'blank lines before the header and between rows': '\n\n  \nid,v\n\n1,x\n\n\n2,y\n',
  'quoted values with commas, quotes and line breaks': 'id,note,n\n1,"a, b",2\n2,"say ""hi""",3\n3,"two\nlines",4\n4,"cr\r\nlf",5\n5,x,6\n',
  'spaces around cells are trimmed': ' id , v \n 1 , "x" \n2,\t y\t\n',
  'a long record larger than a block': `id,v\n1,${'x'.repeat(200)}\n2,"${'y\n'.repeat(30)}"\n3,z\n`,
  'lone CR line ends': 'a,b\r1,2\r3,4\r',
  'non-ASCII text': 'nom,ville\nZoë,Zürich\n€,"𝄞, ok"\n',
  'plain records around ones that need csv-parse': 'id,v\n1,a\n2,b\n3, c \n4,"d\ne"\n5,f\n\n6,"g"\n7,h\n',
};

describe('streamCsvFile reads what readCsvFile reads', () => {
  for (const [name, content] of Object.entries(GOOD)) {
    it(name, () => {
      const f = tmpFile(content);
      const whole = readCsvFile(f);
      for (const blockBytes of BLOCKS) expect(streamAll(f, blockBytes ? { blockBytes } : {}), `block ${blockBytes}`).toEqual(whole);
    });
  }

  it('counts the lines of a big plain file the fast parser takes', () => {
    const body = Array.from({ length: 3000 }, (_, i) => `${i},"r${i}",${i % 7}${i % 500 === 0 ? '\r\n' : ''}`).join('\r\n');
    const f = tmpFile(`id,name,k\r\n${body}\r\n`);
    expect(streamAll(f, { blockBytes: 1000 })).toEqual(readCsvFile(f));
  });
});

const BAD: Record<string, string | Uint8Array> = {
  'empty file': '',
  'whitespace only': ' \n\n\t\n',
  'header without rows': 'a,b\n\n',
  'ragged row in a later block': `a,b\n${'1,2\n'.repeat(20)}3\n4,5\n`,
  'too many cells': 'a,b\n1,2\n3,4,5\n',
  'quote never closed': 'a,b\n1,2\n"3,4\n5,6\n',
  'misplaced quote': `a,b\n${'1,2\n'.repeat(10)}ab"c,4\n`,
  'character after a closing quote': 'a,b\n1,"2"x\n',
  'invalid UTF-8 in the header block': Uint8Array.from([...Buffer.from('a,b\n1,'), 0xe9, 0x0a]),
  'invalid UTF-8 in a later block': Uint8Array.from([...Buffer.from(`id,name\n${'1,x\n'.repeat(30)}2,"ca`), 0xe9, ...Buffer.from('"\n')]),
};

describe('streamCsvFile fails as readCsvFile fails', () => {
  for (const [name, content] of Object.entries(BAD)) {
    it(name, () => {
      const f = tmpFile(content);
      const expected = thrownBy(() => readCsvFile(f));
      for (const blockBytes of BLOCKS) {
        const got = thrownBy(() => streamAll(f, blockBytes ? { blockBytes } : {}));
        expect({ message: got.message, line: got.line, column: got.column }, `block ${blockBytes}`).toEqual({
          message: expected.message, line: expected.line, column: expected.column,
        });
      }
    });
  }

  it('applies the column limit to the header', () => {
    const f = tmpFile('a,b,c\n1,2,3\n');
    expect(thrownBy(() => streamAll(f, { maxColumns: 2 })).message).toBe(thrownBy(() => readCsvFile(f, { maxColumns: 2 })).message);
  });
});

describe('parseBlockFast', () => {
  it('hands plain-digit cells of the marked columns over as their values, and every other cell as text', () => {
    const text = 'a,b,c\n12,-7,x\n007,1.5,-\n-0,"9",999999999999999\n1000000000000000, 3,+4\n';
    const records: (string | number)[][] = [];
    // Column a and b marked, c not; the header is never converted.
    parseBlockFast(text, 1, undefined, (r) => records.push(r), () => Uint8Array.of(1, 1, 0));
    expect(records.slice(0, 3)).toEqual([['a', 'b', 'c'], [12, -7, 'x'], [7, '1.5', '-']]);
    expect(Object.is(records[3]![0], -0)).toBe(true);
    expect(records[3]!.slice(1)).toEqual(['9', '999999999999999']); // quoted: text; c unmarked: text
    // 16 digits stay text; so does the spaced cell (which stops the fast parser before it).
    expect(records.length).toBe(4);
  });


  it('gives the cells csv-parse gives for plain and quoted CSV', () => {
    const text = 'id,"na""me",v\n1,"a,b",\n\n2,"",3\n';
    const records: string[][] = [];
    const lines: number[] = [];
    const fast = parseBlockFast(text, 1, undefined, (r, at) => (records.push(r.map(String)), lines.push(at)));
    const slow = parseCsvText(text, 'x.csv');
    expect(records).toEqual([slow.header, ...slow.rows]);
    expect(lines).toEqual([1, ...slow.lines]);
    expect(fast).toEqual({ records: 3, width: 3, nextLine: 5, stop: -1 });
  });

  it('stops at the first record it cannot decide alone, after handing over the ones before it', () => {
    const cases: [string, Partial<ReturnType<typeof parseBlockFast>>][] = [
      ['a,b\n1, 2\n', { records: 1, stop: 4, nextLine: 2 }],
      ['a,b\n\n1,"x\ny"\n', { records: 1, stop: 5, nextLine: 3 }],
      ['a,b\n1,2,3\n', { records: 1, stop: 4 }],
      ['a,b\n1,x"y\n', { records: 1, stop: 4 }],
      ['a,b\n"1" ,2\n', { records: 1, stop: 4 }],
      ['a,b\n  \n', { records: 1, stop: 4 }],
      ['a,b\r1,2\r', { records: 0, stop: 0, nextLine: 1, width: undefined }],
      ['a,b\r\n1,2\n3,4\r\n', { records: 1, stop: 5, width: 2 }],
    ];
    for (const [text, expected] of cases) {
      let emitted = 0;
      expect(parseBlockFast(text, 1, undefined, () => emitted++), JSON.stringify(text)).toMatchObject(expected);
      expect(emitted).toBe(expected.records);
    }
  });
});

describe('completeRecordsLength', () => {
  it('cuts after the last line feed outside quotes', () => {
    const bytes = (s: string) => Buffer.from(s);
    expect(completeRecordsLength(bytes('a,b\n1,2\n3,'))).toBe(8);
    expect(completeRecordsLength(bytes('a,b\n1,"x\ny'))).toBe(4);
    expect(completeRecordsLength(bytes('a,b\n1,"x\ny"\n2'))).toBe(12);
    expect(completeRecordsLength(bytes('"a\nb"'))).toBe(0);
  });
});
