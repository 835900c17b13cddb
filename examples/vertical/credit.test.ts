/**
 * The credit_data vertical consortium (credit-columns.ts, credit-encode.ts, credit-report.ts):
 * the column split and its IDs, the per-party encoding, the acceptance criterion on the real
 * data (joint ≥ pooled − 0.01 held-out AUC) and the trainer seam. Reads the project's copy of
 * credit_data (examples/data/credit_data.csv).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalId } from '../../core/psi/ids.ts';
import { readCsvFile, writeCsvFile } from '../../sim/csv.ts';
import { CREDIT_DATA_PATH } from '../credit/split.ts';
import { bankId, platformId, splitCreditColumns, type PartyTable } from './credit-columns.ts';
import { encodeParty } from './credit-encode.ts';
import { type CreditVerticalReport, creditVerticalReport, formatCreditReport, summarizeCredit, type VerticalTrainer } from './credit.ts';
import { fitLogistic } from './logistic.ts';

const data = readCsvFile(CREDIT_DATA_PATH);

describe('credit_data split by columns', () => {
  const s = splitCreditColumns(data.header, data.rows, { seed: 1 });

  it('gives the bank the label and its columns for every row, the platform the rest for 90 % of them', () => {
    expect(s.bank.header).toEqual(['customer_id', 'Status', 'Seniority', 'Records', 'Job', 'Time', 'Amount', 'Price']);
    expect(s.platform.header).toEqual(['platform_user', 'Home', 'Age', 'Marital', 'Expenses', 'Income', 'Assets', 'Debt']);
    expect(s.bank.rows).toHaveLength(4454);
    expect(s.platformMissingRows).toHaveLength(445);
    expect(s.platform.rows).toHaveLength(4454 - 445);
    expect(s.bank.rows[0]!.slice(0, 3)).toEqual(['C0001', 'good', '9']);
    // Every platform row is a real file row under the platform's ID format, none of the missing ones.
    const missing = new Set(s.platformMissingRows);
    for (const row of s.platform.rows) {
      const r = Number(row[0]!.slice(2)) - 1;
      expect(missing.has(r)).toBe(false);
      expect(row[2]).toBe(data.rows[r]![data.header.indexOf('Age')]);
    }
    expect(canonicalId(bankId(41), { form: 'alnum' })).toBe(canonicalId(platformId(41), { form: 'alnum' }));
    expect(splitCreditColumns(data.header, data.rows, { seed: 1 })).toEqual(s);
    expect(() => splitCreditColumns(['Status'], [], { seed: 1 })).toThrow(/no "Seniority" column/);
  });
});

describe('one party\'s encoding', () => {
  const t: PartyTable = {
    name: 'platform',
    idColumn: 'id',
    header: ['id', 'Income', 'Home'],
    rows: [['a', '100', 'rent'], ['b', '', 'owner'], ['c', '300', 'rent'], ['d', '99999999', ''], ['e', '5000', 'priv']],
  };
  const specs = [{ name: 'Income', kind: 'numeric' as const }, { name: 'Home', kind: 'categorical' as const }];

  it('fits on training rows only, imputes missing cells and codes, one-hots all but the top level, zeroes unknown customers', () => {
    // Bank row i is table row i; the platform does not know bank row 5; bank row 4 is held out.
    const b = encodeParty(t, specs, { rowOf: Int32Array.from([0, 1, 2, 3, 4, -1]), train: [0, 1, 2, 3, 5], presence: true });
    expect(b.names).toEqual(['Income', 'Income:missing', 'Home=missing', 'Home=owner', 'platform:has_record']);
    // Training Income: 100 and 300 present (mean 200, sd 100), "" and 99999999 missing; the held-out 5000 is not fitted on.
    expect(Array.from(b.columns[0]!)).toEqual([-1, 0, 1, 0, 48, 0]);
    expect(Array.from(b.columns[1]!)).toEqual([0, 1, 0, 1, 0, 0]);
    // Training Home: rent ×2 (the reference), missing ×1, owner ×1; "priv" was never seen in training.
    expect(Array.from(b.columns[2]!)).toEqual([0, 0, 0, 1, 0, 0]);
    expect(Array.from(b.columns[3]!)).toEqual([0, 1, 0, 0, 0, 0]);
    expect(Array.from(b.columns[4]!)).toEqual([1, 1, 1, 1, 1, 0]);
    // No missing training cell: no indicator; no presence input unless asked.
    const plain = encodeParty(t, specs.slice(0, 1), { rowOf: Int32Array.from([0, 2, 1]), train: [0, 1], presence: false });
    expect(plain.names).toEqual(['Income']);
    expect(Array.from(plain.columns[0]!)).toEqual([-1, 1, 0]);
  });
});

describe('credit_data as a vertical consortium (seed 1, the whole data set)', () => {
  let r: CreditVerticalReport;
  beforeAll(async () => {
    r = await creditVerticalReport({ seed: 1 });
    console.info(formatCreditReport(r).join('\n'));
  });

  it('aligns the 90 % the platform knows and holds out 30 % of the customers, stratified', () => {
    expect(r.psi).toMatchObject({ label: 4454, feature: 4009, shared: 4009 });
    expect(r.split.test).toBe(Math.round(0.3 * 1254) + Math.round(0.3 * 3200));
    expect(Math.abs(r.split.testDefaultRate - r.rows.defaultRate)).toBeLessThan(0.002);
    expect(r.centralized.inputs).toBe(r.inputs.bank.length + r.inputs.platform.length);
    expect(r.federated.inputs).toBe(r.centralized.inputs);
  });

  it('joint (on secret shares) ≥ pooled − 0.01 AUC, and pooling clearly beats the bank alone', () => {
    expect(r.federated.auc).toBeGreaterThanOrEqual(r.centralized.auc - 0.01);
    expect(r.centralized.auc).toBeGreaterThan(r.labelHolderOnly.auc + 0.03);
    expect(r.federated.ks).toBeGreaterThan(r.labelHolderOnly.ks + 0.03);
    const s = summarizeCredit(r) as { federated: { auc: number }; labelHolderOnly: { auc: number }; psi: { shared: number } };
    expect(JSON.parse(JSON.stringify(s))).toMatchObject({ federated: { auc: r.federated.auc }, labelHolderOnly: { auc: r.labelHolderOnly.auc }, psi: { shared: 4009 } });
  });
});

describe('the trainer seam', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedcredit-credit-vertical-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes every party\'s columns over all aligned rows in block order, the intercept first', async () => {
    const input = writeCsvFile(join(dir, 'credit-600.csv'), data.header, data.rows.slice(0, 600));
    let seen: { blocks: number; columns: number; rows: number; train: number } | undefined;
    // The pooled Newton fit, as a vertical trainer would compute it: the same model exactly.
    const newton: VerticalTrainer = (blocks, y, train) => {
      const [ones, ...cols] = blocks.flat();
      seen = { blocks: blocks.length, columns: cols.length + 1, rows: ones!.length, train: train.length };
      const m = fitLogistic(train.map((i) => Float64Array.from(cols, (c) => c[i]!)), train.map((i) => y[i]!));
      return Float64Array.of(m.bias, ...m.weights);
    };
    const r = await creditVerticalReport({ seed: 3, input }, newton);
    expect(seen).toEqual({ blocks: 2, columns: r.centralized.inputs + 1, rows: 600, train: r.split.train });
    expect(r.trainer).toBe('custom');
    expect(r.federated.auc).toBeCloseTo(r.centralized.auc, 12);
    expect(r.federated.ks).toBeCloseTo(r.centralized.ks, 12);
    await expect(creditVerticalReport({ seed: 3, input }, () => new Float64Array(2))).rejects.toThrow(/2 weights for/);
  });
});
