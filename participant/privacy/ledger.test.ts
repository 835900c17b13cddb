import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { composeRdp, distributedDGaussRdp, epsilonFromRdp, sampledGaussianEpsilon, sampledGaussianRdp } from '../../core/privacy/index.ts';
import type { ChargeRequest, DpSgdParams } from './ledger.ts';
import { PrivacyBudgetExceededError, PrivacyLedger, PrivacyLedgerError, ledgerPath, receiptsPath } from './ledger.ts';
import { thrownError } from '../../test/support/core.ts';

const DELTA = 1e-5;
const BUDGET = { epsilon: 1.5, delta: DELTA };
const P: DpSgdParams = { sampleRate: 0.01, noiseMultiplier: 1, steps: 100, clipNorm: 1 };
const clock = () => {
  let t = 1_700_000_000_000;
  return () => (t += 1000);
};
const task = (round: number, params: DpSgdParams = P, jobId = 'job-a'): ChargeRequest => ({ jobId, round, stage: 'train', mechanism: 'dp-sgd', params });
const eps = (p: DpSgdParams) => sampledGaussianEpsilon({ q: p.sampleRate, noiseMultiplier: p.noiseMultiplier, steps: p.steps }, DELTA).epsilon;

/** Expects `fn` to throw a PrivacyLedgerError and returns it. */
const ledgerError = (fn: () => unknown): PrivacyLedgerError => thrownError(fn, PrivacyLedgerError);

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-ledger-'));
  file = ledgerPath(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('PrivacyLedger', () => {
  it('is created on first open with the budget as its first entry and nothing spent', () => {
    const l = PrivacyLedger.open(dir, BUDGET, { now: clock() });
    expect(l.file).toBe(path.join(dir, 'privacy', 'ledger.json'));
    expect(l.entries()).toEqual([{ kind: 'budget', index: 0, at: 1_700_000_001_000, from: null, to: BUDGET, epsilonSpent: 0 }]);
    expect(l.spent()).toMatchObject({ epsilon: 0, charges: 0, perJob: [], remaining: 1.5 });
    const onDisk = JSON.parse(readFileSync(file, 'utf8'));
    expect(onDisk).toMatchObject({ format: 'fedcredit-privacy-ledger', version: 1, budget: BUDGET });
  });

  it('survives a restart: spent, entries and previews are the same after reopening', () => {
    const l = PrivacyLedger.open(dir, BUDGET, { now: clock() });
    const entry = l.charge(task(1));
    expect(entry).toMatchObject({ kind: 'charge', index: 1, jobId: 'job-a', round: 1, mechanism: 'dp-sgd', params: P });
    expect(entry.epsilonTask).toBe(eps(P));
    const before = { spent: l.spent(), preview: l.preview(task(2)) };

    const again = PrivacyLedger.open(dir, BUDGET, { now: clock() });
    expect(again.entries()).toEqual(l.entries());
    expect(again.spent()).toEqual(before.spent);
    const preview = again.preview(task(2));
    expect(preview).toEqual(before.preview);
    // The preview composes the stored curve with the new task's curve.
    const stored = { orders: again.orders, rdp: entry.rdp };
    const composed = composeRdp([stored, sampledGaussianRdp({ q: 0.01, noiseMultiplier: 1, steps: 100 }, again.orders)], again.orders);
    expect(preview.total).toEqual(composed);
    expect(preview.epsilonAfter).toBe(epsilonFromRdp(composed, DELTA).epsilon);
  });

  it('composes charges: two charges cost what one composed run costs, and preview predicts charge exactly', () => {
    const l = PrivacyLedger.open(dir, { epsilon: 10, delta: DELTA });
    const a = { ...P, steps: 120 };
    const b = { ...P, steps: 80, clipNorm: 2 };
    l.charge(task(1, a));
    const p = l.preview(task(2, b));
    const entry = l.charge(task(2, b));
    expect(entry.epsilonAfter).toBe(p.epsilonAfter);
    expect(l.spent().epsilon).toBe(p.epsilonAfter);
    // 120 + 80 steps at the same q and z: the same mechanism as 200 steps at once.
    expect(l.spent().epsilon).toBeCloseTo(eps({ ...P, steps: 200 }), 10);
    expect(p.epsilonTask).toBe(eps(b));
    expect(p.epsilonBefore).toBe(eps(a));
  });

  it('charges client-level rounds (distributed and central noise) with their own accountants, composed with DP-SGD', () => {
    const l = PrivacyLedger.open(dir, { epsilon: 50, delta: DELTA });
    const dist = { sigma2PerClient: 4e9, survivors: 3, l2Sensitivity: 65537, l1Sensitivity: 65537 * Math.sqrt(41), dimension: 41 };
    const a = l.charge({ jobId: 'job-c', round: 1, stage: 'train', mechanism: 'distributed-discrete-gaussian', params: dist });
    const rdpA = distributedDGaussRdp(dist, l.orders);
    expect(a.rdp).toEqual(rdpA.rdp);
    const b = l.charge({ jobId: 'job-c', round: 2, stage: 'train', mechanism: 'central-gaussian', params: { noiseMultiplier: 2, trustedCoordinator: true } });
    const rdpB = sampledGaussianRdp({ q: 1, noiseMultiplier: 2, steps: 1 }, l.orders);
    expect(b.epsilonAfter).toBeCloseTo(epsilonFromRdp(composeRdp([rdpA, rdpB], l.orders), DELTA).epsilon, 12);
    l.charge(task(3));
    const reopened = PrivacyLedger.open(dir, { epsilon: 50, delta: DELTA });
    expect(reopened.spent().epsilon).toBe(l.spent().epsilon);
    expect(() => l.preview({ mechanism: 'central-gaussian', params: { noiseMultiplier: 2, trustedCoordinator: false as true } })).toThrow(/trustedCoordinator/);
  });

  it('budgets the institution across jobs: RDP composes over all jobs, per-job ε is each job alone', () => {
    const l = PrivacyLedger.open(dir, { epsilon: 10, delta: DELTA });
    l.charge(task(1, P, 'job-a'));
    l.charge(task(1, { ...P, noiseMultiplier: 1.5 }, 'job-b'));
    l.charge(task(2, P, 'job-a'));
    const s = l.spent();
    expect(s.charges).toBe(3);
    expect(s.perJob).toEqual([
      { jobId: 'job-a', charges: 2, epsilon: expect.closeTo(eps({ ...P, steps: 200 }), 10) },
      { jobId: 'job-b', charges: 1, epsilon: eps({ ...P, noiseMultiplier: 1.5 }) },
    ]);
    const all = composeRdp([
      sampledGaussianRdp({ q: 0.01, noiseMultiplier: 1, steps: 200 }),
      sampledGaussianRdp({ q: 0.01, noiseMultiplier: 1.5, steps: 100 }),
    ]);
    expect(s.epsilon).toBeCloseTo(epsilonFromRdp(all, DELTA).epsilon, 10);
    expect(s.epsilon).toBeGreaterThan(s.perJob[0]!.epsilon);
  });

  it('refuses a task over budget with the reason, appending nothing', () => {
    const l = PrivacyLedger.open(dir, BUDGET, { now: clock() });
    for (let r = 1; r <= 3; r++) l.charge(task(r)); // ε 1.22, 1.39, 1.48
    const bytes = readFileSync(file);
    const preview = l.preview(task(4));
    expect(preview.fits).toBe(false);
    const reason = 'this task would raise ε from 1.48 to 1.57 at δ = 1e-5, beyond the budget ε = 1.5';
    expect(preview.reason).toBe(reason);
    let err: unknown;
    try {
      l.charge(task(4));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PrivacyBudgetExceededError);
    const refused = err as PrivacyBudgetExceededError;
    expect(refused.reason).toBe(reason);
    expect(refused.message).toContain('job job-a round 4');
    expect(refused.budgetEpsilon).toBe(1.5);
    expect(refused.epsilonAfter).toBe(preview.epsilonAfter);
    expect(l.entries()).toHaveLength(4);
    expect(readFileSync(file)).toEqual(bytes);
    expect(PrivacyLedger.open(dir, BUDGET).spent().epsilon).toBe(eps({ ...P, steps: 300 }));
    // A cheaper task still fits.
    expect(l.preview(task(4, { ...P, steps: 1 })).fits).toBe(true);
  });

  it('refuses a task without noise: ε = ∞', () => {
    const l = PrivacyLedger.open(dir, BUDGET);
    const p = l.preview(task(1, { ...P, noiseMultiplier: 0 }));
    expect(p).toMatchObject({ fits: false, epsilonAfter: Infinity });
    expect(p.reason).toBe('this task would raise ε from 0 to ∞ at δ = 1e-5, beyond the budget ε = 1.5');
    expect(() => l.charge(task(1, { ...P, noiseMultiplier: 0 }))).toThrow(PrivacyBudgetExceededError);
  });

  it('rejects invalid tasks and budgets, naming the field', () => {
    const l = PrivacyLedger.open(dir, BUDGET);
    expect(ledgerError(() => l.charge(task(1, { ...P, noiseMultiplier: -1 }))).field).toBe('task.params.noiseMultiplier');
    expect(ledgerError(() => l.charge({ ...task(1), jobId: '' })).field).toBe('task.jobId');
    expect(ledgerError(() => PrivacyLedger.open(dir, { epsilon: 0, delta: DELTA })).field).toBe('budget.epsilon');
    expect(ledgerError(() => PrivacyLedger.open(dir, { epsilon: 1, delta: 1 })).field).toBe('budget.delta');
    expect(l.entries()).toHaveLength(1);
  });

  it('a budget mismatch is an error naming the file and the field; the file is untouched', () => {
    PrivacyLedger.open(dir, BUDGET).charge(task(1));
    const bytes = readFileSync(file);
    const e1 = ledgerError(() => PrivacyLedger.open(dir, { epsilon: 3, delta: DELTA }));
    expect(e1).toMatchObject({ file, field: 'budget.epsilon' });
    expect(e1.message).toBe(
      `${file}: budget.epsilon is 1.5 in the ledger but 3 is configured; a budget change must be explicit (PrivacyLedger.load(stateDir).setBudget(…)), so the ledger was not opened`,
    );
    expect(ledgerError(() => PrivacyLedger.open(dir, { epsilon: 1.5, delta: 1e-6 }))).toMatchObject({ file, field: 'budget.delta' });
    expect(readFileSync(file)).toEqual(bytes);
  });

  it('setBudget records the change, and refuses to go below what is spent', () => {
    PrivacyLedger.open(dir, BUDGET).charge(task(1)); // ε 1.22
    const l = PrivacyLedger.load(dir, { now: clock() });
    const bytes = readFileSync(file);
    const low = ledgerError(() => l.setBudget({ epsilon: 1, delta: DELTA }));
    expect(low).toMatchObject({ file, field: 'budget.epsilon' });
    expect(low.message).toContain('cannot set the budget to ε = 1 at δ = 1e-5: ε = 1.22 is already spent at that δ');
    // A smaller δ raises the spent ε (1.22 at 1e-5 becomes more at 1e-7): also refused.
    expect(() => l.setBudget({ epsilon: 1.3, delta: 1e-7 })).toThrow(/already spent/);
    expect(readFileSync(file)).toEqual(bytes);
    expect(l.setBudget(BUDGET)).toBeNull();

    const entry = l.setBudget({ epsilon: 3, delta: DELTA }, 'board approval 2024-05');
    expect(entry).toMatchObject({ kind: 'budget', index: 2, from: BUDGET, to: { epsilon: 3, delta: DELTA }, note: 'board approval 2024-05' });
    expect(entry!.epsilonSpent).toBe(eps(P));
    expect(PrivacyLedger.open(dir, { epsilon: 3, delta: DELTA }).budget).toEqual({ epsilon: 3, delta: DELTA });
    expect(() => PrivacyLedger.open(dir, BUDGET)).toThrow(PrivacyLedgerError);
  });

  it('a corrupted ledger is an error naming the file and what is wrong, and is never overwritten', () => {
    PrivacyLedger.open(dir, BUDGET).charge(task(1));
    const good = readFileSync(file, 'utf8');
    const doc = JSON.parse(good);
    doc.entries[1].rdp[3] = 'x';
    const cases: Array<[string, RegExp, string | undefined]> = [
      [good.slice(0, good.length / 2), /is not valid JSON/, undefined],
      ['', /is empty/, undefined],
      [JSON.stringify(doc), /is corrupted: entries\.1\.rdp\.3: Invalid input: expected number, received string/, 'entries.1.rdp.3'],
      [JSON.stringify({ ...doc, version: 2 }), /has a newer format version 2/, 'version'],
      [JSON.stringify({ ...doc, format: 'other' }), /is not a privacy ledger/, 'format'],
      [JSON.stringify({ ...JSON.parse(good), budget: { epsilon: 9, delta: DELTA } }), /budget differs from the last budget entry/, 'budget'],
    ];
    for (const [text, what, field] of cases) {
      writeFileSync(file, text);
      const e = ledgerError(() => PrivacyLedger.open(dir, BUDGET));
      expect(e.message).toMatch(what);
      expect(e.message.startsWith(file)).toBe(true);
      expect(e.message).toContain('the file was left untouched');
      expect(e.file).toBe(file);
      expect(e.field).toBe(field);
      expect(readFileSync(file, 'utf8')).toBe(text);
    }
  });

  it('an unreadable ledger is an error naming the file', () => {
    mkdirSync(file, { recursive: true }); // a directory where the file should be
    const e = ledgerError(() => PrivacyLedger.open(dir, BUDGET));
    expect(e.message).toContain(`cannot read ${file}`);
    expect(statSync(file).isDirectory()).toBe(true);
  });

  it('refuses to start from zero when the ledger is missing but receipts exist', () => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(receiptsPath(dir), '{"receipt":{}}\n');
    expect(() => PrivacyLedger.open(dir, BUDGET)).toThrow(/ledger\.json is missing but .*receipts\.jsonl holds signed privacy receipts/);
  });

  it('refuses to overwrite a ledger another process changed', () => {
    const a = PrivacyLedger.open(dir, BUDGET);
    const b = PrivacyLedger.open(dir, BUDGET);
    a.charge(task(1));
    const bytes = readFileSync(file);
    expect(() => b.charge(task(1))).toThrow(/changed on disk since this process read it/);
    expect(readFileSync(file)).toEqual(bytes);
  });
});

describe('PrivacyLedger: a job\'s training rows and held-out rows compose in parallel', () => {
  const curve = (p: DpSgdParams) => sampledGaussianRdp({ q: p.sampleRate, noiseMultiplier: p.noiseMultiplier, steps: p.steps });
  const Q: DpSgdParams = { ...P, steps: 300 };
  const epsOf = (rdp: readonly number[]) => epsilonFromRdp({ orders: curve(P).orders, rdp: [...rdp] }, DELTA).epsilon;

  it('charges a job the larger of its two sides, and two jobs the sum', () => {
    const l = PrivacyLedger.open(dir, { epsilon: 50, delta: DELTA }, { now: clock() });
    l.charge({ ...task(1, Q), partition: 'train' });
    l.charge({ ...task(1, P), stage: 'evaluate', partition: 'holdout' });
    const a = curve(Q).rdp;
    const b = curve(P).rdp;
    expect(l.spent().epsilon).toBeCloseTo(epsOf(a.map((x, i) => Math.max(x, b[i]!))), 9);
    expect(l.spent().perJob[0]!.epsilon).toBeCloseTo(epsOf(a), 9); // the held-out side is the smaller one at every order here
    l.charge({ ...task(1, P, 'job-b'), partition: 'holdout' });
    expect(l.spent().epsilon).toBeCloseTo(epsOf(a.map((x, i) => Math.max(x, b[i]!) + b[i]!)), 9);
    // A release over all rows adds to both sides.
    l.charge({ ...task(2, P), stage: 'other' });
    expect(l.spent().perJob.find((j) => j.jobId === 'job-a')!.epsilon).toBeCloseTo(epsOf(a.map((x, i) => x + b[i]!)), 9);
  });

  it('checks a whole job before it starts, counting what the job has been charged already', () => {
    const l = PrivacyLedger.open(dir, { epsilon: 3, delta: DELTA }, { now: clock() });
    const whole = { train: composeRdp([curve(Q), curve(Q)]), holdout: curve(P) };
    const fresh = l.previewJob('job-a', whole);
    expect(fresh.epsilonAfter).toBeCloseTo(epsOf(whole.train.rdp), 9);
    l.charge({ ...task(0, Q), partition: 'train' });
    // Half the training side is charged already: the whole-job view does not count it twice.
    expect(l.previewJob('job-a', whole).epsilonAfter).toBeCloseTo(fresh.epsilonAfter, 9);
    const small = PrivacyLedger.open(mkdtempSync(path.join(dir, 'small-')), { epsilon: fresh.epsilonAfter * 0.9, delta: DELTA }, { now: clock() });
    const p = small.previewJob('job-a', whole);
    expect(p.fits).toBe(false);
    expect(p.reason).toMatch(/^this task would raise ε from 0 to \d/);
    expect(small.spent().charges).toBe(0);
  });
});

