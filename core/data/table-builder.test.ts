/**
 * The row sink on its own: rows fed one at a time past its initial capacity, NULL cells as
 * missing whatever the schema's markers, and `row N` locations for sources without lines.
 */
import { describe, expect, it } from 'vitest';
import { thrownBy } from '../../test/support/thrown-by.ts';
import { DataSchemaSchema } from './schema.ts';
import { TableBuilder } from './table-builder.ts';

const schema = DataSchemaSchema.parse({
  label: { column: 'y', positive: '1', negative: ['0'] },
  numeric: [{ name: 'x', missing: 'mean' }],
  categorical: [{ name: 'c', levels: ['a', 'b'], unseen: 'other' }],
  missingValues: ['NA'],
});

describe('TableBuilder', () => {
  it('grows past its capacity and keeps every value in order', () => {
    const b = new TableBuilder(['y', 'x', 'c'], schema, 'src', { numbering: 'row', expectedRows: 2 });
    for (let i = 0; i < 9; i++) b.add([String(i % 2), String(i * 1.5), i % 3 === 0 ? 'a' : 'b'], i + 1);
    const { table } = b.finish();
    expect(table.n).toBe(9);
    expect(Array.from(table.labels)).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0]);
    expect(Array.from(table.numeric[0]!)).toEqual([0, 1.5, 3, 4.5, 6, 7.5, 9, 10.5, 12]);
    expect(Array.from(table.categorical[0]!)).toEqual([0, 1, 1, 0, 1, 1, 0, 1, 1]);
    expect(table.labels.length).toBe(9);
  });

  it('treats null as missing even where the schema has no empty-cell marker', () => {
    const b = new TableBuilder(['y', 'x', 'c'], schema, 'src', { numbering: 'row' });
    b.add(['1', null, null], 1);
    b.add(['0', '', 'z'], 2);
    const e = thrownBy(() => b.finish());
    // "" is not among this schema's markers, so it is a bad number; null is simply missing.
    expect(e.message).toBe('src row 2, column "x": expected a number, got ""');
    const ok = new TableBuilder(['y', 'x', 'c'], schema, 'src', { numbering: 'row' });
    ok.add(['1', null, null], 1);
    ok.add(['0', '2', 'z'], 2);
    const { table, warnings } = ok.finish();
    expect(Number.isNaN(table.numeric[0]![0])).toBe(true);
    expect(table.categorical[0]![0]).toBe(3); // a, b, __other__, __missing__
    expect(warnings).toEqual(['src, column "c": 1 value(s) not among the schema\'s levels were encoded as "__other__" in 1 row(s) (first on row 2): "z" ×1']);
  });

  it('names the header problems without a line, and an empty source with its own message', () => {
    expect(thrownBy(() => new TableBuilder(['y', 'c'], schema, 'query', { numbering: 'row' })).message).toBe(
      'query, column "x": missing column(s) required by the schema: "x"; the header has: "y", "c"',
    );
    const empty = new TableBuilder(['y', 'x', 'c'], schema, 'query', { numbering: 'row', emptyMessage: 'the query returned no rows' });
    expect(thrownBy(() => empty.finish()).message).toBe('query: the query returned no rows');
  });
});
