/**
 * The credit_data vertical consortium (credit-columns.ts, credit-encode.ts, credit-report.ts):
 * the column split and its IDs, the per-party encoding, and the acceptance criterion on the real
 * data: the vertical job's joint model ≥ pooled − 0.01 held-out AUC. Reads the project's copy of
 * credit_data (examples/data/credit_data.csv).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalId } from '../../core/psi/ids.ts';
import { readCsvFile } from '../../sim/csv.ts';
import { CREDIT_DATA_PATH } from '../credit/split.ts';
import { bankId, platformId, splitCreditColumns, type PartyTable } from './credit-columns.ts';
import { encodeParty } from './credit-encode.ts';
import { type CreditVerticalReport, creditVerticalReport, formatCreditReport, summarizeCredit } from './credit.ts';

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

  it('aligns the 90 % the platform knows, in the job too, and holds out 30 % of the customers by the job\'s plan', () => {
    expect(r.psi).toMatchObject({ label: 4454, feature: 4009, shared: 4009 });
    expect(r.job.psi).toEqual({ labelIds: 4454, shared: { platform: 4009 }, partyIds: { bank: 4454, platform: 4009 } });
    expect(r.split).toMatchObject({ test: Math.round(0.3 * 4454), train: 4454 - Math.round(0.3 * 4454) });
    expect(r.job.rows).toEqual({ aligned: 4454, train: r.split.train, test: r.split.test });
    // A random (not stratified) hold-out: the default rate of each part stays near the data's.
    expect(Math.abs(r.split.testDefaultRate - r.rows.defaultRate)).toBeLessThan(0.03);
    expect(r.centralized.inputs).toBe(r.inputs.bank.length + r.inputs.platform.length);
    expect(r.federated.inputs).toBe(r.centralized.inputs);
  });

  it('joint (the vertical job) ≥ pooled − 0.01 AUC, above the job\'s own bank-only SGD, and pooling clearly beats the bank alone', () => {
    expect(r.federated.auc).toBeGreaterThanOrEqual(r.centralized.auc - 0.01);
    expect(r.job.labelHolderOnlySgd.auc).toBeLessThan(r.federated.auc - 0.02);
    expect(r.centralized.auc).toBeGreaterThan(r.labelHolderOnly.auc + 0.03);
    expect(r.federated.ks).toBeGreaterThan(r.labelHolderOnly.ks + 0.03);
    const s = summarizeCredit(r) as { federated: { auc: number }; labelHolderOnly: { auc: number }; psi: { shared: number }; job: { labelHolderOnlySgd: { auc: number } } };
    expect(JSON.parse(JSON.stringify(s))).toMatchObject({
      federated: { auc: r.federated.auc },
      labelHolderOnly: { auc: r.labelHolderOnly.auc },
      psi: { shared: 4009 },
      job: { labelHolderOnlySgd: { auc: r.job.labelHolderOnlySgd.auc } },
    });
    const gain = (summarizeCredit(r) as { gain: { jointOverPooled: { auc: number }; pooledOverBank: { auc: number } } }).gain;
    expect(gain.jointOverPooled.auc).toBeCloseTo(r.federated.auc - r.centralized.auc, 12);
    expect(gain.pooledOverBank.auc).toBeCloseTo(r.centralized.auc - r.labelHolderOnly.auc, 12);
    expect(r.job.settings).toEqual({ epochs: 10, batchSize: 128, learningRate: 0.5, holdout: 0.3 });
    expect(formatCreditReport(r).join('\n')).toMatch(new RegExp(`joint \\(vertical job, simulated network\\)\\s+${r.federated.auc.toFixed(4)}`));
  });
});
