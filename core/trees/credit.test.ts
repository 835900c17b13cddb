/**
 * The centralized boosting reference on the project's credit_data copy
 * (examples/data/credit_data.csv with examples/credit/schema.json): 100 trees of depth 4 at
 * learning rate 0.1 on a fixed, seeded 70/30 split, 256 quantile bins from the training rows.
 * The bar is 0.83 (pooled XGBoost is reported at about 0.84 on this data; not re-measured here).
 * This split gives 0.8306, so the margin is thin: over eight seeded 70/30 splits the held-out
 * AUC ranged 0.823–0.844 (mean 0.834), the split-to-split spread being larger than the margin.
 * Categorical features enter as their level index (ordinal bins), numeric ones with NaN for a
 * missing value (the trees' missing bin).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { DataSchemaSchema } from '../data/schema.ts';
import type { Table } from '../data/table.ts';
import { subsetTable, validateTable } from '../data/table.ts';
import { exactAuc } from '../metrics/exact.ts';
import { seededRng, shuffleInPlace } from '../random.ts';
import { binColumns, quantileEdges } from './bins.ts';
import { predictMargin, trainBoosted } from './boost.ts';

const file = (p: string): string => new URL(p, import.meta.url).pathname;
const CSV = file('../../examples/data/credit_data.csv');
const SCHEMA = file('../../examples/credit/schema.json');

function loadCredit(): Table {
  const schema = DataSchemaSchema.parse(JSON.parse(readFileSync(SCHEMA, 'utf8')));
  const [header, ...rows] = parse(readFileSync(CSV, 'utf8')) as string[][];
  return validateTable(header!, rows, schema, CSV).table;
}

/** The table's features as raw columns: numeric values (NaN when missing), then level indices. */
const columnsOf = (t: Table): ArrayLike<number>[] => [...t.numeric, ...t.categorical];

describe('trainBoosted on credit_data', () => {
  it('reaches a held-out AUC ≥ 0.83 with 100 trees of depth 4, η = 0.1, on a 70/30 split', () => {
    const table = loadCredit();
    expect(table.n).toBe(4454);
    const order = shuffleInPlace(Uint32Array.from({ length: table.n }, (_, i) => i), seededRng(2024)) as Uint32Array;
    const cut = Math.round(0.7 * table.n);
    const train = subsetTable(table, order.slice(0, cut));
    const test = subsetTable(table, order.slice(cut));
    const edges = columnsOf(train).map((c) => quantileEdges(c, 256));
    const started = performance.now();
    const model = trainBoosted(binColumns(columnsOf(train), edges), train.labels, { trees: 100, maxDepth: 4, learningRate: 0.1 }, seededRng(1));
    const auc = exactAuc(predictMargin(model, binColumns(columnsOf(test), edges)), test.labels);
    const trainAuc = exactAuc(predictMargin(model, binColumns(columnsOf(train), edges)), train.labels);
    console.log(`credit_data: held-out AUC ${auc.toFixed(4)} (train ${trainAuc.toFixed(4)}), ${Math.round(performance.now() - started)} ms`);
    expect(auc).toBeGreaterThanOrEqual(0.83);
  });
});
