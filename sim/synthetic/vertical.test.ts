import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataSchemaSchema } from '../../core/data/schema.ts';
import { canonicalId } from '../../core/psi/ids.ts';
import { readCsvFile } from '../csv.ts';
import {
  generateVerticalConsortium,
  tableColumn,
  trueAlignment,
  verticalLogitParts,
  type VerticalConsortium,
} from './vertical.ts';
import { writeVerticalConsortium } from './vertical-write.ts';

const alnum = (id: string) => canonicalId(id, { form: 'alnum' });
const c: VerticalConsortium = generateVerticalConsortium({ seed: 11 });
const n = c.bank.rows.length;
const merchants = c.borrowers.flatMap((b, i) => (b.merchant ? [i] : []));

describe('synthetic vertical consortium', () => {
  it('is a pure function of the seed', () => {
    const again = generateVerticalConsortium({ seed: 11 });
    expect(again.bank.rows).toEqual(c.bank.rows);
    expect(again.platform.rows).toEqual(c.platform.rows);
    expect(again.customs.rows).toEqual(c.customs.rows);
    expect(Array.from(again.platformToBank)).toEqual(Array.from(c.platformToBank));
    const other = generateVerticalConsortium({ seed: 12 });
    expect(other.bank.rows).not.toEqual(c.bank.rows);
    expect(() => generateVerticalConsortium({ seed: 1.5 })).toThrow(RangeError);
    expect(() => generateVerticalConsortium({ seed: 1, scale: 0 })).toThrow(RangeError);
  });

  it('gives the bank every borrower, the platform about 85 % plus its own users, customs exactly the merchants plus a few', () => {
    expect(n).toBe(6000);
    const platformShared = c.platformToBank.filter((r) => r >= 0);
    expect(platformShared.length / n).toBeGreaterThan(0.82);
    expect(platformShared.length / n).toBeLessThan(0.88);
    expect(c.platformToBank.filter((r) => r < 0).length).toBe(0.2 * n);
    expect(new Set(platformShared).size).toBe(platformShared.length);
    const customsShared = Array.from(c.customsToBank.filter((r) => r >= 0)).sort((a, b) => a - b);
    expect(customsShared).toEqual(merchants);
    expect(merchants.length / n).toBeGreaterThan(0.25);
    expect(merchants.length / n).toBeLessThan(0.31);
    expect(c.customsToBank.filter((r) => r < 0).length).toBe(0.02 * n);
    // Scaled down, the sizes follow.
    const small = generateVerticalConsortium({ seed: 11, scale: 0.1 });
    expect(small.bank.rows.length).toBe(600);
    expect(small.platformToBank.filter((r) => r < 0).length).toBe(120);
  });

  it('writes IDs differently at each party, and they canonicalize (alnum) to the same value for the same borrower', () => {
    const bankIds = tableColumn(c.bank, 'customer_id');
    const platformIds = tableColumn(c.platform, 'platform_uid');
    const customsIds = tableColumn(c.customs, 'declarant_id');
    expect(bankIds.every((id) => /^C-\d{6}$/.test(id))).toBe(true);
    expect(platformIds.every((id) => /^\s*c\d{6}\s*$/.test(id))).toBe(true);
    expect(platformIds.filter((id) => id !== id.trim()).length).toBeGreaterThan(0.05 * platformIds.length);
    expect(customsIds.every((id) => /^C\/\d{6}$/.test(id))).toBe(true);
    c.platformToBank.forEach((bankRow, row) => {
      if (bankRow < 0) return;
      expect(platformIds[row]).not.toBe(bankIds[bankRow]);
      expect(alnum(platformIds[row]!)).toBe(alnum(bankIds[bankRow]!));
    });
    c.customsToBank.forEach((bankRow, row) => {
      if (bankRow < 0) return;
      expect(alnum(customsIds[row]!)).toBe(alnum(bankIds[bankRow]!));
    });
    // Entries the bank does not know never collide with a bank ID, and IDs are unique per party.
    const bankCanonical = new Set(bankIds.map(alnum));
    expect(bankCanonical.size).toBe(n);
    c.platformToBank.forEach((bankRow, row) => bankRow < 0 && expect(bankCanonical.has(alnum(platformIds[row]!))).toBe(false));
    c.customsToBank.forEach((bankRow, row) => bankRow < 0 && expect(bankCanonical.has(alnum(customsIds[row]!))).toBe(false));
    expect(new Set(platformIds.map(alnum)).size).toBe(platformIds.length);
  });

  it('has a default rate of 10–20 % and every party\'s share of the logit separates defaulters', () => {
    const y = tableColumn(c.bank, 'default');
    expect(new Set(y)).toEqual(new Set(['0', '1']));
    expect(c.defaultRate).toBe(y.filter((v) => v === '1').length / n);
    expect(c.defaultRate).toBeGreaterThan(0.1);
    expect(c.defaultRate).toBeLessThan(0.2);
    for (const part of ['bank', 'platform', 'customs'] as const) {
      const mean = (label: string) => {
        const rows = c.borrowers.filter((b, i) => y[i] === label && (part !== 'customs' || b.merchant));
        return rows.reduce((s, b) => s + verticalLogitParts(b)[part], 0) / rows.length;
      };
      // Defaulters' share of the risk is clearly higher than non-defaulters' (in logit units).
      expect(mean('1') - mean('0'), part).toBeGreaterThan(0.4);
    }
  });

  it('fills cells in range, with few missing ones', () => {
    const num = (t: VerticalConsortium['bank'], col: string) => tableColumn(t, col).filter((v) => v !== '').map(Number);
    const score = tableColumn(c.bank, 'bureau_score');
    expect(score.filter((v) => v === '').length / n).toBeLessThan(0.06);
    expect(num(c.bank, 'bureau_score').every((v) => v >= 300 && v <= 850)).toBe(true);
    expect(num(c.platform, 'return_rate').every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(num(c.customs, 'clearance_days').every((v) => v >= 0.5)).toBe(true);
    expect(new Set(tableColumn(c.bank, 'product'))).toEqual(new Set(['personal', 'card', 'business']));
    for (const t of [c.bank, c.platform, c.customs]) expect(t.rows.every((r) => r.length === t.header.length)).toBe(true);
  });

  it('states the true join in intersectPair\'s form: bank rows ascending, each with its party row', () => {
    const a = trueAlignment(Int32Array.from([2, -1, 0, 5]), 6);
    expect(Array.from(a.labelRows)).toEqual([0, 2, 5]);
    expect(Array.from(a.featureRows)).toEqual([2, 0, 3]);
  });

  it('writes three CSVs, the bank\'s schema and the feature parties\' column lists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedcredit-vertical-'));
    try {
      const written = writeVerticalConsortium(dir, { seed: 11, scale: 0.05 });
      const small = generateVerticalConsortium({ seed: 11, scale: 0.05 });
      expect(written.map((w) => w.name)).toEqual(['bank', 'platform', 'customs']);
      for (const w of written) {
        const table = small[w.name];
        const csv = readCsvFile(w.path);
        expect(csv.header).toEqual(table.header);
        expect(csv.rows).toEqual(table.rows);
        const columns = JSON.parse(readFileSync(w.columnsPath, 'utf8')) as { numeric: { name: string }[]; categorical: { name: string }[] };
        const described = [...columns.numeric, ...columns.categorical].map((f) => f.name);
        expect(described.every((name) => table.header.includes(name))).toBe(true);
        // Every column but the ID (and the bank's label) is described.
        expect(described.length).toBe(table.header.length - (w.name === 'bank' ? 2 : 1));
      }
      const schema = DataSchemaSchema.parse(JSON.parse(readFileSync(written[0]!.columnsPath, 'utf8')));
      expect(schema.label).toEqual({ column: 'default', positive: '1', negative: ['0'] });
      expect(schema.ignore).toEqual(['customer_id']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
