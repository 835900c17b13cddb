/** Tests of strict number parsing, missing markers, the error collector and location formatting. */
import { describe, expect, it } from 'vitest';
import { DECIMAL, countValues, describeNonNumber, formatCounts, isDecimalLiteral, missingMarkers, parseNumberCell } from './cells.ts';
import { DataError, ErrorCollector, dataError, formatLocation } from './errors.ts';

describe('isDecimalLiteral', () => {
  it('agrees with the DECIMAL expression on every string of up to 5 characters from a decimal alphabet', () => {
    const alphabet = ['0', '7', '.', 'e', 'E', '+', '-', ' ', 'x'];
    let strings = [''];
    let checked = 0;
    for (let len = 0; len <= 5; len++) {
      for (const s of strings) {
        expect(isDecimalLiteral(s), JSON.stringify(s)).toBe(DECIMAL.test(s));
        checked++;
      }
      strings = strings.flatMap((s) => alphabet.map((c) => s + c));
    }
    expect(checked).toBe((9 ** 6 - 1) / 8);
  });
});

describe('parseNumberCell', () => {
  it('reads plain integers exactly as Number() does (the digit-by-digit path), and everything else as before', () => {
    const cells = ['0', '-0', '7', '007', '-12', '999999999999999', '-999999999999999', '1000000000000000', '9007199254740993', '-', '-+1', '+5', '12 ', ' 12', '1_0', '١٢'];
    for (const c of cells) {
      const expected = c.trim() !== '' && isDecimalLiteral(c.trim()) ? Number(c.trim()) : undefined;
      expect(Object.is(parseNumberCell(c), expected), c).toBe(true);
    }
    let state = 5;
    for (let k = 0; k < 2000; k++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      const digits = String(state).repeat(1 + (k % 3)).slice(0, 1 + (k % 18));
      const c = k % 2 ? `-${digits}` : digits;
      expect(parseNumberCell(c), c).toBe(Number(c));
    }
  });

  it.each([
    ['12', 12],
    [' 12.5 ', 12.5],
    ['-3', -3],
    ['+4', 4],
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['1.5E-2', 0.015],
    ['\t7\t', 7],
  ])('accepts %j', (cell, value) => {
    expect(parseNumberCell(cell)).toBe(value);
  });

  it.each(['', ' ', 'NaN', 'nan', 'Infinity', '-Infinity', '1e999', '12abc', 'abc', '0x10', '1,5', '1 000', '$5', '1e', '.', '--1'])(
    'rejects %j',
    (cell) => {
      expect(parseNumberCell(cell)).toBeUndefined();
    },
  );
});

describe('describeNonNumber', () => {
  const mv = ['', 'NA'];
  it('gives the plain message for words', () => {
    expect(describeNonNumber('abc', mv)).toBe('expected a number, got "abc"');
  });
  it('suggests a missing marker for NaN/Infinity', () => {
    expect(describeNonNumber('NaN', mv)).toBe(
      'expected a number, got "NaN"; only finite numbers are allowed — if the value is unknown, leave the cell empty ' +
        'or use a missing-value marker (the schema\'s missingValues: "", "NA")',
    );
  });
  it('explains overflow, separators, hex and units', () => {
    expect(describeNonNumber('1e999', mv)).toContain('out of range');
    expect(describeNonNumber('1,200', mv)).toContain('use "." as the decimal separator');
    expect(describeNonNumber('0x1F', mv)).toContain('hexadecimal');
    expect(describeNonNumber('12%', mv)).toContain('remove units');
  });
  it('shortens very long cells', () => {
    expect(describeNonNumber('x'.repeat(100), mv)).toBe(`expected a number, got "${'x'.repeat(40)}…"`);
  });
});

describe('missingMarkers and counts', () => {
  it('compares after trimming', () => {
    const isMissing = missingMarkers(['', 'NA']);
    expect(isMissing('  ')).toBe(true);
    expect(isMissing(' NA ')).toBe(true);
    expect(isMissing('na')).toBe(false);
    expect(isMissing('0')).toBe(false);
  });
  it('sorts counts by frequency then value', () => {
    expect(countValues(['b', 'a', 'c', 'b', 'a', 'd'])).toEqual([
      ['a', 2],
      ['b', 2],
      ['c', 1],
      ['d', 1],
    ]);
    expect(formatCounts([['a', 2], ['b', 1]], 1)).toBe('"a" ×2, … (1 more)');
  });
});

describe('DataError and ErrorCollector', () => {
  it('formats locations', () => {
    expect(formatLocation({ file: 'c.csv', line: 17, column: 'Income' })).toBe('c.csv line 17, column "Income"');
    expect(formatLocation({ file: 'c.csv', column: 'Income' })).toBe('c.csv, column "Income"');
    expect(formatLocation({ line: 3 })).toBe('line 3');
    const e = dataError({ file: 'c.csv', line: 17, column: 'Income' }, 'expected a number, got "abc"');
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toBe('c.csv line 17, column "Income": expected a number, got "abc"');
    expect([e.file, e.line, e.column]).toEqual(['c.csv', 17, 'Income']);
  });

  it('does nothing without problems and throws one problem as is', () => {
    const c = new ErrorCollector('c.csv');
    expect(() => c.throwIfAny()).not.toThrow();
    c.add(5, 'Age', 'bad');
    expect(() => c.throwIfAny()).toThrow(DataError);
    expect(() => c.throwIfAny()).toThrow(/^c\.csv line 5, column "Age": bad$/);
  });

  it('lists up to maxErrors problems and counts the rest', () => {
    const c = new ErrorCollector('c.csv', 2);
    c.add(2, 'A', 'one');
    c.add(3, undefined, 'two');
    c.add(4, 'B', 'three');
    expect(c.count).toBe(3);
    let err: DataError | undefined;
    try {
      c.throwIfAny();
    } catch (e) {
      err = e as DataError;
    }
    expect(err?.message).toBe(
      'c.csv: 3 problems found (line numbers count the header as line 1; showing the first 2):\n' +
        '  line 2, column "A": one\n' +
        '  line 3: two',
    );
    expect([err?.file, err?.line, err?.column]).toEqual(['c.csv', 2, 'A']);
    expect(err?.problems).toEqual(['c.csv line 2, column "A": one', 'c.csv line 3: two']);
  });

  it('still throws a DataError naming the file when maxErrors is 0 and no problem was kept', () => {
    const c = new ErrorCollector('c.csv', 0);
    c.add(2, 'A', 'one');
    c.add(3, undefined, 'two');
    expect(c.count).toBe(2);
    expect(() => c.throwIfAny()).toThrow(DataError);
    expect(() => c.throwIfAny()).toThrow(/^c\.csv: 2 problems found \(none listed: maxErrors is 0\)$/);
  });
});
