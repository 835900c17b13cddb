/**
 * The secure sum as the round engine uses it (core/round/secure-sum.ts), with the real
 * participant mod (participant/secagg-mod.ts, node:crypto randomness) behind an in-memory Grid:
 * exact sums of fixed-point vectors, quantized updates within one quantization step per summand,
 * dropouts at every step, aborts below the threshold, and the participant's own checks; and the
 * authenticated variant (Bonawitz et al. Fig. 5): nodes with an identity and a roster sign their
 * adverts, check their peers' and take part in the ConsistencyCheck.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { DataSchemaSchema } from '../core/data/schema.ts';
import type { DataSchema } from '../core/data/schema.ts';
import { statsShape } from '../core/data/preprocess.ts';
import { trainShape } from '../core/aggregate/train.ts';
import { JobSpecSchema } from '../core/job.ts';
import type { JobSpec } from '../core/job.ts';
import type { StageTask } from '../core/round/grid.ts';
import { taskFor } from '../core/round/grid.ts';
import { secureSum } from '../core/round/secure-sum.ts';
import { checkPlan, encodingPlanFor, prepareForSecureSum, secureRoundParams, updateStep } from '../core/round/secure-plan.ts';
import { inputDim } from '../core/data/schema.ts';
import { modelLayout } from '../core/model/layout.ts';
import { layoutSize } from '../core/types.ts';
import type { TaskConfig } from '../core/round/task-config.ts';
import type { Contribution, ContributionShape } from '../core/types.ts';
import { seededRng, standardNormal } from '../core/random.ts';
import { secAggMod } from '../participant/secagg-mod.ts';
import type { SecAggModOptions } from '../participant/secagg-mod.ts';
import { testIdentities } from './support/secagg-protocol.ts';
import type { ParsedTask, TaskHandler } from '../participant/handler.ts';
import { SYNTHETIC_SCHEMA } from './helpers.ts';
import { memoryGrid, tamperingGrid } from '../sim/memory-grid.ts';
import type { VanishStep } from '../sim/memory-grid.ts';

const schema: DataSchema = DataSchemaSchema.parse(JSON.parse(readFileSync(SYNTHETIC_SCHEMA, 'utf8')));
const STEPS = ['advertise-keys', 'share-keys', 'masked-input', 'unmasking'] as const;
type Vanish = Partial<Record<string, VanishStep>>;

/** Random contributions of the given shape, seeded. */
function randomContribution(shape: ContributionShape, seed: number, scale: number, integer = false): Contribution {
  const rng = seededRng(seed);
  const out: Contribution = {};
  for (const [name, len] of Object.entries(shape)) {
    out[name] = Float64Array.from({ length: len }, () => (integer ? Math.floor(Math.abs(standardNormal(rng)) * scale) : standardNormal(rng) * scale));
  }
  return out;
}

function setup(
  n: number,
  jobOverrides: Record<string, unknown>,
  contributionFor: (name: string, task: ParsedTask) => Contribution,
  identityFor: (name: string) => SecAggModOptions['identity'] = () => undefined,
) {
  const job: JobSpec = JobSpecSchema.parse({ minParticipants: 2, ...jobOverrides });
  const names = Array.from({ length: n }, (_, i) => `inst-${String(i).padStart(2, '0')}`);
  const handlers = new Map<string, TaskHandler>(
    names.map((name) => {
      const identity = identityFor(name);
      return [name, secAggMod({ name, ...(identity ? { identity } : {}) })(async (task) => ({ contribution: contributionFor(name, task) }))];
    }),
  );
  const config: TaskConfig = { jobId: 'job-1', job, schema };
  return { job, names, handlers, config };
}

function plainSum(cs: Contribution[]): Contribution {
  const out: Contribution = {};
  for (const c of cs) for (const [k, v] of Object.entries(c)) out[k] = out[k] ? out[k].map((x, i) => x + v[i]) : Float64Array.from(v);
  return out;
}

describe('secure sum over the participant mod', () => {
  it('sums preprocessing statistics exactly (fixed point) and reports the public parameters', async () => {
    const shape = statsShape(schema);
    const inputs = new Map<string, Contribution>();
    const { names, handlers, config, job } = setup(5, {}, (name) => {
      const c = randomContribution(shape, name.charCodeAt(6) * 7, 1e4);
      c.stats = c.stats.map((x) => Math.round(x * 64) / 64); // exactly representable at 24 fractional bits
      c.label = Float64Array.of(1000 + name.charCodeAt(6), 100);
      inputs.set(name, c);
      return c;
    });
    const res = await secureSum('job-1', job).run(memoryGrid(handlers), names, { kind: 'stats', round: 0, config }, shape, 1000);
    expect(res.error).toBeUndefined();
    expect(res.contributors).toEqual(names);
    const want = plainSum([...inputs.values()]);
    expect(Array.from(res.sum!.stats)).toEqual(Array.from(want.stats));
    expect(Array.from(res.sum!.label)).toEqual(Array.from(want.label));
    expect(res.secure).toMatchObject({ participants: 5, survivors: 5, threshold: 3, neighbours: 4, modulusBits: 32, clipped: 0 });
  });

  it('sums quantized updates within one quantization step per summand, and counts clipped deltas', async () => {
    const size = layoutSize(modelLayout({ type: 'mlp', hidden: [64], dropout: 0, activation: 'relu' }, inputDim(schema)));
    const shape = trainShape(size);
    const inputs: Contribution[] = [];
    let expectClipped = 0;
    const { names, handlers, config, job } = setup(4, { model: { type: 'mlp', hidden: [64] }, secureAggregation: { clip: 0.5, maxWeight: 1000 } }, (name) => {
      const n = 100 + 50 * Number(name.slice(-1));
      const c = randomContribution({ update: size }, name.charCodeAt(6), 0.2);
      const clipped = c.update.map((d) => n * Math.max(-0.5, Math.min(0.5, d)));
      expectClipped += c.update.filter((d) => Math.abs(d) > 0.5).length;
      inputs.push({ update: clipped, weight: Float64Array.of(n), loss: Float64Array.of(0.5 * n, n) });
      return { update: c.update.map((d) => d * n), weight: Float64Array.of(n), loss: Float64Array.of(0.5 * n, n) };
    });
    const res = await secureSum('job-1', job).run(memoryGrid(handlers), names, { kind: 'train', round: 1, config }, shape, 1000);
    expect(res.error).toBeUndefined();
    const want = plainSum(inputs);
    expect(res.sum!.weight[0]).toBe(want.weight[0]);
    expect(res.sum!.loss[0]).toBeCloseTo(want.loss[0], 6);
    const step = updateStep(job.secureAggregation, 4);
    let worst = 0;
    for (let i = 0; i < size; i++) worst = Math.max(worst, Math.abs(res.sum!.update[i] - want.update[i]));
    expect(worst).toBeLessThanOrEqual(4 * step + 1e-9);
    expect(worst).toBeGreaterThan(0); // it really was quantized
    expect(expectClipped).toBeGreaterThan(10);
    expect(res.secure!.clipped).toBe(expectClipped);
  });

  it('caps a participant\'s FedAvg weight at maxWeight and clips its delta, never the others\'', () => {
    const spec = JobSpecSchema.parse({ secureAggregation: { clip: 1, maxWeight: 100 } }).secureAggregation;
    const c = { update: Float64Array.of(400 * 0.5, 400 * -2, 0), weight: Float64Array.of(400), loss: Float64Array.of(40, 400) };
    const p = prepareForSecureSum('train', c, spec);
    expect(Array.from(p.update)).toEqual([50, -100, 0]); // delta 0.5 kept, −2 clipped to −1, weight 100
    expect(Array.from(p.weight)).toEqual([100]);
    expect(Array.from(p.loss)).toEqual([10, 100]);
    expect(Array.from(p.__clipped)).toEqual([1]);
    expect(Array.from(c.update)).toEqual([200, -800, 0]); // the input is untouched
  });

  for (const step of STEPS) {
    it(`completes with the exact sum of the survivors when one participant vanishes at ${step}`, async () => {
      const shape = statsShape(schema);
      const inputs = new Map<string, Contribution>();
      const { names, handlers, config, job } = setup(6, { secureAggregation: { threshold: 4 } }, (name) => {
        const c = randomContribution(shape, name.charCodeAt(6), 50, true);
        inputs.set(name, c);
        return c;
      });
      const res = await secureSum('job-1', job).run(memoryGrid(handlers, { 'inst-02': step }), names, { kind: 'stats', round: 0, config }, shape, 1000);
      expect(res.error).toBeUndefined();
      // Vanishing after sending the masked input still counts its input (it is in U3).
      const survivors = step === 'unmasking' ? names : names.filter((n) => n !== 'inst-02');
      expect(res.contributors).toEqual(survivors);
      const want = plainSum(survivors.map((n) => inputs.get(n)!));
      expect(Array.from(res.sum!.stats)).toEqual(Array.from(want.stats));
      expect(res.failures.map((f) => f.participant)).toEqual(['inst-02']);
      expect(res.failures[0].stage).toBe(`round 0: stats (secagg ${step})`);
    });
  }

  it('aborts below the threshold and unmasks nothing', async () => {
    const shape = statsShape(schema);
    const { names, handlers, config, job } = setup(5, { secureAggregation: { threshold: 4 } }, (name) => randomContribution(shape, name.charCodeAt(6), 10, true));
    const grid = memoryGrid(handlers, { 'inst-00': 'masked-input', 'inst-03': 'masked-input' });
    const seen: StageTask[] = [];
    const res = await secureSum('job-1', job).run({ ...grid, run: (p, t, ms) => grid.run(p, (x) => { const task = taskFor(t, x); seen.push(task); return task; }, ms) }, names, { kind: 'stats', round: 0, config }, shape, 1000);
    expect(res.sum).toBeNull();
    expect(res.error).toBe('secure aggregation aborted, nothing was unmasked: masked-input: only 3 of the required 4 participants sent masked inputs');
    expect(seen.some((t) => t.secagg?.message.type === 'unmask-request')).toBe(false);
  });

  it('never reuses a run id, and sends the weights only with the first step', async () => {
    const shape = statsShape(schema);
    const { names, handlers, config, job } = setup(3, {}, () => randomContribution(shape, 1, 1, true));
    const seen: StageTask[] = [];
    const sum = secureSum('job-1', job);
    const weights = new Float32Array(4);
    for (let i = 0; i < 2; i++) {
      const res = await sum.run(memoryGrid(handlers, {}, seen), names, { kind: 'stats', round: 0, config, weights }, shape, 1000);
      expect(res.error).toBeUndefined();
    }
    const runs = [...new Set(seen.map((t) => t.secagg!.config.run))];
    expect(runs).toEqual(['job-1/stats/0/0.1', 'job-1/stats/0/0.2']);
    expect(seen.filter((t) => t.weights).every((t) => t.secagg!.message.type === 'begin')).toBe(true);
    expect(seen.filter((t) => t.weights).length).toBe(6);
  });

  it('draws the SecAgg+ graph in the round and sums exactly over 12 participants, one vanishing after the draw', async () => {
    const shape = statsShape(schema);
    const inputs = new Map<string, Contribution>();
    const { names, handlers, config, job } = setup(12, { secureAggregation: { neighbours: 4 } }, (name) => {
      const c = randomContribution(shape, name.charCodeAt(6) * 13 + Number(name.slice(-2)), 50, true);
      inputs.set(name, c);
      return c;
    });
    const seen: StageTask[] = [];
    const res = await secureSum('job-1', job).run(memoryGrid(handlers, { 'inst-05': 'share-keys' }, seen), names, { kind: 'stats', round: 0, config }, shape, 1000);
    expect(res.error).toBeUndefined();
    const survivors = names.filter((n) => n !== 'inst-05');
    expect(res.contributors).toEqual(survivors);
    expect(Array.from(res.sum!.stats)).toEqual(Array.from(plainSum(survivors.map((n) => inputs.get(n)!)).stats));
    expect(res.secure).toMatchObject({ participants: 12, neighbours: 4, threshold: 3 });
    expect(seen.filter((t) => t.secagg!.message.type === 'graph-reveals')).toHaveLength(12);
  });

  it('fails loudly before the round when n·range cannot fit the modulus', () => {
    const spec = JobSpecSchema.parse({}).secureAggregation;
    // Exact fixed-point limbs carry at most 2^16 − 1 summands; quantized vectors need n·L < 2^32.
    expect(() => checkPlan(encodingPlanFor('stats', statsShape(schema), spec, 70_000))).toThrow(
      /^cannot sum over 70000 participants: maxSummands must be an integer in \[1, 65535\]/,
    );
    const onlyUpdate = { shape: { update: 10 }, encodings: { update: { kind: 'quantized' as const, clip: 1 } }, maxSummands: 3_000_000_000 };
    expect(() => checkPlan(onlyUpdate)).toThrow(/cannot sum over 3000000000 participants/);
    expect(checkPlan(encodingPlanFor('train', trainShape(10), spec, 10))).toBe(10 + 4 + 8 + 2);
  });

  it('uses a SecAgg+ ring of k = 2·⌈log2 n⌉ neighbours for larger rounds', () => {
    const job = JobSpecSchema.parse({ minParticipants: 2 });
    const ids = Array.from({ length: 40 }, (_, i) => `p${i}`);
    const p = secureRoundParams(job, 'stats', statsShape(schema), 'r', 0, ids);
    expect(p.neighbours).toBe(12);
    expect(p.config.graph).toEqual({ kind: 'committed', k: 12 }); // drawn in the round from every advertiser's nonce
    expect(p.config.threshold).toBe(7);
    // t never below minParticipants: k grows until each participant has that many share holders.
    const big = secureRoundParams(JobSpecSchema.parse({ minParticipants: 20 }), 'stats', statsShape(schema), 'r', 0, ids);
    expect(big.config.graph).toEqual({ kind: 'committed', k: 19 });
    expect(big.config.threshold).toBe(20);
    const small = secureRoundParams(job, 'stats', statsShape(schema), 'r', 0, ids.slice(0, 6));
    expect(small.config.graph.kind).toBe('complete');
    expect(() => secureRoundParams(JobSpecSchema.parse({ secureAggregation: { threshold: 9 } }), 'stats', statsShape(schema), 'r', 0, ids.slice(0, 6))).toThrow(
      /secureAggregation.threshold 9 exceeds the 6 holders/,
    );
    expect(() => secureRoundParams(JobSpecSchema.parse({ secureAggregation: { threshold: 3 } }), 'stats', statsShape(schema), 'r', 0, ids.slice(0, 6))).toThrow(
      /secureAggregation.threshold 3 is below a majority \(4\) of the 6 holders/,
    );
  });
});

describe('the participant checks what it is asked to take part in', () => {
  const shape = statsShape(schema);
  const begin = (handlers: Map<string, TaskHandler>, config: TaskConfig, mutate: (t: StageTask) => StageTask) => {
    const params = secureRoundParams(config.job, 'stats', shape, 'job-1/stats/0/1', 0, [...handlers.keys()]);
    const task = mutate({ kind: 'stats', round: 0, config, secagg: { config: params.config, message: { type: 'begin' } } });
    return handlers.get('inst-00')!({ taskId: 't', jobId: 'job-1', round: 0, kind: 'stats', config: task.config as TaskConfig, deadline: 0, secagg: task.secagg });
  };

  it('refuses a job whose threshold is below a majority, even if the job itself asks for it', async () => {
    const { handlers, config } = setup(5, {}, () => randomContribution(shape, 1, 1, true));
    const lowered: TaskConfig = { ...config, job: { ...config.job, secureAggregation: { ...config.job.secureAggregation, threshold: 2 } } };
    const r = await begin(handlers, config, (t) => ({ ...t, config: lowered, secagg: { ...t.secagg!, config: { ...t.secagg!.config, threshold: 2 } } }));
    expect(r).toMatchObject({ refusal: { code: 'secagg_abort', reason: expect.stringMatching(/threshold 2 is below a majority \(3\) of the 5 holders/) } });
  });

  it('refuses a threshold lower than the job implies', async () => {
    const { handlers, config } = setup(5, {}, () => randomContribution(shape, 1, 1, true));
    const r = await begin(handlers, config, (t) => ({ ...t, secagg: { ...t.secagg!, config: { ...t.secagg!.config, threshold: 1 } } }));
    expect(r).toEqual({ refusal: { code: 'secagg_abort', reason: 'threshold t = 1 differs from the job\'s t = 3 for 5 participants' } });
  });

  it('refuses a run id of another job or stage, and a second begin of the same run', async () => {
    const { handlers, config } = setup(3, {}, () => randomContribution(shape, 1, 1, true));
    const other = await begin(handlers, config, (t) => ({ ...t, secagg: { ...t.secagg!, config: { ...t.secagg!.config, run: 'job-2/stats/0/1' } } }));
    expect(other).toMatchObject({ refusal: { code: 'secagg_abort', reason: expect.stringMatching(/does not belong to job job-1/) } });
    expect(await begin(handlers, config, (t) => t)).toHaveProperty('secagg');
    expect(await begin(handlers, config, (t) => t)).toMatchObject({ refusal: { reason: expect.stringMatching(/a second time; a run is never reused/) } });
  });

  it('refuses plain aggregation unless allowed', async () => {
    const job = JobSpecSchema.parse({ aggregation: 'plain' });
    const config: TaskConfig = { jobId: 'j', job, schema };
    const task: ParsedTask = { taskId: 't', jobId: 'j', round: 0, kind: 'stats', config, deadline: 0 };
    const inner: TaskHandler = async () => ({ contribution: { label: Float64Array.of(1, 0) } });
    expect(await secAggMod({ name: 'a' })(inner)(task)).toMatchObject({ refusal: { code: 'plain_refused' } });
    expect(await secAggMod({ name: 'a', allowPlain: true })(inner)(task)).toEqual({ contribution: { label: Float64Array.of(1, 0) } });
  });
});

describe('authenticated secure sums (signed adverts, ConsistencyCheck)', () => {
  const shape = statsShape(schema);
  const names = Array.from({ length: 5 }, (_, i) => `inst-${String(i).padStart(2, '0')}`);
  const ids = testIdentities(names, 77);
  const identity = (name: string) => ({ secretKey: ids.secretKeys.get(name)!, peers: ids.roster });
  const authenticated = (vanish: Vanish = {}, identityFor: (name: string) => SecAggModOptions['identity'] = identity) => {
    const inputs = new Map<string, Contribution>();
    const env = setup(5, { secureAggregation: { threshold: 3 } }, (name) => {
      const c = randomContribution(shape, name.charCodeAt(6) + 3, 40, true);
      inputs.set(name, c);
      return c;
    }, identityFor);
    const seen: StageTask[] = [];
    return { ...env, inputs, seen, grid: memoryGrid(env.handlers, vanish, seen) };
  };
  const tampering = tamperingGrid;
  const task = (config: TaskConfig): StageTask => ({ kind: 'stats', round: 0, config });

  it('gives the exact sum, and only the signers are asked to unmask', async () => {
    const { config, job, inputs, seen, grid } = authenticated();
    const res = await secureSum('job-1', job, '0', { authenticated: true }).run(grid, names, task(config), shape, 1000);
    expect(res.error).toBeUndefined();
    expect(res.contributors).toEqual(names);
    expect(Array.from(res.sum!.stats)).toEqual(Array.from(plainSum([...inputs.values()]).stats));
    expect(res.secure).toMatchObject({ participants: 5, survivors: 5, threshold: 3, authenticated: true });
    const steps = seen.map((t) => t.secagg!.message.type);
    expect(steps.filter((t) => t === 'consistency-request')).toHaveLength(5);
    expect(seen.every((t) => t.secagg!.config.authenticated === true)).toBe(true);
    const unmask = seen.find((t) => t.secagg!.message.type === 'unmask-request')!.secagg!.message;
    expect(unmask.type === 'unmask-request' && unmask.signatures!.map((s) => s.id)).toEqual(names);
  });

  it('completes with the exact sum when a participant vanishes during the consistency check', async () => {
    const { config, job, inputs, seen, grid } = authenticated({ 'inst-02': 'consistency-check' });
    const res = await secureSum('job-1', job, '0', { authenticated: true, roster: ids.roster }).run(grid, names, task(config), shape, 1000);
    expect(res.error).toBeUndefined();
    expect(res.contributors).toEqual(names); // inst-02 sent its masked input: it is in U3
    expect(Array.from(res.sum!.stats)).toEqual(Array.from(plainSum([...inputs.values()]).stats));
    expect(res.failures).toEqual([{ participant: 'inst-02', stage: 'round 0: stats (secagg consistency-signature)', reason: 'vanished' }]);
    expect(seen.filter((t) => t.secagg!.message.type === 'unmask-request').length).toBe(4);
  });

  it('every honest participant refuses at ShareKeys when the coordinator substitutes a peer\'s keys', async () => {
    const { config, job, grid } = authenticated();
    const swapped = tampering(grid, (t) => {
      const m = t.secagg?.message;
      if (m?.type === 'peer-keys') m.keys = m.keys.map((k) => (k.id === 'inst-01' ? { ...k, sPk: new Uint8Array(32).fill(9) } : k));
      return t;
    });
    const res = await secureSum('job-1', job, '0', { authenticated: true }).run(swapped, names, task(config), shape, 1000);
    expect(res.sum).toBeNull();
    expect(res.error).toBe('secure aggregation aborted, nothing was unmasked: share-keys: only 0 of the required 3 participants shared keys');
    for (const f of res.failures.filter((x) => x.participant !== 'inst-01')) {
      expect(f.reason).toMatch(/^refused: secure aggregation: share-keys: the key advert of inst-01 does not verify under its roster key/);
    }
    expect(res.failures.find((f) => f.participant === 'inst-01')!.reason).toMatch(/do not carry inst-01's own public keys/);
  });

  it('participants refuse to unmask when the coordinator withholds the consistency signatures', async () => {
    const { config, job, grid } = authenticated();
    const stripped = tampering(grid, (t) => {
      const m = t.secagg?.message;
      if (m?.type === 'unmask-request') m.signatures = m.signatures!.slice(0, 2);
      return t;
    });
    const res = await secureSum('job-1', job, '0', { authenticated: true }).run(stripped, names, task(config), shape, 1000);
    expect(res.error).toBe('secure aggregation aborted, nothing was unmasked: unmasking: only 0 of the required 3 participants answered');
    for (const f of res.failures) expect(f.reason).toMatch(/only 2 of the required 3 consistency signatures over U3; refusing to unmask/);
  });

  it('a node with a roster refuses an unauthenticated round; a node without one refuses an authenticated round', async () => {
    const signed = authenticated();
    const res = await secureSum('job-1', signed.job).run(signed.grid, names, task(signed.config), shape, 1000);
    expect(res.sum).toBeNull();
    expect(res.failures[0].reason).toBe(
      'refused: this node requires signed secure aggregation (it has a roster); the coordinator ran an unauthenticated round [secagg_abort]',
    );
    const unsigned = authenticated({}, () => undefined);
    const res2 = await secureSum('job-1', unsigned.job, '0', { authenticated: true }).run(unsigned.grid, names, task(unsigned.config), shape, 1000);
    expect(res2.sum).toBeNull();
    expect(res2.failures[0].reason).toMatch(/^refused: the coordinator ran a signed \(authenticated\) secure aggregation round, but this node has no identity/);
  });
});
