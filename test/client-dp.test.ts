/**
 * Client-level DP (DP-FedAvg) end to end over real gRPC, with real participant processes, real
 * secure aggregation and real ledgers: distributed discrete Gaussian noise added by the
 * participants inside the secure sum, and central noise added by the coordinator with adaptive
 * clipping. Checks what each round reports (clip norm, z, t, the signed receipts and their ε)
 * against the accountant, what the ledgers on disk hold, and that the model still learns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadSchemaFile } from '../participant/data/load.ts';
import { startCoordinator } from '../coordinator/server.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import { ControlClient } from '../client/control-client.ts';
import { JobSpecSchema } from '../core/job.ts';
import type { JobSpec } from '../core/job.ts';
import { inputDim } from '../core/data/schema.ts';
import { modelLayout } from '../core/model/layout.ts';
import { layoutSize } from '../core/types.ts';
import { clientPlanFor } from '../core/round/client-round.ts';
import { DEFAULT_RDP_ORDERS, epsilonFromRdp } from '../core/privacy/index.ts';
import { mechanismRdp } from '../core/privacy/ledger-format.ts';
import { SYNTHETIC_SCHEMA, runCli, startParticipant, stopAll, syntheticParties, tempDir } from './helpers.ts';
import type { ParticipantProcess } from './helpers.ts';

const DELTA = 1e-5;
const base = {
  rounds: 5, minParticipants: 3, seed: 11, train: { batchSize: 32, learningRate: 0.2, localEpochs: 2 }, evaluation: { bins: 200 },
  strategy: { type: 'fedavg' },
};

describe('client-level differential privacy', () => {
  const tmp = tempDir('client-dp');
  const parties = syntheticParties(tmp.dir);
  const schema = loadSchemaFile(SYNTHETIC_SCHEMA);
  const size = layoutSize(modelLayout({ type: 'logistic' }, inputDim(schema)));
  const nodeDir = (name: string) => path.join(tmp.dir, 'nodes', name);
  let coord: CoordinatorHandle;
  let parts: ParticipantProcess[] = [];

  beforeAll(async () => {
    coord = await startCoordinator({ port: 0, stateDir: path.join(tmp.dir, 'coord'), logLevel: 'silent', heartbeatIntervalMs: 250, heartbeatTimeoutMs: 5000 });
    parts = parties.map((p) =>
      startParticipant(p.name, p.path, coord.address, SYNTHETIC_SCHEMA, ['--state-dir', nodeDir(p.name), '--privacy-budget-epsilon', '1000000', '--privacy-budget-delta', String(DELTA)]));
  });
  afterAll(async () => {
    await stopAll(parts);
    await coord.stop();
    tmp.cleanup();
  });

  const runJob = async (spec: JobSpec) => {
    const control = new ControlClient(coord.address);
    for (let i = 0; i < 300 && coord.grid.available().length < parties.length; i++) await new Promise((r) => setTimeout(r, 100));
    const final = await control.follow(await control.submit(spec, schema), () => undefined);
    control.close();
    return final;
  };
  const ledgerCharges = (name: string, jobId: string) =>
    JSON.parse(readFileSync(path.join(nodeDir(name), 'privacy', 'ledger.json'), 'utf8')).entries.filter(
      (e: { kind: string; jobId?: string }) => e.kind === 'charge' && e.jobId === jobId,
    );

  it('distributed noise: every node adds its share inside the secure sum and accounts it; the model learns', async () => {
    const job = JobSpecSchema.parse({ ...base, name: 'client-distributed', privacy: { mode: 'client', noise: 'distributed', noiseMultiplier: 0.2, clipNorm: 1, delta: DELTA } });
    const final = await runJob(job);
    expect(final.state, final.error).toBe('SUCCEEDED');
    const n = parties.length;
    const rounds = final.rounds.filter((r) => r.round > 0);
    const t = rounds[0].secure!.threshold;
    const plan = clientPlanFor(job, size, t)!;
    expect(plan.spend.mechanism).toBe('distributed-discrete-gaussian');
    for (const r of rounds) {
      expect(r.clientDp).toMatchObject({ noise: 'distributed', clipNorm: 1, survivors: t, adaptive: false });
      expect(r.clientDp!.noiseMultiplier).toBeCloseTo(0.2, 12);
      expect(r.secure!.survivors).toBe(n);
      expect(r.privacy.map((p) => p.participant).sort()).toEqual(parties.map((p) => p.name).sort());
      // Each receipt states the accountant's ε after r rounds of this mechanism.
      for (const p of r.privacy) {
        expect(p.signatureValid).toBe(true);
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
    // The model learns despite the noise. The noise is random, so the final AUC varies from run to run (one CI run saw 0.693).
    const initial = final.rounds.find((r) => r.round === 0)!.metrics!.auc;
    const last = rounds[rounds.length - 1].metrics!.auc;
    expect(last).toBeGreaterThan(0.62);
    expect(last - initial).toBeGreaterThan(0.1);
    const verified = await runCli(['verify-receipts', '--receipts', path.join(nodeDir('bank-a'), 'privacy', 'receipts.jsonl')]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });

  it('central noise with adaptive clipping: S moves towards the median update norm, and the trust is stated', async () => {
    const job = JobSpecSchema.parse({
      ...base, name: 'client-central', rounds: 6,
      privacy: { mode: 'client', noise: 'central', noiseMultiplier: 0.05, clipNorm: 1e-4, delta: DELTA, adaptiveClipping: { targetQuantile: 0.5, learningRate: 0.5, countNoise: 0.3 } },
    });
    const final = await runJob(job);
    expect(final.state, final.error).toBe('SUCCEEDED');
    expect(final.guarantee).toMatch(/the COORDINATOR adds Gaussian noise to the sum, so the guarantee holds only if the coordinator is trusted/);
    const rounds = final.rounds.filter((r) => r.round > 0);
    const norms = rounds.map((r) => r.clientDp!.clipNorm);
    expect(norms[0]).toBe(1e-4);
    for (const r of rounds) {
      expect(r.clientDp).toMatchObject({ noise: 'central', adaptive: true });
      expect(r.privacy.every((p) => JSON.parse(p.receiptJson).receipt.params.trustedCoordinator === true)).toBe(true);
    }
    // Every update is far above S = 1e-4, so the noisy unclipped fraction stays low and S grows each round.
    expect(rounds[0].clientDp!.unclippedFraction).toBeLessThan(0.5);
    for (let i = 1; i < norms.length; i++) expect(norms[i]).toBeGreaterThan(norms[i - 1]);
  });
});

function epsAfter(spend: Parameters<typeof mechanismRdp>[0], rounds: number): number {
  const one = mechanismRdp(spend, DEFAULT_RDP_ORDERS);
  return epsilonFromRdp({ orders: one.orders, rdp: one.rdp.map((r) => r * rounds) }, DELTA).epsilon;
}