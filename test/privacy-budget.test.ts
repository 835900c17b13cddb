/**
 * Each institution enforces its own privacy budget, over real gRPC with real participant
 * processes and real ledger files: every release of a record-level job is charged (noisy count,
 * statistics, each round's training and evaluation); a node whose budget fits one job but not a
 * second refuses the second before round 1, having spent nothing on it; the ledger and signed
 * receipts survive a restart (the restarted node refuses at once), `fedcredit budget` reports the
 * spend, and an auditor's `verify-receipts` accepts the receipts and rejects a tampered copy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadSchemaFile } from '../participant/data/load.ts';
import { startCoordinator } from '../coordinator/server.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import { ControlClient } from '../client/control-client.ts';
import { JobSpecSchema } from '../core/job.ts';
import { DEFAULT_RDP_ORDERS, epsilonFromRdp } from '../core/privacy/index.ts';
import { dpSgdPlan, recordJobCost, recordReleasePlan } from '../core/privacy/record-plan.ts';
import { SYNTHETIC_SCHEMA, runCli, startParticipant, stopAll, syntheticParties, tempDir } from './helpers.ts';
import type { ParticipantProcess } from './helpers.ts';

const DELTA = 1e-5;
const Z = 4;
// batchSize above every party's rows → q = 1: one full-batch DP-SGD step per round.
const spec = (rounds: number) =>
  JobSpecSchema.parse({
    name: `budget-${rounds}`, rounds, minParticipants: 3, seed: 4 + rounds, train: { batchSize: 100_000, learningRate: 0.5 },
    evaluation: { bins: 20 }, privacy: { mode: 'record', noiseMultiplier: Z, delta: DELTA, clipNorm: 1 },
  });
const schema = loadSchemaFile(SYNTHETIC_SCHEMA);
/** The RDP of a whole job as every node plans it (t = 3: three members, minParticipants 3). */
function jobCurve(rounds: number): number[] {
  const job = spec(rounds);
  const plan = recordReleasePlan(job, schema, 3);
  const c = recordJobCost(job, plan, dpSgdPlan(job, plan, 100)); // q = 1 for any row count below the batch size
  return c.train.rdp.map((r, i) => Math.max(r, c.holdout.rdp[i]));
}
const eps = (rdp: number[]) => epsilonFromRdp({ orders: [...DEFAULT_RDP_ORDERS], rdp }, DELTA).epsilon;
const twoRounds = jobCurve(2);
const both = twoRounds.map((r, i) => r + jobCurve(3)[i]);

describe('privacy budgets enforced by each institution', () => {
  const tmp = tempDir('privacy-budget');
  const parties = syntheticParties(tmp.dir).filter((p) => p.name !== 'bank-b');
  const nodeDir = (name: string) => path.join(tmp.dir, 'nodes', name);
  // bank-a can afford the two-round job, but not a three-round job after it; the others can afford anything here.
  const budgetOf = (name: string) => (name === 'bank-a' ? (eps(twoRounds) + eps(both)) / 2 : 100);
  const start = (name: string, file: string) =>
    startParticipant(name, file, coord.address, SYNTHETIC_SCHEMA, ['--state-dir', nodeDir(name), '--privacy-budget-epsilon', String(budgetOf(name)), '--privacy-budget-delta', String(DELTA)]);
  let coord: CoordinatorHandle;
  let parts: ParticipantProcess[] = [];

  beforeAll(async () => {
    coord = await startCoordinator({ port: 0, stateDir: path.join(tmp.dir, 'coord'), logLevel: 'silent', heartbeatIntervalMs: 250, heartbeatTimeoutMs: 3000 });
    parts = parties.map((p) => start(p.name, p.path));
  });
  afterAll(async () => {
    await stopAll(parts);
    await coord.stop();
    tmp.cleanup();
  });

  const runJob = async (job: ReturnType<typeof spec>) => {
    const control = new ControlClient(coord.address);
    for (let i = 0; i < 300 && coord.grid.available().length < 3; i++) await new Promise((r) => setTimeout(r, 100));
    const final = await control.follow(await control.submit(job, schema), () => undefined);
    control.close();
    return final;
  };
  const charges = () =>
    (JSON.parse(readFileSync(path.join(nodeDir('bank-a'), 'privacy', 'ledger.json'), 'utf8')).entries as { kind: string; stage: string; round: number; jobId: string }[]).filter((e) => e.kind === 'charge');

  it('charges every release of a job, and refuses a whole job that would overspend before round 1', async () => {
    const first = await runJob(spec(2));
    expect(first.state, first.error).toBe('SUCCEEDED');
    // The noisy row count, the statistics, and each round's training and evaluation.
    expect(charges().map((e) => `${e.stage}/${e.round}`)).toEqual(['count/0', 'stats/0', 'train/1', 'evaluate/1', 'train/2', 'evaluate/2']);
    const r2 = first.rounds.find((r) => r.round === 2)!;
    const a2 = r2.privacy.find((p) => p.participant === 'bank-a')!;
    expect(a2.signatureValid).toBe(true);
    // No roster on this test network: the receipt is checked only against the key it embeds, and everything says so.
    expect(a2.verifiedAgainstRoster).toBe(false);
    expect(first.guarantee).toContain('signed receipts, which are NOT pinned to a roster');
    expect(a2.delta).toBe(DELTA);
    expect(a2.epsilonJob).toBeLessThan(eps(twoRounds) + 1e-9);
    // The noised statistics and evaluations come with signed receipts too, in the round records.
    const stagesOf = (round: number) => first.rounds.find((r) => r.round === round)!.privacy.filter((p) => p.participant === 'bank-a').map((p) => p.stage);
    expect(stagesOf(0)).toEqual(['stats']);
    expect(stagesOf(2)).toEqual(['train', 'evaluate']);
    const last = r2.privacy.filter((p) => p.participant === 'bank-a').at(-1)!;
    expect(last.epsilonJob).toBeCloseTo(eps(twoRounds), 6); // after its last release the job has cost exactly the plan

    const second = await runJob(spec(3));
    expect(second.state).toBe('FAILED');
    expect(second.error).toMatch(
      /^round 0 stats: .*bank-a: refused: privacy budget: the whole job would cost this node ε = \d\.\d+ at δ = 1e-5 \(3 rounds, 3 evaluations\), taking its total from ε = \d\.\d+ to \d\.\d+ at δ = 1e-5, beyond its budget ε = \d\.\d+; refused before round 1, nothing was spent \[privacy_budget\]/,
    );
    expect(charges()).toHaveLength(6); // nothing of the refused job
  });

  it('the ledger survives a restart, and an auditor verifies the receipts', async () => {
    const victim = parts.find((p) => p.name === 'bank-a')!;
    victim.child.kill('SIGTERM');
    await victim.exited;
    for (let i = 0; i < 300 && coord.grid.available().includes('bank-a'); i++) await new Promise((r) => setTimeout(r, 100));
    parts = [...parts.filter((p) => p !== victim), start('bank-a', parties.find((p) => p.name === 'bank-a')!.path)];

    // The restarted node remembers its spend: the three-round job is still refused up front.
    const final = await runJob(spec(3));
    expect(final.state).toBe('FAILED');
    expect(final.error).toMatch(/bank-a: refused: privacy budget: the whole job would cost this node/);

    const report = await runCli(['budget', '--state-dir', nodeDir('bank-a'), '--json']);
    expect(report.code, report.stderr).toBe(0);
    const budget = JSON.parse(report.stdout);
    expect(budget.spent).toBeCloseTo(eps(twoRounds), 6);
    expect(budget.remaining).toBeCloseTo(budgetOf('bank-a') - eps(twoRounds), 6);
    expect(budget.jobs).toHaveLength(1);
    expect(budget.jobs[0]).toMatchObject({ charges: 6, recordLevel: { noiseMultiplier: Z, sampleRate: 1, stepsPerRound: 1 } });

    const receipts = path.join(nodeDir('bank-a'), 'privacy', 'receipts.jsonl');
    const ok = await runCli(['verify-receipts', '--receipts', receipts]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^6 receipt\(s\) verified with key [0-9a-f]{16}…$/m);

    const lines = readFileSync(receipts, 'utf8').trim().split('\n');
    const tampered = JSON.parse(lines[0]);
    tampered.receipt.epsilonRound /= 2;
    const forged = path.join(tmp.dir, 'forged.jsonl');
    writeFileSync(forged, [JSON.stringify(tampered), lines[1]].join('\n') + '\n');
    const key = readFileSync(path.join(nodeDir('bank-a'), 'privacy', 'receipt-key.pub'), 'utf8').trim();
    const bad = await runCli(['verify-receipts', '--receipts', forged, '--public-key', key]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/BAD #0 .*signature does not verify/);
    expect(bad.stdout).toMatch(/verification FAILED/);
  });
});
