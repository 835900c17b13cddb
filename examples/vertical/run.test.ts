import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { deriveSeed, seededRng, standardNormal, uniform01 } from '../../core/random.ts';
import { trueAlignment } from '../../sim/synthetic/vertical.ts';
import { choleskySolve, fitLogistic, scoreLogistic } from './logistic.ts';
import { type BaselineReport, formatReport, main, summarize, verticalBaselines } from './run.ts';

// Half the default size (3,000 bank borrowers, 750 held out): about 1.5 s. Over seeds 1–10 at
// this scale the centralized model's held-out AUC exceeded the bank-only one's by 0.086 to 0.150
// (seed 1: 0.745 → 0.868), so a margin of 0.05 leaves room for sampling noise.
let r: BaselineReport;

describe('vertical baselines', () => {
  beforeAll(async () => {
    r = await verticalBaselines({ seed: 1, scale: 0.5 });
  });

  it('aligns the platform and customs to the bank exactly as the generator joined them', () => {
    const c = r.consortium;
    const n = c.bank.rows.length;
    for (const [name, toBank] of [['platform', c.platformToBank], ['customs', c.customsToBank]] as const) {
      const truth = trueAlignment(toBank, n);
      const got = r.psi[name];
      expect(Array.from(got.labelRows), name).toEqual(Array.from(truth.labelRows));
      expect(Array.from(got.featureRows), name).toEqual(Array.from(truth.featureRows));
      expect(got.counts).toEqual({ label: n, feature: toBank.length, shared: truth.labelRows.length });
    }
    expect(r.psi.customs.counts.shared).toBe(c.borrowers.filter((b) => b.merchant).length);
  });

  it('holds out the same quarter of the borrowers for both models, and centralized beats bank-only clearly', () => {
    expect(r.split.test).toBe(750);
    expect(r.split.train).toBe(2250);
    expect(r.bankOnly.inputs).toBe(7);
    expect(r.centralized.inputs).toBe(7 + 7 + 5);
    expect(r.bankOnly.auc).toBeGreaterThan(0.6);
    expect(r.centralized.auc).toBeGreaterThan(r.bankOnly.auc + 0.05);
    expect(r.centralized.ks).toBeGreaterThan(r.bankOnly.ks + 0.05);
  });

  it('trains the vertical model on secret shares to within 0.01 AUC of the pooled model, and clearly above bank-only', () => {
    // Same held-out rows and the same inputs (plus the intercept column the bank contributes).
    expect(r.sharedVertical.inputs).toBe(r.centralized.inputs);
    expect(r.sharedVertical.auc).toBeGreaterThanOrEqual(r.centralized.auc - 0.01);
    expect(r.sharedVertical.auc).toBeGreaterThanOrEqual(r.bankOnly.auc + 0.05);
  });

  it('prints the PSI counts, both models and the missing vertical model, and summarizes as JSON', () => {
    const lines = formatReport(r).join('\n');
    expect(lines).toContain(`→ ${r.psi.platform.counts.shared} shared`);
    expect(lines).toContain(`→ ${r.psi.customs.counts.shared} shared`);
    expect(lines).toContain(r.bankOnly.auc.toFixed(4));
    expect(lines).toContain(r.centralized.ks.toFixed(4));
    expect(lines).toMatch(new RegExp(`vertical on secret shares \\(simulated\\)\\s+${r.sharedVertical.auc.toFixed(4)}`));
    const s = summarize(r) as { gain: { auc: number }; rows: { bank: number } };
    expect(s.gain.auc).toBeCloseTo(r.centralized.auc - r.bankOnly.auc, 12);
    expect(s.rows.bank).toBe(3000);
    expect(() => JSON.stringify(s)).not.toThrow();
  });
});

describe('the example\'s command line', () => {
  it('writes the files with --out and prints the numbers as JSON with --json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedcredit-vertical-run-'));
    const out: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await main(['--seed', '2', '--scale', '0.05', '--out', dir, '--json']);
      const printed = JSON.parse(out.join('')) as { rows: { bank: number }; bankOnly: { auc: number }; psi: { customs: { shared: number } } };
      expect(printed.rows.bank).toBe(300);
      expect(printed.bankOnly.auc).toBeGreaterThan(0);
      expect(printed.psi.customs.shared).toBeGreaterThan(0);
      for (const f of ['bank.csv', 'platform.csv', 'customs.csv', 'bank.schema.json', 'platform.columns.json', 'customs.columns.json']) {
        expect(existsSync(join(dir, f)), f).toBe(true);
      }
      await expect(main(['--scale', '-1'])).rejects.toThrow(/--scale/);
      await expect(main(['--rounds', '3'])).rejects.toThrow(/unknown argument/);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the baselines\' logistic regression', () => {
  it('solves a symmetric positive-definite system from its lower triangle', () => {
    // A = [[4, 2], [2, 3]], b = A·[1, −2] = [0, −4].
    const s = choleskySolve(Float64Array.from([4, 0, 2, 3]), Float64Array.from([0, -4]), 2);
    expect(s[0]).toBeCloseTo(1, 12);
    expect(s[1]).toBeCloseTo(-2, 12);
    expect(() => choleskySolve(Float64Array.from([1, 0, 2, 1]), Float64Array.from([0, 0]), 2)).toThrow(/positive definite/);
  });

  it('recovers the coefficients of a known logistic model', () => {
    const rng = seededRng(deriveSeed(5, 'logistic-test'));
    const truth = { bias: -1.5, weights: [1.2, -0.8, 0] };
    const x: Float64Array[] = [];
    const y: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const xi = Float64Array.from(truth.weights, () => standardNormal(rng));
      const z = truth.bias + truth.weights.reduce((s, w, j) => s + w * xi[j]!, 0);
      x.push(xi);
      y.push(uniform01(rng) < 1 / (1 + Math.exp(-z)) ? 1 : 0);
    }
    const m = fitLogistic(x, y);
    expect(m.iterations).toBeLessThan(15);
    expect(Math.abs(m.bias - truth.bias)).toBeLessThan(0.08);
    truth.weights.forEach((w, j) => expect(Math.abs(m.weights[j]! - w), `weight ${j}`).toBeLessThan(0.08));
    const scores = scoreLogistic(m, x.slice(0, 2));
    expect(scores[0]).toBeCloseTo(m.bias + m.weights.reduce((s, w, j) => s + w * x[0]![j]!, 0), 12);
    expect(() => fitLogistic([Float64Array.of(1)], [1, 0])).toThrow(RangeError);
  });
});
