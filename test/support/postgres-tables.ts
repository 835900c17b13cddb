/**
 * Test fixtures in a throwaway PostgreSQL server: a CSV's rows copied into a typed table, so a
 * load from the database can be compared with a load of the same file, value for value.
 */
import type { DataSchema } from '../../core/data/schema.ts';
import type { PostgresServer } from './postgres-server.ts';

/**
 * A column's SQL type for a CSV column under `schema`: numeric features as `numeric` (exact
 * decimals, which the driver hands over as text — the case a naive reader gets wrong) unless
 * `numericType` says otherwise; everything else as text.
 */
function columnType(name: string, schema: DataSchema, numericType: (name: string) => string): string {
  return schema.numeric.some((f) => f.name === name) ? numericType(name) : 'text';
}

/** Quotes an identifier for the fixtures' SQL (names come from checked-in CSV headers). */
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Creates `table` with the CSV's columns (names kept exactly, case included) holding the rows in
 * file order. A numeric cell that is one of the schema's missing-value markers becomes NULL; text
 * cells are copied as they are, so text markers ("NA", "") reach the reader like in the file.
 *
 * The rows go through a staging table and `CREATE TABLE … AS … ORDER BY`: plain INSERTs may put a
 * later row into free space left on an earlier page, so `SELECT * FROM table` (which returns the
 * physical order) would not return file order, whereas CREATE TABLE AS writes its rows strictly
 * one after another.
 */
export async function copyCsvToTable(
  server: PostgresServer,
  table: string,
  header: readonly string[],
  rows: readonly (readonly string[])[],
  schema: DataSchema,
  numericType: (name: string) => string = () => 'numeric',
): Promise<void> {
  const types = header.map((h) => columnType(h, schema, numericType));
  const markers = new Set(schema.missingValues.map((m) => m.trim()));
  const staging = ident(`${table}__staging`);
  await server.admin(`DROP TABLE IF EXISTS ${ident(table)}, ${staging}`);
  await server.admin(`CREATE TABLE ${staging} (file_order integer, ${header.map((h, i) => `${ident(h)} ${types[i]}`).join(', ')})`);
  const perInsert = Math.max(1, Math.floor(30_000 / header.length));
  for (let start = 0; start < rows.length; start += perInsert) {
    const chunk = rows.slice(start, start + perInsert);
    const values: (string | null)[] = [];
    const tuples = chunk.map((row, k) => {
      values.push(String(start + k));
      const cells = [`$${values.length}`];
      cells.push(...header.map((_, i) => {
        const cell = row[i] ?? '';
        values.push(types[i] !== 'text' && markers.has(cell.trim()) ? null : cell);
        return `$${values.length}`;
      }));
      return `(${cells.join(', ')})`;
    });
    await server.admin(`INSERT INTO ${staging} VALUES ${tuples.join(', ')}`, values);
  }
  await server.admin(`CREATE TABLE ${ident(table)} AS SELECT ${header.map(ident).join(', ')} FROM ${staging} ORDER BY file_order`);
  await server.admin(`DROP TABLE ${staging}`);
}
