/**
 * Federated scoring with a trained vertical model: the label holder scores applicants with every
 * party's part — the same scores the job's evaluation computed, to rounding — sees each feature
 * party's part only masked, gets reason codes from its own columns, and when a party is down
 * either fails naming it or, when asked, falls back to its declared reduced model, saying so.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScoreStage } from '../../core/vertical/score-stage.ts';
import { VerticalParty } from '../../participant/vertical/party.ts';
import { verticalMemoryGrid } from './memory-grid.ts';
import { exactAuc } from '../../core/metrics/exact.ts';
import { seededRng } from '../../core/random.ts';
import { makeSchedule } from '../../core/vertical/schedule.ts';
import { VerticalJobSpecSchema } from '../../core/vertical/spec.ts';
import { ScoringError } from '../../participant/vertical/party.ts';
import { verticalPartyData } from '../../participant/vertical/table.ts';
import { generateVerticalConsortium } from '../synthetic/vertical.ts';
import { simulateVertical } from './simulate-vertical.ts';

const c = generateVerticalConsortium({ seed: 21, scale: 0.25 });
const party = (t: typeof c.bank, label?: string) => verticalPartyData(t.header, t.rows, { idColumn: t.idColumn, ...(label ? { labelColumn: label } : {}) });
const data = { bank: party(c.bank, 'default'), platform: party(c.platform), customs: party(c.customs) };
const job = VerticalJobSpecSchema.parse({ partition: 'vertical', labelHolder: 'bank', featureParties: ['platform', 'customs'], ids: { form: 'alnum' }, train: { epochs: 3, batchSize: 64 } });
const plan = makeSchedule(77, c.bank.rows.length, job.evaluation.holdout, job.train.batchSize, job.train.epochs);
const heldOut = { header: c.bank.header, rows: Array.from(plan.test, (i) => c.bank.rows[i]!) };
const labels = Array.from(plan.test, (i) => data.bank.labels![i]!);
const seenAtBank: BigUint64Array[] = [];

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'fc-vertical-parts-'));
const dirOf = (p: string) => path.join(stateDir, p);

describe('federated scoring', async () => {
  const out = await simulateVertical(job, data, {
    salt: 'score', rng: seededRng(5), planSeed: 77, keepOpen: true, jobId: 'scoring-job',
    partyOptions: (p) => ({ stateDir: dirOf(p) }),
    onReceive: (p, _from, step, _t, arrays) => {
      if (p === 'bank' && step.startsWith('score:')) seenAtBank.push(arrays.u as BigUint64Array);
    },
  });
  afterAll(async () => {
    await out.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('gives the held-out applicants the scores the job evaluated', async () => {
    const r = await out.score(heldOut, c.bank.idColumn);
    expect(r.unavailable).toEqual([]);
    expect(r.applicants).toHaveLength(plan.test.length);
    expect(r.applicants.every((a) => a.model === 'joint' && a.score > 0 && a.score < 1)).toBe(true);
    expect(exactAuc(r.applicants.map((a) => a.score), labels)).toBeCloseTo(out.metrics.auc, 6);
  });

  it('shows the label holder each feature party\'s part only masked', () => {
    expect(seenAtBank).toHaveLength(2);
    for (const u of seenAtBank) {
      const small = u.filter((w) => BigInt.asIntN(64, w) < 2n ** 40n && BigInt.asIntN(64, w) > -(2n ** 40n)).length;
      expect(small / u.length).toBeLessThan(0.01);
    }
  });

  it('explains each score by the label holder\'s own columns only', async () => {
    const r = await out.score({ header: heldOut.header, rows: heldOut.rows.slice(0, 20) }, c.bank.idColumn);
    const own = new Set(out.parts.bank!.columns);
    for (const a of r.applicants) {
      expect(a.reasons.length).toBeLessThanOrEqual(3);
      for (const reason of a.reasons) {
        expect(own.has(reason.column)).toBe(true);
        expect(reason.logOdds).toBeGreaterThan(0);
      }
    }
    expect(r.applicants.some((a) => a.reasons.length > 0)).toBe(true);
  });

  it('fails naming the party that is down, or falls back to the declared reduced model when asked', async () => {
    await expect(out.score(heldOut, c.bank.idColumn, { down: ['customs'] })).rejects.toThrow(ScoringError);
    await expect(out.score(heldOut, c.bank.idColumn, { down: ['customs'] })).rejects.toThrow(/party "customs": not connected/);
    const r = await out.score(heldOut, c.bank.idColumn, { down: ['customs'], fallback: 'label-holder-only' });
    expect(r.unavailable).toEqual(['customs']);
    expect(r.applicants.every((a) => a.model === 'label-holder-only')).toBe(true);
    expect(exactAuc(r.applicants.map((a) => a.score), labels)).toBeCloseTo(out.labelHolderOnly.auc, 6);
  });

  it('scores the same after every node restarts, from the parts kept in the state dir (mode 0600)', async () => {
    expect(statSync(path.join(dirOf('platform'), 'vertical', 'scoring-job.json')).mode & 0o777).toBe(0o600);
    const fresh = Object.fromEntries(Object.entries(data).map(([name, d]) => [name, new VerticalParty({ name, data: d, salt: 'score', stateDir: dirOf(name) })]));
    const grid = verticalMemoryGrid(new Map(Object.entries(fresh).map(([n, p]) => [n, p.handle])));
    const again = await fresh.bank!.score('scoring-job', heldOut, c.bank.idColumn, (r) => runScoreStage(grid, r.jobId, job, r.request, r.envelopes, r.deadlineMs));
    const before = await out.score(heldOut, c.bank.idColumn);
    again.applicants.forEach((a, i) => expect(a.score).toBeCloseTo(before.applicants[i]!.score, 9));
  });

  it('refuses applicants whose columns the model does not know', async () => {
    await expect(out.score({ header: ['customer_id'], rows: [['x1']] }, 'customer_id')).rejects.toThrow(/the column "[a-z_0-9]+" the model was trained on is missing/);
  });
});
