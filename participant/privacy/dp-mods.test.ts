/**
 * Tests of differential privacy as handler mods: each task goes to its job mode's mod; a node with
 * a budget refuses jobs without DP; record-level tasks are answered (noised, charged) by the mod
 * at the cost jobPrivacyCost gives; client-level statistics and evaluations pass through to the
 * exact handler, after the whole-job check.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { preprocessingFromStats, statsContribution } from '../../core/data/preprocess.ts';
import { DataSchemaSchema, inputDim } from '../../core/data/schema.ts';
import type { Table } from '../../core/data/table.ts';
import { JobSpecSchema } from '../../core/job.ts';
import { modelLayout } from '../../core/model/layout.ts';
import { jobPrivacyCost } from '../../core/privacy/job-cost.ts';
import { seededRng, standardNormal, uniform01 } from '../../core/random.ts';
import { layoutSize } from '../../core/types.ts';
import type { TaskKind } from '../../core/types.ts';
import type { HandlerResult, ParsedTask, TaskHandler } from '../handler.ts';
import { localData } from '../local-handler.ts';
import { privacyMod } from './dp-mods.ts';
import { openNodePrivacy } from './node-privacy.ts';
import type { NodePrivacy } from './node-privacy.ts';

const schema = DataSchemaSchema.parse({ label: { column: 'y', positive: '1' }, numeric: [{ name: 'age', range: [20, 60] }, { name: 'income', range: [0, 100] }] });
const r = seededRng(1);
const table: Table = {
  n: 400,
  labels: Uint8Array.from({ length: 400 }, () => (uniform01(r) < 0.3 ? 1 : 0)),
  numeric: [Float64Array.from({ length: 400 }, () => 40 + 8 * standardNormal(r)), Float64Array.from({ length: 400 }, () => 50 + 10 * standardNormal(r))],
  categorical: [],
};
const EXACT: HandlerResult = { contribution: { exact: Float64Array.of(1) } };

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function nodePrivacy(epsilon: number): NodePrivacy {
  const d = mkdtempSync(path.join(os.tmpdir(), 'dp-mods-'));
  dirs.push(d);
  return openNodePrivacy('bank-a', d, { epsilon, delta: 1e-5 });
}

function task(privacy: Record<string, unknown>, kind: TaskKind, extra: Partial<ParsedTask> = {}): ParsedTask {
  const job = JobSpecSchema.parse({ rounds: 3, evaluation: { bins: 10 }, privacy });
  const size = layoutSize(modelLayout(job.model, inputDim(schema)));
  return {
    taskId: 't', jobId: 'job-1', round: kind === 'stats' ? 0 : 1, kind, deadline: 0,
    config: {
      jobId: 'job-1', job, schema, preprocessing: preprocessingFromStats(statsContribution(table, schema), schema),
      fit: { train: job.train, mu: 0, classWeights: { positive: 1, negative: 1 }, seed: 1, clipNorm: 1 },
    },
    weights: new Float32Array(size),
    ...extra,
  };
}

/** The mod around a spy exact handler. */
function handler(privacy?: NodePrivacy): { h: TaskHandler; next: ReturnType<typeof vi.fn> } {
  const next = vi.fn(async () => EXACT);
  return { h: privacyMod({ data: localData('bank-a', table), ...(privacy ? { privacy } : {}), rng: seededRng(9) })(next), next };
}

describe('jobs without DP', () => {
  it('pass through on a node without a budget, and are refused on a node with one', async () => {
    const open = handler();
    expect(await open.h(task({ mode: 'none' }, 'stats'))).toBe(EXACT);
    const guarded = handler(nodePrivacy(5));
    expect(await guarded.h(task({ mode: 'none' }, 'train'))).toMatchObject({ refusal: { code: 'privacy_required' } });
    expect(guarded.next).not.toHaveBeenCalled();
  });
});

describe('record-level DP', () => {
  const record = { mode: 'record', noiseMultiplier: 1.2 };

  it('refuses every task of a node without a budget', async () => {
    const { h, next } = handler();
    for (const kind of ['stats', 'train', 'evaluate'] as const) expect(await h(task(record, kind))).toMatchObject({ refusal: { code: 'privacy_not_configured' } });
    expect(next).not.toHaveBeenCalled();
  });

  it('answers the statistics itself: noised, charged and signed, with the job fixed at the cost jobPrivacyCost gives', async () => {
    const privacy = nodePrivacy(50);
    const { h, next } = handler(privacy);
    const t = task(record, 'stats', { survivors: 3 });
    const out = await h(t);
    expect(next).not.toHaveBeenCalled();
    expect(out).toMatchObject({ noised: true, receipt: expect.any(String) });
    const charges = privacy.ledger.entries().filter((e) => e.kind === 'charge');
    expect(charges.map((e) => [e.stage, e.partition])).toEqual([['count', 'train'], ['stats', 'train']]);
    const fixed = privacy.jobs.get('job-1')!;
    const cost = jobPrivacyCost(t.config.job, { schema, survivors: 3, trainingRows: fixed.noisyRows });
    expect(fixed.epsilonJob).toBe(cost.epsilon);
    expect(charges[0]).toMatchObject(cost.releases.find((x) => x.release === 'count')!.spend);
    expect(charges[1]).toMatchObject(cost.releases.find((x) => x.release === 'stats')!.spend);
  });

  it('refuses a whole job beyond the budget before anything is charged', async () => {
    const privacy = nodePrivacy(0.5);
    const { h } = handler(privacy);
    expect(await h(task(record, 'stats', { survivors: 3 }))).toMatchObject({ refusal: { code: 'privacy_budget', reason: expect.stringMatching(/the whole job would cost this node ε = /) } });
    expect(privacy.ledger.entries().filter((e) => e.kind === 'charge')).toEqual([]);
  });
});

describe('client-level DP', () => {
  const client = { mode: 'client', noise: 'distributed', noiseMultiplier: 1 };

  it('passes statistics and evaluations through to the exact handler', async () => {
    const { h, next } = handler(nodePrivacy(50));
    expect(await h(task(client, 'stats', { survivors: 3 }))).toBe(EXACT);
    expect(await h(task(client, 'evaluate', { survivors: 3 }))).toBe(EXACT);
    expect(next).toHaveBeenCalledTimes(2);
  });

  it('refuses the statistics of a whole job beyond the budget, and trains only inside a secure sum', async () => {
    const { h, next } = handler(nodePrivacy(0.5));
    expect(await h(task(client, 'stats', { survivors: 3 }))).toMatchObject({ refusal: { code: 'privacy_budget', reason: expect.stringMatching(/the whole job \(3 rounds\)/) } });
    expect(await h(task(client, 'train'))).toMatchObject({ refusal: { code: 'privacy_needs_secagg' } });
    expect(next).not.toHaveBeenCalled();
  });
});
