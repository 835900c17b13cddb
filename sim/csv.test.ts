/**
 * Tests of the examples' CSV helpers: RFC 4180 quoting, round-trips through csv-parse, width
 * checks, and the tiny option parser of the example CLIs.
 */
import { describe, expect, it } from 'vitest';
import { formatCsv, formatField, intOption, parseCsv, parseOptions } from './csv.ts';

describe('formatField', () => {
  it('leaves plain fields alone and quotes only when needed', () => {
    expect(formatField('owner')).toBe('owner');
    expect(formatField('')).toBe('');
    expect(formatField('a,b')).toBe('"a,b"');
    expect(formatField('say "hi"')).toBe('"say ""hi"""');
    expect(formatField('two\nlines')).toBe('"two\nlines"');
    expect(formatField('cr\rhere')).toBe('"cr\rhere"');
  });
});

describe('formatCsv / parseCsv', () => {
  it('round-trips awkward cells, including empty ones', () => {
    const header = ['name', 'note', 'value'];
    const rows = [
      ['a', '', '1'],
      ['b, c', 'quote " inside', ''],
      ['multi\nline', ' spaced ', '-2.5'],
    ];
    const text = formatCsv(header, rows);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')[0]).toBe('name,note,value');
    expect(parseCsv(text)).toEqual({ header, rows });
  });

  it('refuses rows of the wrong width', () => {
    expect(() => formatCsv(['a', 'b'], [['1']])).toThrow(/row 0 has 1 cells/);
    expect(() => parseCsv('a,b\n1,2,3\n')).toThrow();
  });

  it('refuses an empty file', () => {
    expect(() => parseCsv('')).toThrow(/no header/);
  });
});

describe('parseOptions / intOption', () => {
  it('reads known options and rejects unknown or valueless ones', () => {
    expect(parseOptions(['--out', 'dir', '--seed', '3'], ['out', 'seed'])).toEqual({ out: 'dir', seed: '3' });
    expect(() => parseOptions(['--oops', '1'], ['out'])).toThrow(/unknown argument/);
    expect(() => parseOptions(['--out'], ['out'])).toThrow(/needs a value/);
    expect(() => parseOptions(['stray'], ['out'])).toThrow(/unknown argument/);
  });

  it('parses integers with a fallback', () => {
    expect(intOption({ seed: '12' }, 'seed', 1)).toBe(12);
    expect(intOption({}, 'seed', 1)).toBe(1);
    expect(() => intOption({ seed: '1.5' }, 'seed', 1)).toThrow(/integer/);
  });
});
