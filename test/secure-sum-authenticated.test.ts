/**
 * What a participant behind the real participant mod (participant/secagg-mod.ts) checks before it
 * takes part in a secure sum — threshold, run id, plain aggregation — and the authenticated
 * variant (Bonawitz et al. Fig. 5) over an in-memory Grid: nodes with an identity and a roster
 * sign their adverts, check their peers' and take part in the ConsistencyCheck, and refuse when
 * the coordinator substitutes keys, withholds signatures or runs the other variant.
 */
import { describe, expect, it } from 'vitest';
import { statsShape } from '../core/data/preprocess.ts';
import { JobSpecSchema } from '../core/job.ts';
import type { StageTask } from '../core/round/grid.ts';
import { secureSum } from '../core/round/secure-sum.ts';
import { secureRoundParams } from '../core/round/secure-plan.ts';
import type { TaskConfig } from '../core/round/task-config.ts';
import type { Contribution } from '../core/types.ts';
import { secAggMod } from '../participant/secagg-mod.ts';
import type { SecAggModOptions } from '../participant/secagg-mod.ts';
import type { ParsedTask, TaskHandler } from '../participant/handler.ts';
import { memoryGrid, tamperingGrid } from '../sim/memory-grid.ts';
import { testIdentities } from './support/secagg-protocol.ts';
import { plainSum, randomContribution, schema, setup } from './support/secure-sum.ts';
import type { Vanish } from './support/secure-sum.ts';

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
    let ms = 1000;
    const res = await secureSum('job-1', job, '0', { authenticated: true, now: () => (ms += 5) }).run(grid, names, task(config), shape, 1000);
    expect(res.error).toBeUndefined();
    expect(res.contributors).toEqual(names);
    expect(Array.from(res.sum!.stats!)).toEqual(Array.from(plainSum([...inputs.values()]).stats!));
    expect(res.secure).toMatchObject({ participants: 5, survivors: 5, threshold: 3, authenticated: true });
    // Everyone is everyone's neighbour at n = 5 (no graph nonces); the consistency check is a step of its own.
    expect(res.secure!.steps!.map((s) => s.step)).toEqual(['advertise-keys', 'share-keys', 'masked-input', 'consistency-signature', 'unmasking']);
    expect(res.secure!.steps!.every((s) => s.seconds === 0.005)).toBe(true);
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
    expect(Array.from(res.sum!.stats!)).toEqual(Array.from(plainSum([...inputs.values()]).stats!));
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
    expect(res.failures[0]!.reason).toBe(
      'refused: this node requires signed secure aggregation (it has a roster); the coordinator ran an unauthenticated round [secagg_abort]',
    );
    const unsigned = authenticated({}, () => undefined);
    const res2 = await secureSum('job-1', unsigned.job, '0', { authenticated: true }).run(unsigned.grid, names, task(unsigned.config), shape, 1000);
    expect(res2.sum).toBeNull();
    expect(res2.failures[0]!.reason).toMatch(/^refused: the coordinator ran a signed \(authenticated\) secure aggregation round, but this node has no identity/);
  });
});
