/**
 * `fedcredit simulate` with a vertical job file, as a user runs it: a small synthetic vertical
 * consortium written to CSV files, the example job, every party in the CLI's process. The report
 * holds the joint model, the label holder alone and the pooled-columns reference on the same
 * rows, and the intersection counts; bad input is refused with the file, party and column named.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeVerticalConsortium } from '../sim/synthetic/vertical-write.ts';
import { ROOT, runCli, tempDir } from './helpers.ts';

const tmp = tempDir('vertical-cli');
afterAll(() => tmp.cleanup());
const JOB = path.join(ROOT, 'examples', 'vertical', 'job.json');
const written = writeVerticalConsortium(tmp.dir, { seed: 2, scale: 0.25 });
const parties = written.flatMap((p) => ['--party', `${p.name}=${p.path}`]);

describe('fedcredit simulate, vertical job', () => {
  it('runs the job in process and reports the joint model beside the label holder alone and the pooled reference', async () => {
    const r = await runCli(['simulate', '--job', JOB, ...parties, '--seed', '5', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep).toMatchObject({ mode: 'vertical-in-process', state: 'SUCCEEDED', aggregation: 'vertical', planSeed: 5, participants: ['bank', 'platform', 'customs'] });
    const bank = written.find((p) => p.name === 'bank')!.rows;
    expect(rep.rows.aligned).toBe(bank);
    expect(rep.rows.train + rep.rows.test).toBe(bank);
    expect(rep.federated.n).toBe(rep.rows.test);
    expect(rep.centralized.n).toBe(rep.rows.test);
    expect(rep.psi.labelIds).toBe(bank);
    expect(rep.psi.partyIds.platform).toBe(written.find((p) => p.name === 'platform')!.rows);
    expect(rep.psi.shared.platform).toBeGreaterThan(0.75 * bank);
    expect(rep.psi.shared.customs).toBeGreaterThan(0.2 * bank);
    expect(rep.psi.shared.customs).toBeLessThan(0.4 * bank);
    expect(rep.federated.auc).toBeGreaterThanOrEqual(rep.centralized.auc - 0.01);
    expect(rep.federated.auc).toBeGreaterThan(rep.labelHolderOnly.auc);
    expect(rep.guarantee).toMatch(/two additive shares/);
    expect(rep.seconds.total).toBeGreaterThan(0);
    // Progress goes to stderr with --json; no ID is ever printed.
    expect(r.stderr).toMatch(/training: epoch 8 of 8/);
    expect(r.stdout + r.stderr).not.toMatch(/C-0\d{5}|c0\d{5}/);
    console.log(`vertical simulate: joint AUC ${rep.federated.auc.toFixed(4)}, pooled ${rep.centralized.auc.toFixed(4)}, ${rep.labelHolderOnly.auc.toFixed(4)} label holder only; ${rep.psi.shared.platform}/${rep.psi.shared.customs} of ${bank} shared; ${rep.seconds.total.toFixed(1)} s`);
  });

  it('names the file, party and column of a label column that does not exist', async () => {
    const r = await runCli(['simulate', '--job', JOB, ...parties, '--label-column', 'defaulted', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/party "bank": .*bank\.csv: the label column "defaulted" is not a column \(columns: customer_id, /);
    expect(r.stdout).toBe('');
  });

  it('refuses --out for a vertical run: there is no single model', async () => {
    const job = path.join(tmp.dir, 'job.json');
    writeFileSync(job, JSON.stringify({ partition: 'vertical', labelHolder: 'bank', featureParties: ['platform'] }));
    const r = await runCli(['run', '--coordinator', '127.0.0.1:1', '--insecure', '--job', job, '--out', tmp.dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/job\.json is a vertical job: there is no single model to save with --out/);
  });
});
