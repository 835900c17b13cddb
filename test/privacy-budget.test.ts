/**
 * Each institution enforces its own privacy budget (issue 4), over real gRPC with real
 * participant processes and real ledger files: a node whose budget fits two DP rounds refuses
 * the third before training, the job fails with that reason, the node's ledger and signed
 * receipts survive a restart (the restarted node refuses at once), and an auditor's
 * `verify-receipts` accepts the receipts and rejects a tampered copy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadSchemaFile } from '../participant/data/load';
import { startCoordinator } from '../coordinator/server';
import type { CoordinatorHandle } from '../coordinator/server';
import { Control } from '../cli/control-client';
import { JobSpecSchema } from '../core/job';
import { sampledGaussianEpsilon } from '../core/privacy';
import { SYNTHETIC_SCHEMA, runCli, startParticipant, stopAll, syntheticParties, tempDir } from './helpers';
import type { ParticipantProcess } from './helpers';

const DELTA = 1e-5;
const Z = 4;
// batchSize above every party's rows → q = 1: one full-batch step per round, ε from the closed form.
const job = JobSpecSchema.parse({
  name: 'budget', rounds: 3, minParticipants: 3, seed: 4, train: { batchSize: 100_000, learningRate: 0.5 },
  evaluation: { bins: 100 }, privacy: { mode: 'record', noiseMultiplier: Z, delta: DELTA, clipNorm: 1 },
});
const epsAfter = (rounds: number) => sampledGaussianEpsilon({ q: 1, noiseMultiplier: Z, steps: rounds }, DELTA).epsilon;

describe('privacy budgets enforced by each institution', () => {
  const tmp = tempDir('privacy-budget');
  const parties = syntheticParties(tmp.dir).filter((p) => p.name !== 'bank-b');
  const schema = loadSchemaFile(SYNTHETIC_SCHEMA);
  const nodeDir = (name: string) => path.join(tmp.dir, 'nodes', name);
  // bank-a can afford two rounds but not three; the others can afford anything here.
  const budgetOf = (name: string) => (name === 'bank-a' ? (epsAfter(2) + epsAfter(3)) / 2 : 100);
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

  const runJob = async (spec: typeof job) => {
    const control = new Control(coord.address);
    for (let i = 0; i < 300 && coord.grid.available().length < 3; i++) await new Promise((r) => setTimeout(r, 100));
    const final = await control.watch(await control.submit(spec, schema), () => undefined);
    control.close();
    return final;
  };

  it('a node refuses the round that would overspend, and the job says why', async () => {
    expect(epsAfter(2)).toBeLessThan(budgetOf('bank-a'));
    const final = await runJob(job);
    expect(final.state).toBe('FAILED');
    expect(final.error).toMatch(/^round 3 train: .*bank-a: refused: privacy budget: this task would raise ε from \d\.\d+ to \d\.\d+ at δ = 1e-5, beyond the budget ε = \d\.\d+ \[privacy_budget\]/);
    // Rounds 1 and 2 carry every trainer's signed receipt; bank-a's states its exact spend.
    const r2 = final.rounds.find((r) => r.round === 2)!;
    expect(r2.privacy.map((p) => p.participant).sort()).toEqual(parties.map((p) => p.name).sort());
    const a2 = r2.privacy.find((p) => p.participant === 'bank-a')!;
    expect(a2.signatureValid).toBe(true);
    // No roster on this test network: the receipt is checked only against the key it embeds, and everything says so.
    expect(a2.verifiedAgainstRoster).toBe(false);
    expect(final.guarantee).toContain('signed receipts, which are NOT pinned to a roster');
    expect(a2.epsilonTotal).toBeCloseTo(epsAfter(2), 9);
    expect(a2.epsilonJob).toBeCloseTo(epsAfter(2), 9); // its first job: the job's ε is its whole spend
    expect(a2.epsilonRound).toBeCloseTo(epsAfter(1), 9);
    expect(a2.delta).toBe(DELTA);

    const ledger = JSON.parse(readFileSync(path.join(nodeDir('bank-a'), 'privacy', 'ledger.json'), 'utf8'));
    expect(ledger.entries.filter((e: { kind: string }) => e.kind === 'charge').map((e: { round: number }) => e.round)).toEqual([1, 2]);
  });

  it('the ledger survives a restart, and an auditor verifies the receipts', async () => {
    const victim = parts.find((p) => p.name === 'bank-a')!;
    victim.child.kill('SIGTERM');
    await victim.exited;
    for (let i = 0; i < 300 && coord.grid.available().includes('bank-a'); i++) await new Promise((r) => setTimeout(r, 100));
    parts = [...parts.filter((p) => p !== victim), start('bank-a', parties.find((p) => p.name === 'bank-a')!.path)];

    // The restarted node remembers its spend: even one more round does not fit.
    const final = await runJob(JobSpecSchema.parse({ ...job, rounds: 1 }));
    expect(final.state).toBe('FAILED');
    expect(final.error).toMatch(/bank-a: refused: privacy budget: this task would raise ε from \d\.\d+ to/);

    const receipts = path.join(nodeDir('bank-a'), 'privacy', 'receipts.jsonl');
    const ok = await runCli(['verify-receipts', '--receipts', receipts]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^2 receipt\(s\) verified with key [0-9a-f]{16}…$/m);

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
