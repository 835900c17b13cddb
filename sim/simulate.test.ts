/**
 * The in-process simulator end to end: a custom strategy registered by name drives the rounds,
 * a run replays exactly under its seed, an unregistered strategy is refused at submission, a
 * member that vanishes mid-sum is dropped while the others finish the job, and a simulation kept
 * up across jobs takes a restarted member back.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataSchemaSchema } from '../core/data/schema.ts';
import { validateTable } from '../core/data/table.ts';
import { JobSpecSchema } from '../core/job.ts';
import { meanDelta } from '../core/strategy/strategy.ts';
import type { StrategyFactory } from '../core/strategy/strategy.ts';
import { simulate, startSimulation } from './simulate.ts';
import type { SimulatedParty } from './simulate.ts';
import { syntheticMembers } from './synthetic/members.ts';

const schema = DataSchemaSchema.parse(JSON.parse(readFileSync(new URL('../examples/synthetic/schema.json', import.meta.url), 'utf8')));
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-sim-test-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const members = (n: number): SimulatedParty[] =>
  syntheticMembers({ seed: 2, scale: 0.4, members: n }).map((m) => ({ name: m.name, role: m.role, table: validateTable(m.header, m.rows, schema, m.name).table }));

const job = (over: Record<string, unknown> = {}) =>
  JobSpecSchema.parse({ name: 'sim', model: { type: 'logistic' }, rounds: 2, minParticipants: 3, seed: 5, train: { localEpochs: 1, batchSize: 64, learningRate: 0.1 }, ...over });

describe('in-process simulator', () => {
  it('runs a registered custom strategy, and replays the same model under the same seed', async () => {
    const calls: number[] = [];
    const halfStep: StrategyFactory = (params) => ({
      aggregate(state, sum) {
        calls.push(state.round);
        const d = meanDelta(state, sum);
        return { weights: state.weights.map((w, i) => w + (params.step as number) * d[i]!), round: state.round + 1 };
      },
    });
    const spec = job({ strategy: { type: 'custom', name: 'half-step', params: { step: 0.5 } } });
    const parties = members(4);
    const strategies = new Map([['half-step', halfStep]]);
    const a = await simulate({ job: spec, schema, parties, stateDir: tmp(), seed: 9, strategies });
    expect(a.state, a.error).toBe('SUCCEEDED');
    expect(calls).toEqual([0, 1]);
    expect(a.rounds.at(-1)!.metrics.auc).toBeGreaterThan(0.6);
    expect(a.guarantee).toMatch(/authenticated/i);
    const b = await simulate({ job: spec, schema, parties, stateDir: tmp(), seed: 9, strategies });
    expect(Array.from(b.weights!)).toEqual(Array.from(a.weights!));
    expect(b.rounds.map((r) => r.metrics.auc)).toEqual(a.rounds.map((r) => r.metrics.auc));
  });

  it('refuses a job naming a strategy nobody registered, before anything runs', async () => {
    await expect(simulate({ job: job({ strategy: { type: 'custom', name: 'nope' } }), schema, parties: members(4), stateDir: tmp(), seed: 1 })).rejects.toThrow(
      /strategy "nope" is not registered on this coordinator \(none is\)/,
    );
  });

  it('refuses at once a job naming a participant the roster does not list', async () => {
    const names = members(4).map((p) => p.name);
    await expect(simulate({ job: job({ participants: [...names.slice(0, 3), 'bank-aa'] }), schema, parties: members(4), stateDir: tmp(), seed: 1 })).rejects.toThrow(
      `the job's participants name "bank-aa", not in the consortium roster (members: ${[...names].sort().join(', ')})`,
    );
  });

  it('drops a member that vanishes at masked-input; the others finish the job', async () => {
    const parties = members(8);
    parties[2]!.vanishAt = 'masked-input';
    const r = await simulate({ job: job({ rounds: 1 }), schema, parties, stateDir: tmp(), seed: 3 });
    expect(r.state, r.error).toBe('SUCCEEDED');
    expect(r.rounds.at(-1)!.participants).not.toContain(parties[2]!.name);
    expect(r.rounds.at(-1)!.participants.length).toBe(7);
  });

  it('keeps the consortium up across jobs: a member restarted after it vanished takes part in the next job', async () => {
    const parties = members(4);
    const victim = parties[1]!.name;
    parties[1]!.vanishAt = { step: 'masked-input', round: 1, kind: 'train' };
    const sim = await startSimulation({ schema, parties, stateDir: tmp(), seed: 4 });
    const first = await sim.run(job({ rounds: 1 }));
    expect(first.state, first.error).toBe('SUCCEEDED');
    // Round 0's evaluation travelled in round 1's training sum, which the victim left.
    expect(first.rounds.map((r) => r.participants.includes(victim))).toEqual([false, false]);
    const before = sim.participants.get(victim);
    sim.restart(victim);
    expect(sim.participants.get(victim)).not.toBe(before);
    const second = await sim.run(job({ rounds: 1, seed: 6 }));
    expect(second.state, second.error).toBe('SUCCEEDED');
    expect(second.rounds.at(-1)!.participants).toContain(victim);
    expect(sim.jobs.get(first.jobId)!.state).toBe('SUCCEEDED'); // one job manager ran both
    expect(() => sim.restart('nobody')).toThrow('no party "nobody" in this simulation');
  });
});
