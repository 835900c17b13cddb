/**
 * Evaluations carried by the next round's training stage (`evaluation.carried`), end to end on
 * the in-process simulator with each member's real handler chain:
 * - plain aggregation gives exactly the model and the metrics of every round that separate
 *   evaluation stages give, with one stage per round instead of two (what each member was asked
 *   is recorded by a mod);
 * - with authenticated secure sums and record-level DP, every member charges the same releases
 *   at the same rounds as with separate stages, each round's receipts arrive in its own record
 *   and check out, and the job stays within its ε.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JobSpecSchema } from '../core/job.ts';
import type { Mod } from '../participant/handler.ts';
import { loadSchemaFile } from '../participant/data/load.ts';
import { simulate } from '../sim/simulate.ts';
import { SYNTHETIC_SCHEMA, tempDir } from './helpers.ts';
import { syntheticTables, wireRounds } from './support/simulated.ts';

const schema = loadSchemaFile(SYNTHETIC_SCHEMA);
const DELTA = 1e-5;

/** A mod that writes down each task its member is asked (kind/round, and what a train task carries). */
function recorder(into: string[]): Mod {
  return (next) => async (task) => {
    if (!task.secagg || task.secagg.message.type === 'begin') into.push(`${task.kind}/${task.round}${task.config.evaluates !== undefined ? `+evaluate/${task.config.evaluates}` : ''}`);
    return next(task);
  };
}

describe('evaluations carried by the next training stage', () => {
  const tmp = tempDir('carried-evaluation');
  afterAll(() => tmp.cleanup());

  it('plain aggregation: the same model and metrics every round as separate evaluation stages, in one stage per round', async () => {
    const spec = (carried: boolean) =>
      JobSpecSchema.parse({ name: 'carry-plain', rounds: 3, minParticipants: 3, seed: 11, aggregation: 'plain', model: { type: 'logistic' }, evaluation: { bins: 50, carried } });
    const tasks: Record<string, string[]> = { separate: [], carried: [] };
    const run = (carried: boolean) => {
      const seen = tasks[carried ? 'carried' : 'separate']!;
      const parties = syntheticTables(schema).map((p) => ({ ...p, mods: p.name === 'bank-a' ? [recorder(seen)] : [] }));
      return simulate({ job: spec(carried), schema, parties, stateDir: path.join(tmp.dir, carried ? 'carried' : 'separate'), authenticated: false, seed: 3 });
    };
    const separate = await run(false);
    const carried = await run(true);
    expect(separate.state, separate.error).toBe('SUCCEEDED');
    expect(carried.state, carried.error).toBe('SUCCEEDED');
    expect(tasks.separate).toEqual(['stats/0', 'evaluate/0', 'train/1', 'evaluate/1', 'train/2', 'evaluate/2', 'train/3', 'evaluate/3']);
    expect(tasks.carried).toEqual(['stats/0', 'train/1+evaluate/0', 'train/2+evaluate/1', 'train/3+evaluate/2', 'evaluate/3']);
    expect(Array.from(carried.weights!)).toEqual(Array.from(separate.weights!));
    expect(carried.rounds.map((r) => r.round)).toEqual([0, 1, 2, 3]);
    for (const [i, r] of carried.rounds.entries()) {
      const s = separate.rounds[i]!;
      expect(r.metrics, `round ${r.round}`).toEqual(s.metrics);
      expect(r.scoreHistogram).toEqual(s.scoreHistogram);
      expect(r.participants).toEqual(s.participants);
      if (r.round > 0) expect(r.trainLoss).toBe(s.trainLoss);
    }
    expect(carried.rounds.at(-1)!.metrics.auc).toBeGreaterThan(carried.rounds[0]!.metrics.auc);
  });

  it('secure sums with record-level DP: the same charges at the same rounds, receipts in their own rounds, within ε', async () => {
    const EPSILON = 4;
    const spec = (carried: boolean) =>
      JobSpecSchema.parse({
        name: 'carry-dp', rounds: 3, minParticipants: 3, seed: 12, train: { batchSize: 100_000, learningRate: 0.5 },
        evaluation: { bins: 20, carried }, privacy: { mode: 'record', epsilon: EPSILON, delta: DELTA, clipNorm: 1 },
      });
    const charges = (dir: string, name: string) =>
      (JSON.parse(readFileSync(path.join(dir, 'nodes', name, 'privacy', 'ledger.json'), 'utf8')).entries as { kind: string; stage: string; round: number; params: unknown; epsilonTask: number }[])
        .filter((e) => e.kind === 'charge')
        .map((e) => ({ at: `${e.stage}/${e.round}`, params: e.params, epsilon: e.epsilonTask }));
    const parties = syntheticTables(schema).map((p) => ({ ...p, privacyBudget: { epsilon: 100, delta: DELTA } }));
    const dirs = { separate: path.join(tmp.dir, 'dp-separate'), carried: path.join(tmp.dir, 'dp-carried') };
    const separate = await simulate({ job: spec(false), schema, parties, stateDir: dirs.separate, seed: 5 });
    const carried = await simulate({ job: spec(true), schema, parties, stateDir: dirs.carried, seed: 5 });
    expect(separate.state, separate.error).toBe('SUCCEEDED');
    expect(carried.state, carried.error).toBe('SUCCEEDED');
    for (const p of parties) {
      const c = charges(dirs.carried, p.name);
      // Record-level DP does not evaluate the untrained model; round 1's evaluation rides with round 2's training.
      expect(c.map((e) => e.at), p.name).toEqual(['count/0', 'stats/0', 'train/1', 'evaluate/1', 'train/2', 'evaluate/2', 'train/3', 'evaluate/3']);
      expect(c).toEqual(charges(dirs.separate, p.name));
      const spent = (JSON.parse(readFileSync(path.join(dirs.carried, 'nodes', p.name, 'privacy', 'record-jobs.json'), 'utf8')) as { jobs: { epsilonJob: number }[] }).jobs[0]!;
      expect(spent.epsilonJob).toBeLessThanOrEqual(EPSILON + 1e-9);
    }
    // Each round's receipts are in its own record, signed by the roster's keys, and each is about that round.
    const rounds = wireRounds(carried);
    for (const r of rounds) {
      const stages = (name: string) => r.privacy.filter((p) => p.participant === name).map((p) => p.stage);
      for (const p of parties) expect(stages(p.name), `round ${r.round}, ${p.name}`).toEqual(r.round === 0 ? ['stats'] : ['train', 'evaluate']);
      for (const p of r.privacy) {
        expect(p.signatureValid, `round ${r.round}`).toBe(true);
        expect(p.verifiedAgainstRoster).toBe(true);
      }
      expect(r.invalidReceipts).toEqual([]);
    }
    // Rounds 1–3 were evaluated (noised histograms), round 0 was not.
    expect(carried.rounds.map((r) => Number.isFinite(r.metrics.auc))).toEqual([false, true, true, true]);
    expect(carried.rounds.map((r) => r.scoreHistogram?.noised)).toEqual([undefined, true, true, true]);
    expect(carried.guarantee).toBe(separate.guarantee);
  });
});
