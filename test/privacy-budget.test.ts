/**
 * Each institution enforces its own privacy budget, in one process (sim/simulate.ts) with each
 * member's real handler chain and ledger files on disk, and no roster (receipts are signed with
 * each node's own key): every release of a record-level job is charged (noisy count, statistics,
 * each round's training and evaluation); a node whose budget fits one job but not a second
 * refuses the second before round 1, having spent nothing on it — both while it keeps running
 * (the same handler chain, its ledger in memory) and after a restart (reassembled from its state
 * dir); `fedcredit budget` reports the spend, and an auditor's `verify-receipts` accepts the
 * receipts and rejects a tampered copy.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { budgetCommand } from '../cli/budget-cmd.ts';
import { verifyReceiptsCommand } from '../cli/verify-receipts-cmd.ts';
import type { VerifyReceiptsOptions } from '../cli/verify-receipts-cmd.ts';
import { JobSpecSchema } from '../core/job.ts';
import { DEFAULT_RDP_ORDERS, epsilonFromRdp } from '../core/privacy/index.ts';
import { dpSgdPlan, recordJobCost, recordReleasePlan } from '../core/privacy/record-plan.ts';
import { loadSchemaFile } from '../participant/data/load.ts';
import { simulate } from '../sim/simulate.ts';
import { SYNTHETIC_SCHEMA, tempDir } from './helpers.ts';
import { runOnLiveMembers, syntheticTables, wireRounds } from './support/simulated.ts';

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
  return c.train.rdp.map((r, i) => Math.max(r, c.holdout.rdp[i]!));
}
const eps = (rdp: number[]) => epsilonFromRdp({ orders: [...DEFAULT_RDP_ORDERS], rdp }, DELTA).epsilon;
const twoRounds = jobCurve(2);
const both = twoRounds.map((r, i) => r + jobCurve(3)[i]!);
const REFUSED = /bank-a: refused: privacy budget: the whole job would cost this node/;

describe('privacy budgets enforced by each institution', () => {
  const tmp = tempDir('privacy-budget');
  const nodeDir = (name: string) => path.join(tmp.dir, 'nodes', name);
  // bank-a can afford the two-round job, but not a three-round job after it; the others can afford anything here.
  const budgetOf = (name: string) => (name === 'bank-a' ? (eps(twoRounds) + eps(both)) / 2 : 100);
  const parties = syntheticTables(schema)
    .filter((p) => p.name !== 'bank-b')
    .map((p) => ({ ...p, privacyBudget: { epsilon: budgetOf(p.name), delta: DELTA } }));
  // No roster, as on a test network without one: each node signs with the key in its state dir.
  // Every call reassembles the members from their state dirs (ledger, receipts, keys): a restart.
  const restartAndRun = (rounds: number) => simulate({ job: spec(rounds), schema, parties, stateDir: tmp.dir, authenticated: false, seed: 4 });
  afterAll(() => tmp.cleanup());

  const charges = () =>
    (JSON.parse(readFileSync(path.join(nodeDir('bank-a'), 'privacy', 'ledger.json'), 'utf8')).entries as { kind: string; stage: string; round: number; jobId: string }[]).filter((e) => e.kind === 'charge');

  it('charges every release of a job, and refuses a whole job that would overspend before round 1', async () => {
    const first = await restartAndRun(2);
    expect(first.state, first.error).toBe('SUCCEEDED');
    // The noisy row count, the statistics, and each round's training and evaluation.
    expect(charges().map((e) => `${e.stage}/${e.round}`)).toEqual(['count/0', 'stats/0', 'train/1', 'evaluate/1', 'train/2', 'evaluate/2']);
    const rounds = wireRounds(first);
    const r2 = rounds.find((r) => r.round === 2)!;
    const a2 = r2.privacy.find((p) => p.participant === 'bank-a')!;
    expect(a2.signatureValid).toBe(true);
    // No roster: the receipt is checked only against the key it embeds, and everything says so.
    expect(a2.verifiedAgainstRoster).toBe(false);
    expect(first.guarantee).toContain('signed receipts, which are NOT pinned to a roster');
    expect(a2.delta).toBe(DELTA);
    expect(a2.epsilonJob).toBeLessThan(eps(twoRounds) + 1e-9);
    // The noised statistics and evaluations come with signed receipts too, in the round records.
    const stagesOf = (round: number) => rounds.find((r) => r.round === round)!.privacy.filter((p) => p.participant === 'bank-a').map((p) => p.stage);
    expect(stagesOf(0)).toEqual(['stats']);
    expect(stagesOf(2)).toEqual(['train', 'evaluate']);
    const last = r2.privacy.filter((p) => p.participant === 'bank-a').at(-1)!;
    expect(last.epsilonJob).toBeCloseTo(eps(twoRounds), 6); // after its last release the job has cost exactly the plan

    // The same nodes, still running (their ledgers in memory), are asked for the three-round job.
    const second = await runOnLiveMembers(first, spec(3), schema, path.join(tmp.dir, 'coordinator-live'));
    expect(second.state).toBe('FAILED');
    expect(second.error).toMatch(
      /^round 0 stats: .*bank-a: refused: privacy budget: the whole job would cost this node ε = \d\.\d+ at δ = 1e-5 \(3 rounds, 3 evaluations\), taking its total from ε = \d\.\d+ to \d\.\d+ at δ = 1e-5, beyond its budget ε = \d\.\d+; refused before round 1, nothing was spent \[privacy_budget\]/,
    );
    expect(charges()).toHaveLength(6); // nothing of the refused job
  });

  it('the ledger survives a restart, and an auditor verifies the receipts', async () => {
    // The restarted node remembers its spend: the three-round job is still refused up front.
    const final = await restartAndRun(3);
    expect(final.state).toBe('FAILED');
    expect(final.error).toMatch(REFUSED);
    expect(charges()).toHaveLength(6);

    const report: string[] = [];
    budgetCommand(nodeDir('bank-a'), true, (l) => report.push(l));
    const budget = JSON.parse(report.join('\n'));
    expect(budget.spent).toBeCloseTo(eps(twoRounds), 6);
    expect(budget.remaining).toBeCloseTo(budgetOf('bank-a') - eps(twoRounds), 6);
    expect(budget.jobs).toHaveLength(1);
    expect(budget.jobs[0]).toMatchObject({ charges: 6, recordLevel: { noiseMultiplier: Z, sampleRate: 1, stepsPerRound: 1 } });

    const verify = (o: Omit<VerifyReceiptsOptions, 'json'>) => {
      const out: string[] = [];
      const code = verifyReceiptsCommand({ ...o, json: false }, (l) => out.push(l));
      return { code, stdout: out.join('\n') };
    };
    const receipts = path.join(nodeDir('bank-a'), 'privacy', 'receipts.jsonl');
    const ok = verify({ receipts });
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/^6 receipt\(s\) verified with key [0-9a-f]{16}…$/m);

    const lines = readFileSync(receipts, 'utf8').trim().split('\n');
    const tampered = JSON.parse(lines[0]!);
    tampered.receipt.epsilonRound /= 2;
    const forged = path.join(tmp.dir, 'forged.jsonl');
    writeFileSync(forged, [JSON.stringify(tampered), lines[1]].join('\n') + '\n');
    const key = readFileSync(path.join(nodeDir('bank-a'), 'privacy', 'receipt-key.pub'), 'utf8').trim();
    const bad = verify({ receipts: forged, publicKey: key });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/BAD #0 .*signature does not verify/);
    expect(bad.stdout).toMatch(/verification FAILED/);
  });
});
