/**
 * Personalization on the in-process simulator: every member stores the global, personal and
 * local-only models and a value report in its own state dir; by default nothing per member
 * reaches the coordinator (its plain replies carry an all-zero `memberValue`, its round record no
 * member figures), while a member whose policy allows it releases its own figures; under
 * record-level DP nothing beyond the noised evaluation is sent.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataSchemaSchema } from '../core/data/schema.ts';
import { validateTable } from '../core/data/table.ts';
import { JobSpecSchema } from '../core/job.ts';
import { MEMBER_VALUE, MEMBER_VALUE_SLOT } from '../core/personalize/release.ts';
import type { StageReplies } from '../core/round/grid.ts';
import { loadMemberModel, valueReportPath } from '../participant/personal/store.ts';
import { PolicySchema } from '../participant/policy.ts';
import { isCarried } from '../core/round/carried-evaluation.ts';
import { startSimulation } from './simulate.ts';
import type { SimulatedParty } from './simulate.ts';
import { syntheticMembers } from './synthetic/members.ts';

const schema = DataSchemaSchema.parse(JSON.parse(readFileSync(new URL('../examples/synthetic/schema.json', import.meta.url), 'utf8')));
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-pers-test-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const RELEASER = 'customs';
const parties = (): SimulatedParty[] =>
  syntheticMembers({ seed: 3, scale: 0.3, members: 4 }).map((m) => ({
    name: m.name, role: m.role, table: validateTable(m.header, m.rows, schema, m.name).table,
    ...(m.name === RELEASER ? { policy: { policy: PolicySchema.parse({ version: 1, releaseValueReport: true, allowPlainAggregation: true }), file: 'customs-policy.json' } } : {}),
  }));
const job = (over: Record<string, unknown> = {}) =>
  JobSpecSchema.parse({
    name: 'personal', rounds: 2, minParticipants: 4, seed: 11, train: { batchSize: 64, learningRate: 0.1 },
    personalization: { mode: 'finetune', folds: 3, maxEpochs: 4, patience: 2 }, ...over,
  });

/** Runs `spec` and records every stage's raw replies, as the coordinator receives them. */
async function run(spec: ReturnType<typeof job>, o: { allowPlain?: boolean; budget?: boolean } = {}) {
  const stateDir = tmp();
  const members = parties().map((p) => ({ ...p, allowPlain: o.allowPlain ?? false, ...(o.budget ? { privacyBudget: { epsilon: 50, delta: 1e-5 } } : {}) }));
  const sim = await startSimulation({ schema, parties: members, stateDir, seed: 21 });
  const seen: { kind: string; round: number; replies: StageReplies }[] = [];
  const inner = sim.grid.run.bind(sim.grid);
  sim.grid.run = async (ps, tasks, ms, signal) => {
    const replies = await inner(ps, tasks, ms, signal);
    const t = typeof tasks === 'function' ? tasks(ps[0]!) : tasks;
    seen.push({ kind: t.kind, round: t.round, replies });
    return replies;
  };
  const res = await sim.run(spec);
  expect(res.state, res.error).toBe('SUCCEEDED');
  return { res, stateDir, seen, names: members.map((m) => m.name) };
}

describe('personalization on the in-process simulator', () => {
  it('stores each member\'s models and value report; only the member whose policy allows it releases its figures', async () => {
    const { res, stateDir, names } = await run(job());
    for (const name of names) {
      const nodeDir = path.join(stateDir, 'nodes', name);
      const global = loadMemberModel(nodeDir, res.jobId, 'global');
      expect(Array.from(global.committee[0]!)).toEqual(Array.from(res.weights!));
      expect(loadMemberModel(nodeDir, res.jobId, 'local').committee).toHaveLength(3); // one model per fold
      expect(loadMemberModel(nodeDir, res.jobId, 'personal').meta.member).toBe(name);
      expect(existsSync(valueReportPath(nodeDir, res.jobId))).toBe(true);
      const r = res.valueReports.get(name)!;
      expect(r.released).toBe(name === RELEASER ? 'own-figures' : 'consortium-aggregate');
      expect(r.test.localOnly.auc).toBeGreaterThan(0.5);
    }
    const last = res.rounds.at(-1)!;
    const released = last.personalization!;
    expect(Object.keys(released.members)).toEqual([RELEASER]);
    const own = res.valueReports.get(RELEASER)!.test;
    expect(released.members[RELEASER]!.personalized).toBeCloseTo(own.personalized.auc!, 5);
    expect(released.members[RELEASER]!.localOnly).toBeCloseTo(own.localOnly.auc!, 5);
    expect(released.personalized.auc).toBeGreaterThan(0.5);
    // The coordinator's job store holds no other member's figures either.
    const stored = JSON.stringify(res.rounds);
    for (const name of names.filter((n) => n !== RELEASER)) expect(stored).not.toContain(`"${name}":{"federated"`);
  });

  it('sends an all-zero memberValue from every member without permission (plain replies, as the coordinator sees them)', async () => {
    const { res, seen, names } = await run(job({ aggregation: 'plain' }), { allowPlain: true });
    const final = seen.find((s) => s.kind === 'evaluate' && s.round === 2)!;
    expect(res.rounds.at(-1)!.personalization!.members).toHaveProperty(RELEASER);
    expect([...final.replies.replies.keys()].sort()).toEqual([...names].sort());
    for (const [name, reply] of final.replies.replies) {
      if (!('contribution' in reply)) throw new Error(`${name} sent no plain contribution`);
      const v = reply.contribution[MEMBER_VALUE]!;
      expect(v.length).toBe(MEMBER_VALUE_SLOT * names.length);
      const nonzero = [...v.keys()].filter((i) => v[i] !== 0).map((i) => Math.floor(i / MEMBER_VALUE_SLOT));
      if (name === RELEASER) expect(new Set(nonzero).size).toBe(1);
      else expect(nonzero).toEqual([]);
    }
    // Earlier evaluations, carried by the next round's training, carry no personalization vectors at all.
    const carrier = seen.find((s) => s.kind === 'train' && s.round === 2)!;
    expect(carrier.replies.replies.size).toBe(names.length);
    for (const reply of carrier.replies.replies.values()) {
      if (!('contribution' in reply)) throw new Error('a training reply without a plain contribution');
      expect(Object.keys(reply.contribution).filter(isCarried).sort()).toEqual(['evaluation.hist', 'evaluation.loss']);
    }
  });

  it('releases nothing beyond the noised evaluation under record-level DP, and still personalizes', async () => {
    const { res, names } = await run(job({ rounds: 1, evaluation: { bins: 10 }, privacy: { mode: 'record', noiseMultiplier: 1.5 } }), { budget: true });
    expect(res.rounds.at(-1)!.personalization).toBeUndefined();
    for (const name of names) expect(res.valueReports.get(name)!.released).toBe('nothing');
  });
});
