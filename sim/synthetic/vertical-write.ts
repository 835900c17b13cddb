/**
 * Writes the synthetic vertical consortium (vertical.ts) to files, the file-writing edge of the
 * pure generator: per party a CSV (`bank.csv`, `platform.csv`, `customs.csv`) and a description
 * of its columns.
 *
 * The bank holds the label, so its description is a complete data schema (`bank.schema.json`,
 * validated with `DataSchemaSchema` from core/data/schema.ts; the ID column is listed under
 * `ignore`). That schema format requires a label, which the platform and customs do not have, so
 * their descriptions (`platform.columns.json`, `customs.columns.json`) are plain JSON with the
 * same `numeric` / `categorical` / `missingValues` entries plus the party name and ID column,
 * and no `label`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSchemaSchema } from '../../core/data/schema.ts';
import { writeCsvFile } from '../csv.ts';
import { generateVerticalConsortium, PRODUCTS, type VerticalOptions, type VerticalTable } from './vertical.ts';

/** Default seed of the written vertical consortium. */
export const DEFAULT_VERTICAL_SEED = 1;

/** A numeric column's entry in a schema: how a missing cell is filled, its transform and its agreed bounds. */
interface NumericEntry {
  name: string;
  missing: 'mean';
  indicator: boolean;
  transform: 'none' | 'log';
  range: [number, number];
}

const numeric = (name: string, range: [number, number], transform: 'none' | 'log' = 'none', indicator = false): NumericEntry => ({
  name,
  missing: 'mean',
  indicator,
  transform,
  range,
});

/** The bank's data schema (label `default`, positive "1"). Ranges are domain bounds, not fitted to the data. */
export const BANK_SCHEMA = DataSchemaSchema.parse({
  version: 1,
  label: { column: 'default', positive: '1', negative: ['0'] },
  numeric: [
    numeric('bureau_score', [300, 850], 'none', true),
    numeric('past_due_30d_2y', [0, 3], 'log'),
    numeric('debt_to_income', [0, 1.5]),
    numeric('loan_amount', [6, 12], 'log'),
    numeric('months_on_book', [0, 240]),
  ],
  categorical: [{ name: 'product', levels: [...PRODUCTS], missing: 'error', unseen: 'error' }],
  missingValues: [''],
  ignore: ['customer_id'],
});

/** Column descriptions of a feature party: a data schema's feature entries without a label. */
export interface FeatureColumns {
  party: 'platform' | 'customs';
  idColumn: string;
  numeric: NumericEntry[];
  categorical: never[];
  missingValues: string[];
}

/** The platform's columns. */
export const PLATFORM_FEATURES: FeatureColumns = {
  party: 'platform',
  idColumn: 'platform_uid',
  numeric: [
    numeric('orders_12m', [0, 80]),
    numeric('avg_basket', [2, 7], 'log', true),
    numeric('return_rate', [0, 0.6]),
    numeric('bnpl_share', [0, 1]),
    numeric('late_bnpl_12m', [0, 3], 'log'),
    numeric('account_age_months', [0, 120]),
  ],
  categorical: [],
  missingValues: [''],
};

/** Customs' columns. */
export const CUSTOMS_FEATURES: FeatureColumns = {
  party: 'customs',
  idColumn: 'declarant_id',
  numeric: [
    numeric('declarations_12m', [0, 6], 'log'),
    numeric('declared_value_k', [0, 10], 'log'),
    numeric('inspection_hits_2y', [0, 3], 'log'),
    numeric('clearance_days', [0, 10]),
  ],
  categorical: [],
  missingValues: [''],
};

/** What {@link writeVerticalConsortium} wrote for one party. */
export interface WrittenVerticalParty {
  name: VerticalTable['name'];
  /** The CSV file. */
  path: string;
  /** The schema (bank) or column description (platform, customs). */
  columnsPath: string;
  rows: number;
}

/** Generates the consortium and writes each party's CSV and column description into `dir`. */
export function writeVerticalConsortium(dir: string, opts: VerticalOptions): WrittenVerticalParty[] {
  const c = generateVerticalConsortium(opts);
  const described: [VerticalTable, string, object][] = [
    [c.bank, 'bank.schema.json', BANK_SCHEMA],
    [c.platform, 'platform.columns.json', PLATFORM_FEATURES],
    [c.customs, 'customs.columns.json', CUSTOMS_FEATURES],
  ];
  return described.map(([table, file, columns]) => {
    const columnsPath = join(dir, file);
    const path = writeCsvFile(join(dir, `${table.name}.csv`), table.header, table.rows);
    writeFileSync(columnsPath, JSON.stringify(columns, null, 2) + '\n');
    return { name: table.name, path, columnsPath, rows: table.rows.length };
  });
}
