/**
 * Tests of loading schema and CSV files from the fixtures: the exact user-facing message of each
 * bad input, a good round trip, and inference + loading of the real credit_data file.
 */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeTable, preprocessingFromStats, statsContribution } from '../../core/data/preprocess.ts';
import { DataSchemaSchema, encodedLevels, inputDim } from '../../core/data/schema.ts';
import { formatJsonPath, inferSchemaFromFile, loadSchemaFile, loadTable, readCsvFile } from './load.ts';
import { TableBuilder } from '../../core/data/table-builder.ts';
import { testTempDir } from '../../test/support/temp-dir.ts';
import { thrownBy } from '../../test/support/thrown-by.ts';

const tmp = testTempDir('load');
const fixture = (name: string) => relative(process.cwd(), fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)));
const schema = loadSchemaFile(fixture('schema.json'));


describe('loadSchemaFile', () => {
  it('loads and fills defaults', () => {
    expect(schema.label).toEqual({ column: 'status', positive: 'bad', negative: ['good'] });
    expect(schema.numeric.map((f) => f.name)).toEqual(['income', 'age', 'debt']);
    expect(schema.missingValues).toEqual(['', 'NA']);
  });

  it('names the file and the JSON path of every invalid field', () => {
    const f = fixture('bad_schema.json');
    const e = thrownBy(() => loadSchemaFile(f));
    expect(e.message).toBe(
      `${f}: 2 problems in the schema:\n` +
        `  ${f}: numeric[2].missing: Invalid option: expected one of "mean"|"zero"|"error"\n` +
        `  ${f}: categorical[0].levels: a categorical feature needs at least one level`,
    );
    expect(e.problems).toHaveLength(2);
    expect(e.file).toBe(f);
  });

  it('gives line, column and position of a JSON syntax error', () => {
    const f = fixture('malformed_schema.json');
    const e = thrownBy(() => loadSchemaFile(f));
    expect(e.message).toBe(
      `${f} line 5: invalid JSON at column 5 (character 100): Expected ',' or ']' after array element in JSON at position 100`,
    );
    expect(e.line).toBe(5);
  });

  it('names a missing schema file', () => {
    const f = fixture('missing.json');
    expect(thrownBy(() => loadSchemaFile(f)).message).toBe(`${f}: cannot read the file: no such file (check the path)`);
  });

  it('formats JSON paths', () => {
    expect(formatJsonPath(['numeric', 2, 'missing'])).toBe('numeric[2].missing');
    expect(formatJsonPath(['a b', 0])).toBe('["a b"][0]');
    expect(formatJsonPath([])).toBe('');
  });
});

describe('loadTable on fixtures', () => {
  it('round-trips the good file', () => {
    const { table, warnings } = loadTable(fixture('good.csv'), schema);
    expect(warnings).toEqual([]);
    expect(table.n).toBe(6);
    expect(Array.from(table.labels)).toEqual([0, 1, 0, 1, 0, 0]);
    expect(Array.from(table.numeric[0]!)).toEqual([120, 80.5, Number.NaN, 95, 200, 150]);
    expect(Array.from(table.numeric[2]!)).toEqual([0, 1500, Number.NaN, 200, 0, Number.NaN]);
    const job = encodedLevels(schema.categorical[1]!);
    expect(Array.from(table.categorical[1]!).map((k) => job[k])).toEqual(['fixed', 'freelance', 'fixed', '__missing__', 'fixed', 'freelance']);
    const prep = preprocessingFromStats(statsContribution(table, schema), schema);
    expect(prep.mean[0]).toBeCloseTo((120 + 80.5 + 95 + 200 + 150) / 5, 12);
    expect(encodeTable(table, schema, prep).length).toBe(6 * inputDim(schema));
  });

  it('missing column: lists the missing and the found columns', () => {
    const f = fixture('missing_column.csv');
    const e = thrownBy(() => loadTable(f, schema));
    expect(e.message).toBe(
      `${f} line 1, column "age": missing column(s) required by the schema: "age", "home"; the header has: ` +
        '"id", "status", "income", "debt", "Home", "job"; did you mean: "home" → found "Home"? (names are case-sensitive)',
    );
  });

  it('wrong type: every bad cell with line and column', () => {
    const f = fixture('wrong_type.csv');
    const e = thrownBy(() => loadTable(f, schema));
    expect(e.message).toBe(
      `${f}: 3 problems found (line numbers count the header as line 1):\n` +
        '  line 3, column "income": expected a number, got "abc"\n' +
        '  line 4, column "income": expected a number, got "1,200"; use "." as the decimal separator and no thousands separators (e.g. 1234.5)\n' +
        '  line 5, column "age": expected a number, got "12abc"; remove units, currency or percent signs so the cell holds only the number',
    );
    expect([e.file, e.line, e.column]).toEqual([f, 3, 'income']);
    expect(e.problems[0]).toBe(`${f} line 3, column "income": expected a number, got "abc"`);
  });

  it('unseen category: __other__ plus one aggregated warning; an error where unseen is "error"', () => {
    const f = fixture('unseen_category.csv');
    const { table, warnings } = loadTable(f, schema);
    expect(Array.from(table.categorical[1]!)).toEqual([0, 2, 2, 2, 0]);
    expect(warnings).toEqual([
      `${f}, column "job": 2 value(s) not among the schema's levels were encoded as "__other__" in 3 row(s) ` +
        '(first on line 3): "retired" ×2, "student" ×1',
    ]);
    const strict = DataSchemaSchema.parse({
      ...schema,
      categorical: schema.categorical.map((c) => ({ ...c, unseen: 'error' })),
    });
    const e = thrownBy(() => loadTable(f, strict, { maxErrors: 1 }));
    expect(e.message).toBe(
      `${f}: 3 problems found (line numbers count the header as line 1; showing the first 1):\n` +
        '  line 3, column "job": unknown category "retired"; the schema\'s levels are "fixed", "freelance" ' +
        '(add it to levels, or set unseen: "other" to encode unknown values as "__other__")',
    );
  });

  it('NaN / Infinity / overflow: rejected, with the missing-value hint', () => {
    const f = fixture('nan.csv');
    const e = thrownBy(() => loadTable(f, schema));
    const hint = 'only finite numbers are allowed — if the value is unknown, leave the cell empty or use a missing-value marker ' +
      '(the schema\'s missingValues: "", "NA")';
    expect(e.message).toBe(
      `${f}: 3 problems found (line numbers count the header as line 1):\n` +
        `  line 2, column "income": expected a number, got "NaN"; ${hint}\n` +
        `  line 3, column "age": expected a number, got "Infinity"; ${hint}\n` +
        '  line 4, column "income": expected a number, got "1e999"; the value is out of range (too large for a 64-bit float)',
    );
  });

  it('empty, header-only, non-UTF-8 and ragged files', () => {
    const msg = (name: string) => thrownBy(() => loadTable(fixture(name), schema)).message;
    expect(msg('empty.csv')).toBe(`${fixture('empty.csv')}: file is empty (expected a header line followed by data rows)`);
    expect(msg('header_only.csv')).toBe(`${fixture('header_only.csv')}: file has a header but no data rows`);
    expect(msg('non_utf8.csv')).toBe(
      `${fixture('non_utf8.csv')} line 4, column "home": invalid UTF-8 byte 0xE9 at byte offset 113; the file must be UTF-8 encoded — ` +
        're-save it as UTF-8 (it is probably Latin-1 or Windows-1252)',
    );
    expect(msg('ragged.csv')).toBe(
      `${fixture('ragged.csv')} line 4: the row has 6 cells but the header has 7 columns; a value or a delimiter is missing`,
    );
  });

  it('reports physical lines past blank lines and multi-line values (BOM + CRLF file)', () => {
    const f = fixture('bom_crlf.csv');
    const e = thrownBy(() => loadTable(f, schema));
    expect(e.message).toBe(
      `${f} line 6, column "age": the value is missing, and the schema does not allow missing values for this feature ` +
        '(missing: "error") — fill it in, or set missing to "mean" or "zero"',
    );
  });

  it('a 100,000-column data line: rejected quickly at its line, nothing parsed past it', () => {
    const dir = tmp.sub('load');
    const f = join(dir, 'wide-row.csv');
    const wide = Array.from({ length: 100_000 }, (_, i) => String(i)).join(',');
    // A quoted comma on line 2 must not count as a column separator.
    writeFileSync(f, `id,status,income,age,debt,home,job\n1,good,120,30,0,rent,"fixed, full-time"\n${wide}\n3,good,1,2,3,rent,fixed\n`);
    const started = performance.now();
    const e = thrownBy(() => loadTable(f, schema));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(e.message).toBe(`${f} line 3: the line has 100000 columns, more than the limit of 10000; is this the right file and delimiter?`);
    expect([e.file, e.line]).toEqual([f, 3]);
  });

  it('a line just within a raised column limit is then checked against the header', () => {
    const dir = tmp.sub('load');
    const f = join(dir, 'wide-ok.csv');
    writeFileSync(f, `id,status,income,age,debt,home,job\n${Array.from({ length: 100_000 }, () => '1').join(',')}\n`);
    expect(thrownBy(() => loadTable(f, schema, { maxColumns: 100_000 })).message).toBe(
      `${f} line 2: the row has 100000 cells but the header has 7 columns; a value may contain an unquoted comma — put such values in double quotes`,
    );
  });

  it('warns about columns the schema does not mention', () => {
    const dir = tmp.sub('load');
    const f = join(dir, 'extra.csv');
    writeFileSync(f, 'id,status,income,age,debt,home,job,notes\n1,good,1,2,3,rent,fixed,hello\n');
    expect(loadTable(f, schema).warnings).toEqual([
      `${f}: column(s) not in the schema are ignored: "notes" (list them under "ignore" in the schema to silence this warning)`,
    ]);
  });
});

describe('credit_data (real data)', () => {
  // The example data set, one copy in the repository (examples/data).
  const file = relative(process.cwd(), fileURLToPath(new URL('../../examples/data/credit_data.csv', import.meta.url)));

  it('infers the expected schema', () => {
    const { schema: s, notes } = inferSchemaFromFile(file, { label: 'Status', positive: 'bad' });
    expect(s.label).toEqual({ column: 'Status', positive: 'bad', negative: ['good'] });
    expect(s.numeric.map((f) => f.name)).toEqual(['Seniority', 'Time', 'Age', 'Expenses', 'Income', 'Assets', 'Debt', 'Amount', 'Price']);
    expect(s.numeric.filter((f) => f.indicator).map((f) => f.name)).toEqual(['Income', 'Assets', 'Debt']);
    expect(s.categorical.map((f) => f.name)).toEqual(['Home', 'Marital', 'Records', 'Job']);
    expect(s.categorical[2]!.levels).toEqual(['no', 'yes']);
    expect(s.categorical.every((f) => f.missing === 'level' && f.unseen === 'other')).toBe(true);
    expect(s.ignore).toEqual([]);
    expect(notes).toContain('column "Income": numeric with 381 missing value(s); imputed with the mean, plus a missing indicator');
  });

  it('loads all 4454 rows with 28.2% positives under the inferred schema', () => {
    const { schema: s } = inferSchemaFromFile(file, { label: 'Status', positive: 'bad' });
    const { table, warnings } = loadTable(file, s);
    expect(warnings).toEqual([]);
    expect(table.n).toBe(4454);
    const positives = table.labels.reduce((a, b) => a + b, 0);
    expect((100 * positives) / table.n).toBeCloseTo(28.2, 1);
    const prep = preprocessingFromStats(statsContribution(table, s), s);
    expect(prep.std.every((v) => v > 0 && Number.isFinite(v))).toBe(true);
    expect(encodeTable(table, s, prep).every((v) => Number.isFinite(v))).toBe(true);
  });
});

describe('loadTable reads plain-digit numeric cells straight from the text', () => {
  // The streaming parser hands numeric cells of plain digits to the TableBuilder as numbers; every
  // other cell goes as text. Loading must give exactly what the text path gives, value for value
  // (−0 and NaN included), and the same problems.
  // Plain cells only (the fast parser reads whole files of them), then quoted and padded cells too
  // (it hands the rest of a block to csv-parse from the first), then invalid ones.
  const PLAIN = ['0', '-0', '7', '007', '-12', '42', '999999999999999', '1000000000000000', '12345678901234567', '1.5', '-2.25', '1e3', '', 'NA', '+3'];
  const cellsFor = (rng: () => number, kind: number): string => {
    const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rng() * xs.length)]!;
    const pool = kind === 0 ? PLAIN : kind === 1 ? [...PLAIN, ' 5', '5 ', '"17"'] : [...PLAIN, '-', 'abc'];
    const numeric = () => pick(pool);
    const home = kind === 0 ? ['owner', 'rent', '', 'NA'] : ['owner', 'rent', '', 'NA', '"owner"'];
    return [pick(['bad', 'good']), numeric(), pick(['30', '41', '-0', '55']), numeric(), pick(home), pick(['fixed', 'freelance', 'other job', '']), String(Math.floor(rng() * 1000))].join(',');
  };
  it('gives the same table and the same errors as the text path', () => {
    const dir = tmp.sub('numbers');
    let state = 11;
    const rng = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    let compared = 0;
    for (let trial = 0; trial < 30; trial++) {
      const rows = Array.from({ length: 40 }, () => cellsFor(rng, trial % 3));
      const file = join(dir, `t${trial}.csv`);
      writeFileSync(file, `status,income,age,debt,home,job,id\n${rows.join('\n')}\n`);
      const viaText = (() => {
        try {
          const { header, rows: parsed, lines } = readCsvFile(file);
          const b = new TableBuilder(header, schema, file);
          parsed.forEach((r, k) => b.add(r, lines[k]!));
          return { ok: b.finish().table };
        } catch (e) {
          return { error: (e as Error).message };
        }
      })();
      const streamed = (() => {
        try {
          return { ok: loadTable(file, schema).table };
        } catch (e) {
          return { error: (e as Error).message };
        }
      })();
      expect(streamed.error, `trial ${trial}`).toBe(viaText.error);
      if (viaText.ok && streamed.ok) {
        for (const [j, col] of viaText.ok.numeric.entries()) {
          const got = streamed.ok.numeric[j]!;
          for (let i = 0; i < col.length; i++) expect(Object.is(got[i], col[i]), `trial ${trial} column ${j} row ${i}: ${got[i]} vs ${col[i]}`).toBe(true);
        }
        expect(streamed.ok.categorical).toEqual(viaText.ok.categorical);
        expect(streamed.ok.labels).toEqual(viaText.ok.labels);
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(18); // the tables themselves were compared, not only errors
  });
});
