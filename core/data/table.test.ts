/** Tests of validateTable: typed output, and the exact message of each kind of bad input. */
import { describe, expect, it } from 'vitest';
import { DataError } from './errors.ts';
import type { DataSchema } from './schema.ts';
import { DataSchemaSchema, encodedLevels } from './schema.ts';
import { subsetTable, validateTable } from './table.ts';

const schema: DataSchema = DataSchemaSchema.parse({
  label: { column: 'y', positive: 'bad', negative: ['good'] },
  numeric: [{ name: 'x', missing: 'mean', indicator: true }, { name: 'z', missing: 'error' }],
  categorical: [
    { name: 'c', levels: ['a', 'b'], missing: 'level', unseen: 'other' },
    { name: 'd', levels: ['u', 'v'], missing: 'error', unseen: 'error' },
  ],
  ignore: ['id'],
});
const header = ['id', 'y', 'x', 'z', 'c', 'd'];

/** Runs validateTable and returns the thrown DataError (fails the test if none is thrown). */
function failure(rows: string[][], h = header, s = schema, opts = {}): DataError {
  try {
    validateTable(h, rows, s, 'credit.csv', opts);
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError');
}

describe('validateTable', () => {
  it('builds typed columns', () => {
    const rows = [
      ['1', 'good', '1.5', '2', 'a', 'u'],
      ['2', ' bad ', 'NA', '3', '', 'v'],
      ['3', 'good', ' -4 ', '5', 'b', 'u'],
    ];
    const { table, warnings } = validateTable(header, rows, schema, 'credit.csv');
    expect(table.n).toBe(3);
    expect(Array.from(table.labels)).toEqual([0, 1, 0]);
    expect(Array.from(table.numeric[0]!)).toEqual([1.5, Number.NaN, -4]);
    expect(Array.from(table.numeric[1]!)).toEqual([2, 3, 5]);
    const levels = encodedLevels(schema.categorical[0]!);
    expect(Array.from(table.categorical[0]!).map((k) => levels[k])).toEqual(['a', '__missing__', 'b']);
    expect(Array.from(table.categorical[1]!)).toEqual([0, 1, 0]);
    expect(warnings).toEqual([]);
  });

  it('reports a wrong-type cell with file, line and column', () => {
    const rows = [['1', 'good', '1', '2', 'a', 'u'], ['2', 'good', 'abc', '2', 'a', 'u']];
    const e = failure(rows);
    expect(e.message).toBe('credit.csv line 3, column "x": expected a number, got "abc"');
    expect([e.file, e.line, e.column]).toEqual(['credit.csv', 3, 'x']);
  });

  it('uses the line numbers given by the reader', () => {
    const e = failure([['1', 'good', '1', '2', 'a', 'u'], ['2', 'good', '12abc', '2', 'a', 'u']], header, schema, { lines: [2, 9] });
    expect(e.line).toBe(9);
    expect(e.message).toMatch(/^credit\.csv line 9, column "x": expected a number, got "12abc"/);
  });

  it('lists several problems at once, capped by maxErrors', () => {
    const rows = [
      ['1', 'maybe', 'Infinity', '', 'a', 'w'],
      ['2', '', '1', '2', 'a', ''],
      ['3', 'good', '1'],
    ];
    const e = failure(rows, header, schema, { maxErrors: 5 });
    expect(e.message).toBe(
      'credit.csv: 7 problems found (line numbers count the header as line 1; showing the first 5):\n' +
        '  line 2, column "y": unexpected label "maybe"; expected "bad" (positive) or "good" (negative)\n' +
        '  line 2, column "x": expected a number, got "Infinity"; only finite numbers are allowed — if the value is unknown, ' +
        'leave the cell empty or use a missing-value marker (the schema\'s missingValues: "", "NA", "NaN", "null")\n' +
        '  line 2, column "z": the value is missing, and the schema does not allow missing values for this feature ' +
        '(missing: "error") — fill it in, or set missing to "mean" or "zero"\n' +
        '  line 2, column "d": unknown category "w"; the schema\'s levels are "u", "v" (add it to levels, or set unseen: ' +
        '"other" to encode unknown values as "__other__")\n' +
        '  line 3, column "y": the label is missing; every row needs an outcome ("bad" (positive) or "good" (negative)) — ' +
        'fill it in or remove the row',
    );
    expect(e.problems).toHaveLength(5);
    expect([e.line, e.column]).toEqual([2, 'y']);
  });

  it('reports ragged rows', () => {
    const e = failure([['1', 'good', '1', '2', 'a', 'u', 'extra']]);
    expect(e.message).toBe(
      'credit.csv line 2: the row has 7 cells but the header has 6 columns; a value may contain an unquoted comma — ' +
        'put such values in double quotes',
    );
  });

  it('names missing columns and the columns found', () => {
    const e = failure([['1', 'good', '1', 'a']], ['id', 'y', 'X', 'c']);
    expect(e.message).toBe(
      'credit.csv line 1, column "x": missing column(s) required by the schema: "x", "z", "d"; the header has: ' +
        '"id", "y", "X", "c"; did you mean: "x" → found "X"? (names are case-sensitive)',
    );
  });

  it('rejects duplicate header names', () => {
    const e = failure([['1', 'good', '1', '2', 'a', 'u', '3']], [...header, 'x']);
    expect(e.message).toBe(
      'credit.csv line 1: the header names a column more than once: "x" (columns 3 and 7); rename or remove the duplicates',
    );
  });

  it('rejects empty input and header-only input', () => {
    expect(failure([], []).message).toBe('credit.csv: file is empty (expected a header line followed by data rows)');
    expect(failure([]).message).toBe('credit.csv: file has a header but no data rows');
  });

  it('maps unseen categories to __other__ with one aggregated warning per feature', () => {
    const rows = [
      ['1', 'good', '1', '2', 'q', 'u'],
      ['2', 'good', '1', '2', 'r', 'u'],
      ['3', 'good', '1', '2', 'q', 'u'],
      ['4', 'good', '1', '2', 'a', 'u'],
    ];
    const { table, warnings } = validateTable([...header, 'note'], rows.map((r) => [...r, '']), schema, 'credit.csv');
    expect(Array.from(table.categorical[0]!)).toEqual([2, 2, 2, 0]);
    expect(warnings).toEqual([
      'credit.csv: column(s) not in the schema are ignored: "note" (list them under "ignore" in the schema to silence this warning)',
      'credit.csv, column "c": 2 value(s) not among the schema\'s levels were encoded as "__other__" in 3 row(s) ' +
        '(first on line 2): "q" ×2, "r" ×1',
    ]);
  });

  it('treats any non-positive label as negative when no negatives are listed', () => {
    const open = DataSchemaSchema.parse({ ...schema, label: { column: 'y', positive: 'bad' } });
    const { table } = validateTable(header, [['1', 'fine', '1', '2', 'a', 'u']], open, 'credit.csv');
    expect(table.labels[0]).toBe(0);
  });

  it('with labelOptional accepts a header without the label column, and still checks one that is there', () => {
    const noLabel = ['id', 'x', 'z', 'c', 'd'];
    const { table, labelled, warnings } = validateTable(noLabel, [['1', '1.5', '2', 'a', 'u']], schema, 'applicants.csv', { labelOptional: true });
    expect(labelled).toBe(false);
    expect(Array.from(table.labels)).toEqual([0]);
    expect(Array.from(table.numeric[0]!)).toEqual([1.5]);
    expect(warnings).toEqual([]);
    expect(validateTable(header, [['1', 'bad', '1', '2', 'a', 'u']], schema, 'applicants.csv', { labelOptional: true }).labelled).toBe(true);
    expect(failure([['1', 'maybe', '1', '2', 'a', 'u']], header, schema, { labelOptional: true }).message).toMatch(/line 2, column "y": unexpected label "maybe"/);
    expect(failure([['1', '1.5', '2', 'a', 'u']], noLabel).message).toMatch(/missing column\(s\) required by the schema: "y"/);
  });

  it('rejects a lines option with fewer line numbers than rows', () => {
    const rows = [['1', 'good', '1', '2', 'a', 'u'], ['2', 'bad', '1', '2', 'a', 'u']];
    expect(() => validateTable(header, rows, schema, 'credit.csv', { lines: [2] })).toThrow(
      expect.objectContaining({ name: 'CoreInputError', parameter: 'lines', message: 'validateTable: opts.lines has 1 line numbers for 2 rows' }),
    );
    expect(validateTable(header, rows, schema, 'credit.csv', { lines: [2, 4] }).table.n).toBe(2);
  });
});

describe('subsetTable', () => {
  it('picks rows in the given order and rejects out-of-range indices', () => {
    const rows = [0, 1, 2, 3].map((i) => [String(i), i % 2 ? 'bad' : 'good', String(i * 10), '1', 'a', 'v']);
    const { table } = validateTable(header, rows, schema, 'f.csv');
    const sub = subsetTable(table, Uint32Array.from([3, 0]));
    expect(sub.n).toBe(2);
    expect(Array.from(sub.labels)).toEqual([1, 0]);
    expect(Array.from(sub.numeric[0]!)).toEqual([30, 0]);
    expect(() => subsetTable(table, Uint32Array.from([4]))).toThrow(/index 4 at position 0 is out of range/);
  });
});
