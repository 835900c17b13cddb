/**
 * gbdt jobs end to end on the in-process simulator (the real engine, authenticated secure sums
 * and participant handler chains) over credit_data split across three lenders:
 *
 * - secure and plain aggregation grow bit-identical models, and those are exactly the trees the
 *   pure core grows from the members' summed level histograms (a replay from each member's rows,
 *   with row and feature subsampling on), so the coordinator's decisions rest on totals only;
 * - what the coordinator receives for the sketch and every tree level are masked vectors that pass
 *   the uniformity tests used for model updates — alone and summed over any proper subset of the
 *   members — while a member's own encoded histogram fails them (the tests have power);
 * - a coordinator that crashes while a tree level is being unmasked resumes the job (the level is
 *   rerun over the same members, whose release guards allow exactly that) and grows the trees of an
 *   uninterrupted run;
 * - with personalization, each member stores its global, local-only and personal boosted models;
 * - a member lost in the middle of a tree fails the job with the reason.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { concatTables, scoreModel, splitParties } from '../cli/references.ts';
import { DataSchemaSchema } from '../core/data/schema.ts';
import type { Table } from '../core/data/table.ts';
import { subsetTable, validateTable } from '../core/data/table.ts';
import { JobSpecSchema } from '../core/job.ts';
import { deriveSeed, seededRng, uniform01 } from '../core/random.ts';
import type { StageReplies, StageTasks } from '../core/round/grid.ts';
import { taskFor } from '../core/round/grid.ts';
import { secureRoundParams } from '../core/round/secure-plan.ts';
import type { TaskConfig } from '../core/round/task-config.ts';
import { encodeContribution } from '../core/secagg/contribution-codec.ts';
import { binColumns } from '../core/trees/bins.ts';
import { drawTreeFeatures, logisticGradients } from '../core/trees/boost.ts';
import { treeColumns, treeEdges } from '../core/trees/features.ts';
import { levelHistograms } from '../core/trees/grow.ts';
import { baseScoreOf, boostingStageShape, onSumGrid, treeLayout, treeStepRound } from '../core/trees/job-stages.ts';
import { LevelGrower } from '../core/trees/level-grower.ts';
import { appendTrees, boostedMargins, emptyPacked, unpackBoosted } from '../core/trees/model-pack.ts';
import { CREDIT_DATA_PATH, splitCreditData } from '../examples/credit/split.ts';
import { parseCsv } from '../sim/csv.ts';
import { simulate, startSimulation } from '../sim/simulate.ts';
import { runJob } from '../core/round/engine.ts';
import type { JobStorePort, RoundRecord } from '../core/round/engine.ts';
import { secureSum } from '../core/round/secure-sum.ts';
import type { PreprocessingParams } from '../core/round/task-config.ts';
import type { StrategyState } from '../core/strategy/strategy.ts';
import { chain, errorToRefusalMod } from '../participant/handler.ts';
import { localHandler } from '../participant/local-handler.ts';
import { ReleaseLog } from '../participant/releases/log.ts';
import { secAggMod } from '../participant/secagg-mod.ts';
import { memoryGrid } from '../sim/memory-grid.ts';
import { loadMemberModel } from '../participant/personal/store.ts';
import { ROOT, tempDir } from './helpers.ts';
import { properSubsets, sumMod } from './curious-attack.ts';
import { uniformity } from './uniformity.ts';

const schema = DataSchemaSchema.parse(JSON.parse(readFileSync(path.join(ROOT, 'examples', 'credit', 'schema.json'), 'utf8')));
const { header, rows } = parseCsv(readFileSync(CREDIT_DATA_PATH, 'utf8'));
const parties = splitCreditData(header, rows, { parties: 3, seed: 7 }).map((p) => ({ name: p.name, table: validateTable(header, p.rows, schema, p.name).table }));
const spec = { type: 'gbdt', maxDepth: 3, learningRate: 0.2, rowSubsample: 0.8, featureSubsample: 0.7, maxBins: 16 } as const;
const job = (over: Record<string, unknown> = {}) =>
  JobSpecSchema.parse({ name: 'gbdt-test', model: spec, rounds: 6, minParticipants: 3, seed: 3, evaluation: { holdout: 0.25, every: 3, bins: 200 }, ...over });

/** The model the pure core grows from the members' summed level histograms, replayed from their rows. */
function replay(members: { name: string; table: Table }[], edges: number[][], j: ReturnType<typeof job>): Float32Array {
  if (j.model.type !== 'gbdt') throw new Error('not a gbdt job');
  const g = j.model;
  const layout = treeLayout(schema, edges);
  const state = members.map((m) => {
    const columns = treeColumns(m.table, schema);
    return { name: m.name, columns, labels: m.table.labels, binned: binColumns(columns, treeEdges(schema, edges)) };
  });
  const n = state.reduce((a, s) => a + s.labels.length, 0);
  const positives = state.reduce((a, s) => a + s.labels.reduce((x, y) => x + y, 0), 0);
  let packed = emptyPacked(baseScoreOf(n, positives));
  for (let tree = 1; tree <= j.rounds; tree++) {
    const inputs = state.map((s) => {
      const margin = boostedMargins(unpackBoosted(packed), s.columns);
      const grad = new Float64Array(margin.length);
      const hess = new Float64Array(margin.length);
      logisticGradients(margin, s.labels, grad, hess);
      const rng = seededRng(deriveSeed(j.seed, `tree-rows:${s.name}:${tree}`));
      const rowsOf = Uint32Array.from({ length: margin.length }, (_, i) => i).filter(() => uniform01(rng) < g.rowSubsample);
      return { ...s, grad, hess, rowsOf };
    });
    const features = drawTreeFeatures(layout.bins.length, g.featureSubsample, seededRng(deriveSeed(j.seed, `tree-features:${tree}`)));
    const grower = new LevelGrower(layout, g, features);
    for (let req = grower.next(); req; req = grower.next()) {
      const total = new Float64Array(req.nodes.length * layout.length);
      for (const s of inputs) onSumGrid(levelHistograms(layout, s.binned, s.grad, s.hess, s.rowsOf, req)).forEach((v, i) => (total[i]! += v));
      grower.receive(total);
    }
    packed = appendTrees(packed, [grower.build()], treeEdges(schema, edges));
  }
  return packed;
}

describe('gbdt jobs', () => {
  it('grow bit-identical trees with secure and plain aggregation: the trees the core grows from the summed histograms', async () => {
    const tmp = tempDir('boosting-same');
    try {
      const secure = await simulate({ job: job(), schema, parties, stateDir: path.join(tmp.dir, 'secagg'), seed: 1 });
      expect(secure.state, secure.error).toBe('SUCCEEDED');
      const plain = await simulate({ job: job({ aggregation: 'plain' }), schema, parties, stateDir: path.join(tmp.dir, 'plain'), seed: 1 });
      expect(plain.state, plain.error).toBe('SUCCEEDED');
      expect(Array.from(secure.weights!)).toEqual(Array.from(plain.weights!));
      expect(secure.rounds.map((r) => r.metrics.auc)).toEqual(plain.rounds.map((r) => r.metrics.auc));
      expect(unpackBoosted(secure.weights!).trees).toHaveLength(6);
      expect(secure.rounds.map((r) => r.round)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(Number.isNaN(secure.rounds[0]!.metrics.auc)).toBe(true); // the constant model is not evaluated

      const edges = secure.preprocessing!.edges!;
      expect(edges).toHaveLength(schema.numeric.length);
      const train = splitParties(parties, job()).map((p) => ({ name: p.name, table: p.split.train }));
      const mine = replay(train, edges, job());
      expect(Array.from(mine)).toEqual(Array.from(secure.weights!));

      const pooledTest = concatTables(splitParties(parties, job()).map((p) => p.split.test));
      const exact = scoreModel(job(), schema, secure.preprocessing!, secure.weights!, pooledTest);
      expect(exact.auc).toBeGreaterThan(0.78);
      expect(Math.abs(exact.auc - secure.rounds.at(-1)!.metrics.auc)).toBeLessThan(0.01); // 200 histogram bins
    } finally {
      tmp.cleanup();
    }
  });

  it("gives the coordinator no member's histogram: every masked input passes the uniformity tests, alone and over any proper subset", async () => {
    const tmp = tempDir('boosting-view');
    try {
      const sim = await startSimulation({ schema, parties, stateDir: tmp.dir, seed: 2 });
      const masked = new Map<string, Map<string, Uint32Array>>();
      const tasks = new Map<string, ReturnType<typeof taskFor>>();
      const plainReplies: string[] = [];
      const run = sim.grid.run.bind(sim.grid);
      sim.grid.run = async (names: string[], t: StageTasks, ms: number, signal?: AbortSignal): Promise<StageReplies> => {
        const out = await run(names, t, ms, signal);
        for (const [name, reply] of out.replies) {
          const task = taskFor(t, name);
          if (task.kind !== 'tree' && task.kind !== 'sketch') continue;
          if ('contribution' in reply) plainReplies.push(`${name} ${task.kind} ${task.round}`);
          if (!task.secagg) continue;
          const runId = task.secagg.config.run;
          if (task.weights || task.kind === 'sketch') tasks.set(runId, task); // the first step carries the model
          if ('secagg' in reply && reply.secagg.type === 'masked-input') {
            if (!masked.has(runId)) masked.set(runId, new Map());
            masked.get(runId)!.set(name, reply.secagg.y);
          }
        }
        return out;
      };
      const result = await sim.run(job({ rounds: 3 }));
      expect(result.state, result.error).toBe('SUCCEEDED');
      expect(plainReplies).toEqual([]);
      // The sketch and, per tree of depth ≤ 3, at most 3 level sums.
      expect(masked.size).toBeGreaterThanOrEqual(1 + 3);
      const kinds = new Set([...tasks.values()].map((t) => t.kind));
      expect([...kinds].sort()).toEqual(['sketch', 'tree']);
      for (const [runId, byMember] of masked) {
        expect(byMember.size, runId).toBe(3);
        for (const [name, y] of byMember) expect(uniformity(y).problems, `${runId} ${name}`).toEqual([]);
        for (const subset of properSubsets([...byMember.keys()])) {
          expect(uniformity(sumMod(subset.map((n) => byMember.get(n)!))).problems, `${runId} [${subset.join(', ')}]`).toEqual([]);
        }
      }
      // Power: a member's own tree-level histogram, encoded as it is before masking, fails them.
      const [runId, task] = [...tasks].find(([, t]) => t.kind === 'tree' && (t.config as { tree: { level: number } }).tree.level === 1)!;
      const config = task.config as TaskConfig;
      const shape = boostingStageShape('tree', task.round, config);
      const member = parties[0]!;
      const split = splitParties([member], job({ rounds: 3 }))[0]!.split.train;
      const layout = treeLayout(schema, config.preprocessing!.edges!);
      const columns = treeColumns(split, schema);
      const margin = boostedMargins(unpackBoosted(task.weights!), columns);
      const grad = new Float64Array(margin.length);
      const hess = new Float64Array(margin.length);
      logisticGradients(margin, split.labels, grad, hess);
      const hist = onSumGrid(levelHistograms(layout, binColumns(columns, treeEdges(schema, config.preprocessing!.edges!)), grad, hess, Uint32Array.from({ length: margin.length }, (_, i) => i), config.tree!));
      const { plan } = secureRoundParams(config.job, 'tree', shape, runId, task.round, parties.map((p) => p.name));
      const words = encodeContribution({ hist, __clipped: Float64Array.of(0) }, plan, seededRng(1)).words;
      expect(uniformity(words).problems).not.toEqual([]);
    } finally {
      tmp.cleanup();
    }
  });

  it('personalizes: each member keeps personal trees or its own boosted model, stored beside the global one', async () => {
    const tmp = tempDir('boosting-personal');
    try {
      const personalized = job({ rounds: 4, personalization: { mode: 'finetune', folds: 3, maxEpochs: 3, patience: 2 } });
      const result = await simulate({ job: personalized, schema, parties, stateDir: tmp.dir, seed: 6 });
      expect(result.state, result.error).toBe('SUCCEEDED');
      expect([...result.valueReports.keys()].sort()).toEqual(parties.map((p) => p.name).sort());
      for (const [name, report] of result.valueReports) {
        expect(report.model).toBe('gbdt');
        expect(report.test.global.auc).toBeGreaterThan(0.7);
        expect(report.test.localOnly.auc).toBeGreaterThan(0.6);
        const dir = path.join(tmp.dir, 'nodes', name);
        const global = loadMemberModel(dir, result.jobId, 'global');
        expect(Array.from(global.committee[0]!)).toEqual(Array.from(result.weights!));
        const local = loadMemberModel(dir, result.jobId, 'local');
        expect(local.committee).toHaveLength(3); // one boosted model per fold
        for (const m of local.committee) expect(unpackBoosted(m).trees.length).toBe(5 * (local.meta.epochs ?? 0));
        const personal = loadMemberModel(dir, result.jobId, 'personal');
        for (const m of personal.committee) expect(unpackBoosted(m).trees.length).toBeGreaterThanOrEqual(personal.meta.variant === 'local' ? 5 : 4);
      }
    } finally {
      tmp.cleanup();
    }
  });

  it('resumes after a coordinator crash in the middle of a tree and grows the trees of an uninterrupted run', async () => {
    const tmp = tempDir('boosting-resume');
    try {
      const j = job({ rounds: 3, deadlines: { waitForParticipantsMs: 50, stageMs: 120_000 } });
      const handlers = (dir: string) =>
        new Map(parties.map((p) => [p.name, chain(localHandler(p.name, p.table), [errorToRefusalMod, secAggMod({ name: p.name, releases: ReleaseLog.open(path.join(dir, p.name)) })])]));
      const stored = { rounds: [] as RoundRecord[], releases: {} as Record<string, string[]> } as { preprocessing?: PreprocessingParams; rounds: RoundRecord[]; state?: StrategyState; releases: Record<string, string[]> };
      const crashAt = `tree/${treeStepRound(2, 1, 3)}`;
      let armed = true;
      const store: JobStorePort = {
        savePreprocessing: async (pp) => void (stored.preprocessing = pp),
        saveRound: async (r, state) => {
          stored.rounds.push(r);
          stored.state = state;
        },
        saveRelease: async (kind, round, survivors) => {
          stored.releases[`${kind}/${round}`] = [...survivors].sort();
          if (armed && `${kind}/${round}` === crashAt) {
            armed = false;
            throw new Error('coordinator killed while unmasking');
          }
        },
      };
      const nodes = handlers(path.join(tmp.dir, 'crashed'));
      const deps = (incarnation: string) => ({ grid: memoryGrid(nodes), sum: secureSum('job-gb', j, incarnation), store, now: () => 0, emit: () => undefined });
      await expect(runJob('job-gb', j, schema, deps('one'))).rejects.toThrow(/killed while unmasking/);
      expect(stored.rounds.map((r) => r.round)).toEqual([0, 1]);
      const resumed = await runJob('job-gb', j, schema, deps('two'), { preprocessing: stored.preprocessing!, rounds: [...stored.rounds], state: stored.state!, releases: { ...stored.releases } });
      expect(resumed.rounds.map((r) => r.round)).toEqual([0, 1, 2, 3]);

      const clean = { ...store, saveRelease: async () => undefined };
      const uninterrupted = await runJob('job-gb', j, schema, { grid: memoryGrid(handlers(path.join(tmp.dir, 'clean'))), sum: secureSum('job-gb', j, 'three'), store: clean, now: () => 0, emit: () => undefined });
      expect(Array.from(resumed.weights)).toEqual(Array.from(uninterrupted.weights));
    } finally {
      tmp.cleanup();
    }
  });

  it('fails, saying why, when a member is lost in the middle of a tree', async () => {
    const tmp = tempDir('boosting-lost');
    try {
      // Four members, so that the level summed without one still has the three contributors every node requires.
      const north = parties[0]!.table;
      const half = (k: number) => subsetTable(north, Uint32Array.from({ length: north.n }, (_, i) => i).filter((i) => i % 2 === k));
      const four = [{ name: 'bank-north-a', table: half(0) }, { name: 'bank-north-b', table: half(1) }, ...parties.slice(1)];
      const lost = four.map((p) => (p.name === 'lender-online' ? { ...p, vanishAt: { step: 'masked-input' as const, kind: 'tree' as const, round: 2 } } : p));
      const result = await simulate({ job: job(), schema, parties: lost, stateDir: tmp.dir, seed: 4 });
      expect(result.state).toBe('FAILED');
      expect(result.error, result.error).toMatch(/round 1: lender-online did not deliver level 1 of the tree; every level of a tree must be summed over the members of its first level/);
    } finally {
      tmp.cleanup();
    }
  });
});
