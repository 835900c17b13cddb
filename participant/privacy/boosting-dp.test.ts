/**
 * Record-level DP of a gbdt job at one node: the sketch counts and every tree level's histograms
 * are noised on their grids, charged to the ledger at the spend jobPrivacyCost plans, and signed;
 * a tree beyond the job's rounds and a DP-SGD train task are refused as outside the plan; the
 * held-out evaluation scores the boosted model.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { preprocessingFromStats, statsContribution } from '../../core/data/preprocess.ts';
import { DataSchemaSchema } from '../../core/data/schema.ts';
import type { Table } from '../../core/data/table.ts';
import { JobSpecSchema } from '../../core/job.ts';
import { TREE_GRID_BITS } from '../../core/privacy/boosting-plan.ts';
import { jobPrivacyCost } from '../../core/privacy/job-cost.ts';
import { seededRng, standardNormal, uniform01 } from '../../core/random.ts';
import { sketchCounts, sketchGrids, treeColumns } from '../../core/trees/features.ts';
import { baseScoreOf, treeStepRound } from '../../core/trees/job-stages.ts';
import { emptyPacked } from '../../core/trees/model-pack.ts';
import type { TaskKind } from '../../core/types.ts';
import type { ParsedTask } from '../handler.ts';
import { localData } from '../local-handler.ts';
import { privacyMod } from './dp-mods.ts';
import { openNodePrivacy } from './node-privacy.ts';

const schema = DataSchemaSchema.parse({ label: { column: 'y', positive: '1' }, numeric: [{ name: 'age', range: [20, 60] }, { name: 'income', range: [0, 100] }] });
const r = seededRng(2);
const n = 500;
const table: Table = {
  n,
  labels: Uint8Array.from({ length: n }, () => (uniform01(r) < 0.3 ? 1 : 0)),
  numeric: [Float64Array.from({ length: n }, () => 40 + 8 * standardNormal(r)), Float64Array.from({ length: n }, () => 50 + 10 * standardNormal(r))],
  categorical: [],
};
const job = JobSpecSchema.parse({
  rounds: 2, minParticipants: 3, evaluation: { bins: 10, holdout: 0.2 },
  model: { type: 'gbdt', maxDepth: 2, maxBins: 8, sketchGrid: 32 }, privacy: { mode: 'record', epsilon: 3 },
});
const stats = statsContribution(table, schema);
const prep = preprocessingFromStats(stats, schema);
const edges = [[30, 40, 50], [40, 50, 60]];
const positives = table.labels.reduce((a, b) => a + b, 0);
const root = { feature: [-1], bin: [0], defaultLeft: [0], left: [-1], right: [-1] };

function task(kind: TaskKind, round: number, extra: Partial<ParsedTask['config']> = {}): ParsedTask {
  return {
    taskId: `t-${kind}-${round}`, jobId: 'job-g', round, kind, deadline: 0, survivors: 3,
    config: { jobId: 'job-g', job, schema, preprocessing: { ...prep, ...(kind === 'sketch' ? {} : { edges }) }, ...extra } as ParsedTask['config'],
    weights: emptyPacked(baseScoreOf(n, positives)),
  };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function setUp() {
  const d = mkdtempSync(path.join(os.tmpdir(), 'boosting-dp-'));
  dirs.push(d);
  const privacy = openNodePrivacy('bank-a', d, { epsilon: 10, delta: 1e-5 });
  const next = vi.fn(async () => ({ contribution: {} }));
  return { privacy, next, h: privacyMod({ data: localData('bank-a', table), privacy, rng: seededRng(5) })(next) };
}

describe('record-level DP of a gbdt job at one node', () => {
  const cost = jobPrivacyCost(job, { schema, survivors: 3 });
  if (cost.mode !== 'record' || !cost.boosting) throw new Error('expected a record-level gbdt cost');
  const spendOf = (release: string) => cost.releases.find((x) => x.release === release)!.spend;

  it('noises the sketch counts and each tree level on their grids, charging the planned spend before answering', async () => {
    const { h, privacy, next } = setUp();
    const sketch = await h(task('sketch', 0));
    expect(sketch).toMatchObject({ noised: true, receipt: expect.any(String) });
    const counts = (sketch as { contribution: { counts: Float64Array } }).contribution.counts;
    const train = localData('bank-a', table).split(task('sketch', 0)).train;
    const exact = sketchCounts(treeColumns(train, schema), sketchGrids(schema, prep, 32));
    expect(counts).toHaveLength(exact.length);
    expect(counts.every(Number.isInteger)).toBe(true);
    expect(counts.some((c, i) => c !== exact[i])).toBe(true);

    const level = await h(task('tree', treeStepRound(1, 0, 2), { tree: { tree: 1, level: 0, nodes: [0], partial: root } } as Partial<ParsedTask['config']>));
    expect(level).toMatchObject({ noised: true, receipt: expect.any(String) });
    const c = (level as { contribution: { hist: Float64Array; loss: Float64Array } }).contribution;
    const unit = 2 ** TREE_GRID_BITS;
    for (const v of [...c.hist, ...c.loss]) expect(Number.isInteger(v * unit)).toBe(true);
    expect(c.hist).toHaveLength(2 * (5 + 5)); // two features of 3 edges: 4 value bins and a missing bin each
    expect(next).not.toHaveBeenCalled();

    const charges = privacy.ledger.entries().filter((e) => e.kind === 'charge');
    // No noisy row count: boosting neither weights nor samples by one.
    expect(charges.map((e) => [e.stage, e.partition])).toEqual([['sketch', 'train'], ['tree', 'train']]);
    expect(charges[0]).toMatchObject(spendOf('sketch'));
    expect(charges[1]).toMatchObject(spendOf('tree'));
    expect(cost.releases.find((x) => x.release === 'tree')!.times).toBe(job.rounds * 2);
    expect(privacy.jobs.get('job-g')).toMatchObject({ epsilonJob: cost.epsilon });
    expect(privacy.jobs.get('job-g')!.noiseMultiplier).toBeUndefined();
    expect(privacy.jobs.get('job-g')!.noisyRows).toBeUndefined();
  });

  it('refuses a tree beyond the job\'s rounds and a DP-SGD train task: both are outside the plan', async () => {
    const { h } = setUp();
    const beyond = task('tree', treeStepRound(3, 0, 2), { tree: { tree: 3, level: 0, nodes: [0], partial: root } } as Partial<ParsedTask['config']>);
    expect(await h(beyond)).toMatchObject({ refusal: { code: 'privacy_plan', reason: expect.stringMatching(/tree 3 is outside/) } });
    expect(await h(task('train', 1))).toMatchObject({ refusal: { code: 'privacy_plan', reason: expect.stringMatching(/no DP-SGD settings/) } });
  });

  it('evaluates the boosted model on the held-out rows, noised and charged to them', async () => {
    const { h, privacy } = setUp();
    const out = await h(task('evaluate', job.rounds));
    expect(out).toMatchObject({ noised: true, receipt: expect.any(String) });
    expect(privacy.ledger.entries().filter((e) => e.kind === 'charge').map((e) => [e.stage, e.partition])).toEqual([['evaluate', 'holdout']]);
  });
});
