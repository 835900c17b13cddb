/**
 * Key setups carried ahead (`secureAggregation.keysAhead`, core/round/secure-ahead.ts): a fresh
 * training sum carries the key adverts, graph nonces and shares of the next rounds' sums in its
 * own first steps; those sums start at the masked-input step, with the round's weights. Real
 * participant mods (node:crypto randomness) behind the in-memory Grid.
 */
import { describe, expect, it } from 'vitest';
import { trainShape } from '../core/aggregate/train.ts';
import { carriedRound, carriedShape } from '../core/round/carried-evaluation.ts';
import type { ContributionShape } from '../core/types.ts';
import type { StageTask } from '../core/round/grid.ts';
import { secureSum } from '../core/round/secure-sum.ts';
import type { SecureSumOptions } from '../core/round/secure-sum.ts';
import { updateStep } from '../core/round/secure-plan.ts';
import type { Contribution } from '../core/types.ts';
import type { ParsedTask } from '../participant/handler.ts';
import { memoryGrid, tamperingGrid } from '../sim/memory-grid.ts';
import type { MemoryGrid } from '../sim/memory-grid.ts';
import type { TaskHandler } from '../participant/handler.ts';
import { secAggMod } from '../participant/secagg-mod.ts';
import type { Grid, StageReply } from '../core/round/grid.ts';
import { testIdentities } from './support/secagg-protocol.ts';
import type { VanishAt } from '../sim/memory-grid.ts';
import { plainSum, randomContribution, schema, setup } from './support/secure-sum.ts';
import { JobSpecSchema } from '../core/job.ts';
import { inputDim } from '../core/data/schema.ts';
import { modelLayout } from '../core/model/layout.ts';
import { layoutSize } from '../core/types.ts';
import { evaluationShape } from '../core/metrics/histogram.ts';
import type { SumResult } from '../core/round/sum-protocol.ts';

/** The default model's size over the synthetic schema: what every node expects an update to hold. */
const SIZE = layoutSize(modelLayout(JobSpecSchema.parse({}).model, inputDim(schema)));
const shape = trainShape(SIZE);

/** Member `name`'s update in `round` (FedAvg-weighted, as a trainer sends it), and what the sum should hold. */
function updateOf(name: string, round: number): Contribution {
  const c = randomContribution({ update: SIZE }, name.charCodeAt(6) * 31 + round, 0.3);
  return { update: c.update!.map((d) => d * 10), weight: Float64Array.of(10), loss: Float64Array.of(5, 10) };
}

/** A fake clock that moves 1 ms per reading, so every step has a duration. */
function fakeClock(): () => number {
  let t = 0;
  return () => ++t;
}

interface RunOptions {
  vanish?: Partial<Record<string, VanishAt>>;
  only?: (round: number, names: string[]) => string[];
  /** Nodes with identities and a roster, and an authenticated coordinator. */
  signed?: boolean;
  /** A deviating coordinator's grid around the honest one. */
  wrap?: (grid: Grid) => Grid;
  /** Called before each round's sum (e.g. to restart a node). */
  before?: (round: number, grid: MemoryGrid, handlers: Map<string, TaskHandler>) => void;
}

/** Every member's evaluation vectors: ones, so that each summed entry counts the contributors. */
const EVAL_BINS = 10;
const evaluationOf = (): Contribution => Object.fromEntries(Object.entries(evaluationShape(EVAL_BINS)).map(([k, n]) => [k, new Float64Array(n).fill(1)]));

async function runRounds(n: number, rounds: number[], keysAhead: number, opts: RunOptions = {}) {
  const weightsSeen: { name: string; round: number; weights: boolean }[] = [];
  const names0 = Array.from({ length: n }, (_, i) => `inst-${String(i).padStart(2, '0')}`);
  const ids = opts.signed ? testIdentities(names0, 5) : undefined;
  const identity = ids ? (name: string) => ({ secretKey: ids.secretKeys.get(name)!, peers: ids.roster }) : undefined;
  const { names, handlers, config, job } = setup(
    n,
    // Only the last round is evaluated (in a stage of its own, after its training sum).
    { rounds: Math.max(...rounds), evaluation: { every: 10_000, bins: EVAL_BINS }, secureAggregation: { clip: 4, maxWeight: 1000, keysAhead } },
    (name, task: ParsedTask) => {
      if (task.kind === 'evaluate') return evaluationOf();
      weightsSeen.push({ name, round: task.round, weights: task.weights !== undefined });
      return updateOf(name, task.round);
    },
    identity,
  );
  const seen: StageTask[] = [];
  const honest = memoryGrid(handlers, opts.vanish ?? {}, seen);
  const grid = opts.wrap ? opts.wrap(honest) : honest;
  const options: SecureSumOptions = { now: fakeClock(), ...(opts.signed ? { authenticated: true } : {}) };
  const protocol = secureSum('job-1', job, '0', options);
  const results = [];
  let evaluation: SumResult | undefined;
  for (const round of rounds) {
    opts.before?.(round, honest, handlers);
    const members = opts.only ? opts.only(round, names) : names;
    const res = await protocol.run(grid, members, { kind: 'train', round, config, weights: new Float32Array(SIZE) }, shape, 1000);
    results.push({ round, res, members });
    if (round === job.rounds) evaluation = await protocol.run(grid, members, { kind: 'evaluate', round, config, weights: new Float32Array(SIZE) }, evaluationShape(EVAL_BINS), 1000);
  }
  return { results, evaluation, seen, weightsSeen, job, names };
}

/** The largest coordinate error of the sum against the plain sum of the survivors' clipped updates. */
function worstError(sum: Contribution, survivors: string[], round: number): number {
  const want = plainSum(survivors.map((s) => updateOf(s, round)));
  let worst = 0;
  for (let i = 0; i < SIZE; i++) worst = Math.max(worst, Math.abs(sum.update![i]! - want.update![i]!));
  return worst;
}

describe('secure sums whose keys an earlier sum set up', () => {
  it('sets up the next rounds in the first sum and runs them from the masked-input step, each sum exact to quantization', async () => {
    const { results, evaluation, seen, weightsSeen, job, names } = await runRounds(12, [1, 2, 3], 2);
    const tolerance = names.length * updateStep(job.secureAggregation, names.length) + 1e-9;
    for (const { round, res } of results) {
      expect(res.failures).toEqual([]);
      expect(res.error).toBeUndefined();
      expect(res.contributors).toEqual(names);
      expect(res.sum!.weight![0]).toBe(10 * names.length);
      expect(worstError(res.sum!, names, round)).toBeLessThanOrEqual(tolerance);
    }
    // SecAgg+ (k < n − 1): the first sum runs all five steps; the two it set up, two each. The last
    // round's sum sets up its evaluation's keys in its two steps and one more of their own.
    expect(results.map(({ res }) => res.secure!.steps!.map((s) => s.step))).toEqual([
      ['advertise-keys', 'graph-nonce', 'share-keys', 'masked-input', 'unmasking'],
      ['masked-input', 'unmasking'],
      ['masked-input', 'unmasking', "share-keys (key setup of round 3's evaluate sum)"],
    ]);
    // That evaluation runs from its masked-input step too, and sums every member's vectors.
    expect(evaluation!.secure!.steps!.map((s) => s.step)).toEqual(['masked-input', 'unmasking']);
    expect(evaluation!.secure!.keysSetUpIn).toBe(3);
    expect(evaluation!.contributors).toEqual(names);
    for (const v of Object.values(evaluation!.sum!)) for (const x of v) expect(Math.abs(x - names.length)).toBeLessThan(1e-6);
    expect(results[0]!.res.secure!.neighbours).toBeLessThan(names.length - 1);
    expect(results.map(({ res }) => res.secure!.keysSetUpIn)).toEqual([undefined, 1, 1]);
    // Round 1's key-setup steps carried rounds 2 and 3's; its later steps carried nothing.
    const round1 = seen.filter((t) => t.round === 1 && t.kind === 'train');
    const carriedRounds = (t: StageTask) => (t.ahead ?? []).map((a) => a.config.round);
    for (const t of round1) {
      const type = t.secagg!.message.type;
      expect(carriedRounds(t)).toEqual(type === 'begin' || type === 'peer-commits' || type === 'graph-reveals' ? [2, 3] : []);
      for (const a of t.ahead ?? []) expect(a.message.type).toBe(type);
      // With a committed graph a member gets U1 as commitments, and keys only of its neighbours.
      for (const m of [t.secagg!.message, ...(t.ahead ?? []).map((a) => a.message)]) {
        expect(m.type).not.toBe('peer-keys');
        if (m.type === 'graph-reveals') expect(m.keys.length).toBeLessThan(names.length - 1);
      }
    }
    // Every sum has a run id of its own, so fresh keys.
    const runs = new Set(seen.flatMap((t) => [t.secagg!.config.run, ...(t.ahead ?? []).map((a) => a.config.run)]));
    expect(runs.size).toBe(4);
    // The weights go with the first step each sum sends: begin in round 1, masked input in rounds 2 and 3.
    for (const t of seen.filter((x) => x.kind === 'train' && x.secagg!.config.run.includes('/train/'))) {
      const first = t.round === 1 ? t.secagg!.message.type === 'begin' : t.secagg!.message.type === 'share-delivery';
      expect(t.weights !== undefined).toBe(first);
    }
    // Each member trained once per round, with that round's weights.
    expect(weightsSeen.filter((w) => w.weights)).toHaveLength(3 * names.length);
    expect(weightsSeen.every((w) => w.weights)).toBe(true);
  });

  it('sums over the survivors when a member vanishes in a sum set up ahead', async () => {
    const { results, names } = await runRounds(12, [1, 2, 3], 2, { vanish: { 'inst-04': { step: 'masked-input', round: 2 } } });
    const [r1, r2, r3] = results.map((r) => r.res);
    expect(r1!.contributors).toEqual(names);
    const rest = names.filter((n) => n !== 'inst-04');
    expect(r2!.contributors).toEqual(rest);
    expect(r2!.failures.map((f) => f.participant)).toEqual(['inst-04']);
    expect(worstError(r2!.sum!, rest, 2)).toBeLessThan(1);
    // Round 3 was set up with the member that failed round 2: it sets up afresh, without it.
    expect(r3!.secure!.steps![0]!.step).toBe('advertise-keys');
    expect(r3!.contributors).toEqual(rest);
    expect(worstError(r3!.sum!, rest, 3)).toBeLessThan(1);
  });

  it('lets a restarted member take part again in the next round, whose keys it no longer holds', async () => {
    const restart = (round: number, grid: MemoryGrid, handlers: Map<string, TaskHandler>) => {
      if (round !== 3) return;
      handlers.set('inst-04', secAggMod({ name: 'inst-04' })(async (task) => ({ contribution: task.kind === 'evaluate' ? evaluationOf() : updateOf('inst-04', task.round) })));
      grid.rejoin('inst-04');
    };
    const { results, names } = await runRounds(12, [1, 2, 3, 4], 3, { vanish: { 'inst-04': { step: 'masked-input', round: 2 } }, before: restart });
    const [, r2, r3, r4] = results.map((r) => r.res);
    expect(r2!.contributors).not.toContain('inst-04');
    // Rounds 3 and 4 were set up in round 1 with inst-04's keys of then: round 3 sets up afresh
    // (and round 4 with it), and the restarted member is in both sums.
    expect(r3!.secure!.steps!.map((s) => s.step)[0]).toBe('advertise-keys');
    expect(r3!.contributors).toEqual(names);
    expect(r4!.secure!.keysSetUpIn).toBe(3);
    expect(r4!.contributors).toEqual(names);
    expect(worstError(r4!.sum!, names, 4)).toBeLessThan(1);
  });

  it('sets up a round afresh when its participants are not those it was set up for', async () => {
    const { results } = await runRounds(12, [1, 2, 3], 2, { only: (round, names) => (round === 3 ? names.slice(1) : names) });
    expect(results.map(({ res }) => res.secure!.steps![0]!.step)).toEqual(['advertise-keys', 'masked-input', 'advertise-keys']);
    expect(results[2]!.res.contributors).toEqual(results[2]!.members);
  });

  it('sets up each later round with the vectors it sends: a carried evaluation only in the rounds that carry one', async () => {
    const bins = 10;
    const overrides = { rounds: 4, evaluation: { carried: true, every: 2, bins }, secureAggregation: { clip: 4, maxWeight: 1000, keysAhead: 3 } };
    const evaluation = (c: ContributionShape) => Object.fromEntries(Object.entries(c).map(([k, n]) => [k, new Float64Array(n).fill(1)]));
    const { names, handlers, config, job } = setup(8, overrides, (name, task) => ({
      ...updateOf(name, task.round),
      ...(task.config.evaluates !== undefined ? evaluation(carriedShape(bins)) : {}),
    }));
    // With evaluations every second round, rounds 1 and 3 carry one and rounds 2 and 4 do not.
    expect([1, 2, 3, 4].map((r) => carriedRound(job, r))).toEqual([0, undefined, 2, undefined]);
    const protocol = secureSum('job-1', job, '0', { now: fakeClock() });
    const grid = memoryGrid(handlers);
    const setUpIn: (number | undefined)[] = [];
    for (const round of [1, 2, 3, 4]) {
      const carries = carriedRound(job, round);
      const task = { kind: 'train' as const, round, config: carries === undefined ? config : { ...config, evaluates: carries }, weights: new Float32Array(SIZE) };
      const res = await protocol.run(grid, names, task, carries === undefined ? shape : { ...shape, ...carriedShape(bins) }, 1000);
      expect(res.failures).toEqual([]);
      expect(res.contributors).toEqual(names);
      if (carries !== undefined) expect(Array.from(res.sum![`${Object.keys(carriedShape(bins))[0]}`]!).every((x) => x === names.length)).toBe(true);
      setUpIn.push(res.secure!.keysSetUpIn);
    }
    expect(setUpIn).toEqual([undefined, 1, 1, 1]);
  });

  it('sets up no further than the job\'s last round, and nothing with keysAhead 0', async () => {
    const carried = async (keysAhead: number) => {
      const { seen } = await runRounds(6, [1, 2], keysAhead);
      const later = seen.flatMap((t) => [...(t.ahead ?? []), ...(t.kind === 'train' && t.secagg!.config.run.includes('/evaluate/') ? [t.secagg!] : [])]);
      return [...new Set(later.map((a) => a.config.run.split('/').slice(1, 3).join('/')))];
    };
    // Round 1 sets up round 2's training sum; round 2, the last, its own evaluation.
    expect(await carried(5)).toEqual(['train/2', 'evaluate/2']);
    expect(await carried(0)).toEqual([]);
  });

  it('runs the authenticated variant the same way: signed adverts checked in the carried steps, consistency check in every sum', async () => {
    const { results, names } = await runRounds(12, [1, 2, 3], 2, { signed: true });
    for (const { round, res } of results) {
      expect(res.failures).toEqual([]);
      expect(res.contributors).toEqual(names);
      expect(res.secure!.authenticated).toBe(true);
      expect(worstError(res.sum!, names, round)).toBeLessThan(1);
    }
    expect(results.map(({ res }) => res.secure!.steps!.map((s) => s.step))).toEqual([
      ['advertise-keys', 'graph-nonce', 'share-keys', 'masked-input', 'consistency-signature', 'unmasking'],
      ['masked-input', 'consistency-signature', 'unmasking'],
      ['masked-input', 'consistency-signature', 'unmasking'],
    ]);
  });

  it('rolls: each sum set up ahead carries the next round\'s setup in its masked-input, consistency and unmasking steps', async () => {
    const { results, evaluation, seen, names } = await runRounds(12, [1, 2, 3, 4], 1, { signed: true });
    for (const { round, res } of results) {
      expect(res.failures).toEqual([]);
      expect(res.contributors).toEqual(names);
      expect(worstError(res.sum!, names, round)).toBeLessThan(1);
    }
    const light = ['masked-input', 'consistency-signature', 'unmasking'];
    expect(results.map(({ res }) => res.secure!.steps!.map((s) => s.step))).toEqual([
      ['advertise-keys', 'graph-nonce', 'share-keys', 'masked-input', 'consistency-signature', 'unmasking'],
      light,
      light,
      light,
    ]);
    expect(results.map(({ res }) => res.secure!.keysSetUpIn)).toEqual([undefined, 1, 2, 3]);
    // Round 2's three steps carried round 3's three setup steps, one each; round 4's (the last), its evaluation's.
    const carried = (round: number) =>
      seen.filter((t) => t.round === round && t.kind === 'train').map((t) => `${t.secagg!.message.type}:${(t.ahead ?? []).map((a) => `${a.config.run.split('/')[1]}/${a.config.round}/${a.message.type}`).join(',')}`);
    expect(new Set(carried(2))).toEqual(new Set(['share-delivery:train/3/begin', 'consistency-request:train/3/peer-commits', 'unmask-request:train/3/graph-reveals']));
    expect(new Set(carried(4))).toEqual(new Set(['share-delivery:evaluate/4/begin', 'consistency-request:evaluate/4/peer-commits', 'unmask-request:evaluate/4/graph-reveals']));
    expect(evaluation!.secure!.steps!.map((s) => s.step)).toEqual(light);
    expect(evaluation!.contributors).toEqual(names);
  });

  it('finishes a rolled setup in a step of its own when the carrying sum has no consistency check', async () => {
    const { results, names } = await runRounds(12, [1, 2, 3], 1);
    for (const { round, res } of results) {
      expect(res.failures).toEqual([]);
      expect(worstError(res.sum!, names, round)).toBeLessThan(1);
    }
    expect(results.map(({ res }) => res.secure!.steps!.map((s) => s.step))).toEqual([
      ['advertise-keys', 'graph-nonce', 'share-keys', 'masked-input', 'unmasking'],
      ['masked-input', 'unmasking', "share-keys (key setup of round 3's train sum)"],
      ['masked-input', 'unmasking', "share-keys (key setup of round 3's evaluate sum)"],
    ]);
    expect(results.map(({ res }) => res.secure!.keysSetUpIn)).toEqual([undefined, 1, 2]);
  });

  it('drops a rolled setup a member of which vanished in the carrying sum, and sets that round up afresh', async () => {
    const { results, names } = await runRounds(12, [1, 2, 3], 1, { signed: true, vanish: { 'inst-05': { step: 'masked-input', round: 2 } } });
    const rest = names.filter((n) => n !== 'inst-05');
    expect(results[1]!.res.contributors).toEqual(rest);
    expect(results[2]!.res.secure!.steps![0]!.step).toBe('advertise-keys');
    expect(results[2]!.res.contributors).toEqual(rest);
    expect(worstError(results[2]!.res.sum!, rest, 3)).toBeLessThan(1);
  });

  it('a member refuses a carried sum whose key advert was substituted, as it would its own', async () => {
    const answers: string[] = [];
    const swap = (grid: Grid): Grid => {
      // inst-01's advert, as its neighbours get it with round 2's graph reveals.
      const tampered = tamperingGrid(grid, (t) => {
        for (const a of t.ahead ?? []) {
          if (a.message.type !== 'graph-reveals' || a.config.round !== 2) continue;
          const k = a.message.keys.find((x) => x.id === 'inst-01');
          if (k) k.sPk = k.sPk.map((b, i) => (i === 0 ? b ^ 1 : b));
        }
        return t;
      });
      return {
        ...tampered,
        async run(p, tasks, ms) {
          const out = await tampered.run(p, tasks, ms);
          for (const r of out.replies.values() as Iterable<StageReply>) for (const a of r.ahead ?? []) if ('refusal' in a) answers.push(a.refusal);
          return out;
        },
      };
    };
    const { results } = await runRounds(12, [1, 2], 1, { signed: true, wrap: swap });
    expect(results[0]!.res.failures).toEqual([]);
    expect(answers.length).toBeGreaterThan(0);
    // Its neighbours refuse: the advert's signature fails under their own roster.
    for (const a of answers) expect(a).toMatch(/the key advert of inst-01 does not verify under its roster key/);
    // Round 2 never runs over a substituted key: the members that saw it dropped out of that setup.
    const r2 = results[1]!.res;
    expect(r2.failures.length + (r2.secure!.steps![0]!.step === 'advertise-keys' ? 1 : 0)).toBeGreaterThan(0);
  });
});
