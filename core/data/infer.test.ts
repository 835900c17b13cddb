/** Tests of schema inference on in-memory rows (file-based inference is tested in participant/data). */
import { describe, expect, it } from 'vitest';
import { inferSchema } from './infer.ts';
import { DataSchemaSchema } from './schema.ts';
import { thrownBy } from '../../test/support/thrown-by.ts';


const header = ['id', 'status', 'income', 'home', 'empty', 'score'];
const rows = [
  ['a1', 'bad', '100', 'rent', '', '1'],
  ['a2', 'good', '', 'own', 'NA', '2'],
  ['a3', 'good', '120.5', 'rent', '', '3'],
  ['a4', 'ok', '90', '', '', '4'],
  ['a5', 'good', '80', 'rent', '', '5'],
];

describe('inferSchema', () => {
  it('classifies columns and explains the decisions', () => {
    const { schema, notes } = inferSchema(header, rows, { label: 'status', positive: 'bad', maxLevels: 4 });
    expect(DataSchemaSchema.parse(schema)).toEqual(schema);
    expect(schema.label).toEqual({ column: 'status', positive: 'bad', negative: ['good', 'ok'] });
    expect(schema.numeric).toEqual([
      { name: 'income', missing: 'mean', indicator: true, transform: 'none' },
      { name: 'score', missing: 'mean', indicator: false, transform: 'none' },
    ]);
    expect(schema.categorical).toEqual([{ name: 'home', levels: ['rent', 'own'], missing: 'level', unseen: 'other' }]);
    expect(schema.ignore).toEqual(['id', 'empty']);
    expect(notes).toEqual([
      'column "id": 5 distinct values (more than maxLevels = 4); probably an identifier or free text, ignored',
      'column "income": numeric with 1 missing value(s); imputed with the mean, plus a missing indicator',
      'column "home": categorical with 1 missing value(s); encoded as their own level',
      'column "empty": every value is missing; ignored',
    ]);
  });

  it('sorts levels by descending frequency, then name', () => {
    const r = ['b', 'a', 'c', 'a', 'b', 'z'].map((v, i) => [i === 0 ? 'bad' : 'good', v]);
    const { schema } = inferSchema(['y', 'v'], r, { label: 'y', positive: 'bad' });
    expect(schema.categorical[0]?.levels).toEqual(['a', 'b', 'c', 'z']);
  });

  it('notes a mostly numeric column with a few stray words', () => {
    const r = Array.from({ length: 40 }, (_, i) => [i % 3 ? 'good' : 'bad', i === 5 ? 'unknown' : String(i)]);
    const { schema, notes } = inferSchema(['y', 'v'], r, { label: 'y', positive: 'bad', maxLevels: 100 });
    expect(schema.categorical.map((f) => f.name)).toEqual(['v']);
    expect(notes[0]).toBe(
      'column "v": mostly numbers, but 1 cell(s) are not ("unknown" ×1); treated as categorical — if those cells mean ' +
        '"unknown", add them to missingValues and infer again',
    );
  });

  it('requires the label column, listing the columns found', () => {
    const e = thrownBy(() => inferSchema(header, rows, { label: 'Status', positive: 'bad', file: 'credit.csv' }));
    expect(e.message).toBe(
      'credit.csv line 1, column "Status": the label column "Status" is not in the header; the header has: ' +
        '"id", "status", "income", "home", "empty", "score"; did you mean "status"? (names are case-sensitive)',
    );
    expect([e.file, e.line, e.column]).toEqual(['credit.csv', 1, 'Status']);
  });

  it('requires the positive value to occur, listing the values seen', () => {
    const e = thrownBy(() => inferSchema(header, rows, { label: 'status', positive: 'Bad', file: 'credit.csv' }));
    expect(e.message).toBe(
      'credit.csv, column "status": the positive label "Bad" does not occur in the label column; values seen: ' +
        '"good" ×3, "bad" ×1, "ok" ×1; did you mean "bad"? (labels are case-sensitive)',
    );
  });

  it('fails clearly when nothing usable remains', () => {
    expect(() => inferSchema(['y', 'e'], [['bad', ''], ['good', '']], { label: 'y', positive: 'bad', file: 'f.csv' })).toThrow(
      'f.csv: cannot infer a usable schema: the schema has no features (numeric and categorical are both empty)',
    );
  });

  it('reports ragged rows with their line', () => {
    expect(() => inferSchema(['y', 'v'], [['bad', '1'], ['good']], { label: 'y', positive: 'bad', file: 'f.csv' })).toThrow(
      'f.csv line 3: the row has 1 cell but the header has 2 columns; a value or a delimiter is missing',
    );
  });
});
