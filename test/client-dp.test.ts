/**
 * Client-level DP (DP-FedAvg) end to end in one process (sim/simulate.ts): the real job manager
 * and round engine, real secure aggregation (authenticated, with a roster), and each member's
 * real handler chain with its ledger and receipts on disk. Distributed discrete Gaussian noise
 * added by the participants inside the secure sum, and central noise added by the coordinator
 * (from the job manager's rng, seeded here) with adaptive clipping. Checks what each round
 * reports (clip norm, z, t, the signed receipts and their ε) against the accountant, what the
 * ledgers on disk hold, that the model still learns, and that an auditor accepts the receipts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyReceiptsCommand } from '../cli/verify-receipts-cmd.ts';
import { inputDim } from '../core/data/schema.ts';
import { JobSpecSchema } from '../core/job.ts';
import type { JobSpec } from '../core/job.ts';
import { modelLayout } from '../core/model/layout.ts';
import { DEFAULT_RDP_ORDERS, epsilonFromRdp } from '../core/privacy/index.ts';
import { mechanismRdp } from '../core/privacy/ledger-format.ts';
import { clientPlanFor } from '../core/round/client-round.ts';
import { layoutSize } from '../core/types.ts';
import { loadSchemaFile } from '../participant/data/load.ts';
import { simulate } from '../sim/simulate.ts';
import { SYNTHETIC_SCHEMA, tempDir } from './helpers.ts';
import { syntheticTables, wireRounds } from './support/simulated.ts';

const DELTA = 1e-5;
const base = {
  rounds: 5, minParticipants: 3, seed: 11, train: { batchSize: 32, learningRate: 0.2, localEpochs: 2 }, evaluation: { bins: 200 },
  strategy: { type: 'fedavg' },
};

describe('client-level differential privacy', () => {
  const tmp = tempDir('client-dp');
  const schema = loadSchemaFile(SYNTHETIC_SCHEMA);
  const parties = syntheticTables(schema).map((p) => ({ ...p, privacyBudget: { epsilon: 1_000_000, delta: DELTA } }));
  const size = layoutSize(modelLayout({ type: 'logistic' }, inputDim(schema)));
  const nodeDir = (name: string) => path.join(tmp.dir, 'nodes', name);
  afterAll(() => tmp.cleanup());

  // Both jobs run on the same members' state dirs (their ledgers and receipt chains go on, as on long-running nodes),
  // under one seed: the members keep their identity keys, and the noise is replayable.
  const runJob = (job: JobSpec) => simulate({ job, schema, parties, stateDir: tmp.dir, seed: 11 });
  const ledgerCharges = (name: string, jobId: string) =>
    JSON.parse(readFileSync(path.join(nodeDir(name), 'privacy', 'ledger.json'), 'utf8')).entries.filter(
      (e: { kind: string; jobId?: string }) => e.kind === 'charge' && e.jobId === jobId,
    );

  it('distributed noise: every node adds its share inside the secure sum and accounts it; the model learns', async () => {
    const job = JobSpecSchema.parse({ ...base, name: 'client-distributed', privacy: { mode: 'client', noise: 'distributed', noiseMultiplier: 0.2, clipNorm: 1, delta: DELTA } });
    const final = await runJob(job);
    expect(final.state, final.error).toBe('SUCCEEDED');
    const n = parties.length;
    const rounds = wireRounds(final).filter((r) => r.round > 0);
    const t = rounds[0]!.secure!.threshold;
    const plan = clientPlanFor(job, size, t)!;
    expect(plan.spend.mechanism).toBe('distributed-discrete-gaussian');
    for (const r of rounds) {
      expect(r.clientDp).toMatchObject({ noise: 'distributed', clipNorm: 1, survivors: t, adaptive: false });
      expect(r.clientDp!.noiseMultiplier).toBeCloseTo(0.2, 12);
      expect(r.secure!.survivors).toBe(n);
      expect(r.privacy.map((p) => p.participant).sort()).toEqual(parties.map((p) => p.name).sort());
      // Each receipt is signed with the member's roster key and states the accountant's ε after r rounds of this mechanism.
      for (const p of r.privacy) {
        expect(p.signatureValid).toBe(true);
        expect(p.verifiedAgainstRoster).toBe(true);
        const receipt = JSON.parse(p.receiptJson).receipt;
        expect(receipt.mechanism).toBe('distributed-discrete-gaussian');
        expect(receipt.params).toEqual(plan.spend.params);
        expect(p.epsilonJob).toBeCloseTo(epsAfter(plan.spend, r.round), 9);
      }
    }
    expect(epsAfter(plan.spend, job.rounds)).toBeCloseTo(plan.epsilonJob, 9);
    // The ledgers on disk hold one charge per round with the per-client variance σ² = (z·B)²/t.
    for (const p of parties) {
      const charges = ledgerCharges(p.name, final.jobId);
      expect(charges.map((c: { round: number }) => c.round)).toEqual([1, 2, 3, 4, 5]);
      expect(charges[0].params.sigma2PerClient).toBeCloseTo((0.2 * plan.normBound) ** 2 / t, 3);
    }
    // The model learns despite the noise. The noise is seeded here; unseeded runs saw a final AUC as low as 0.693.
    const initial = final.rounds.find((r) => r.round === 0)!.metrics.auc;
    const last = rounds.at(-1)!.metrics!.auc;
    expect(last).toBeGreaterThan(0.62);
    expect(last - initial).toBeGreaterThan(0.1);
    // An auditor checks bank-a's receipts on disk against the key the roster lists for it.
    const rosterFile = path.join(tmp.dir, 'roster.json');
    writeFileSync(rosterFile, JSON.stringify(final.roster));
    const out: string[] = [];
    const code = verifyReceiptsCommand({ receipts: path.join(nodeDir('bank-a'), 'privacy', 'receipts.jsonl'), roster: rosterFile, participant: 'bank-a', json: false }, (l) => out.push(l));
    expect(code, out.join('\n')).toBe(0);
  });

  it('central noise with adaptive clipping: S moves towards the median update norm, and the trust is stated', async () => {
    const job = JobSpecSchema.parse({
      ...base, name: 'client-central', rounds: 6,
      privacy: { mode: 'client', noise: 'central', noiseMultiplier: 0.05, clipNorm: 1e-4, delta: DELTA, adaptiveClipping: { targetQuantile: 0.5, learningRate: 0.5, countNoise: 0.3 } },
    });
    const final = await runJob(job);
    expect(final.state, final.error).toBe('SUCCEEDED');
    expect(final.guarantee).toMatch(/the COORDINATOR adds Gaussian noise to the sum, so the guarantee holds only if the coordinator is trusted/);
    const rounds = wireRounds(final).filter((r) => r.round > 0);
    const norms = rounds.map((r) => r.clientDp!.clipNorm);
    expect(norms[0]).toBe(1e-4);
    for (const r of rounds) {
      expect(r.clientDp).toMatchObject({ noise: 'central', adaptive: true });
      expect(r.privacy.every((p) => JSON.parse(p.receiptJson).receipt.params.trustedCoordinator === true)).toBe(true);
    }
    // Every update is far above S = 1e-4, so the noisy unclipped fraction stays low and S grows each round.
    expect(rounds[0]!.clientDp!.unclippedFraction).toBeLessThan(0.5);
    for (let i = 1; i < norms.length; i++) expect(norms[i]).toBeGreaterThan(norms[i - 1]!);
  });
});

function epsAfter(spend: Parameters<typeof mechanismRdp>[0], rounds: number): number {
  const one = mechanismRdp(spend, DEFAULT_RDP_ORDERS);
  return epsilonFromRdp({ orders: one.orders, rdp: one.rdp.map((r) => r * rounds) }, DELTA).epsilon;
}
