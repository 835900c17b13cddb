/**
 * The coordinator's side of a gbdt job, as stages of the round engine: the sketch stage that
 * turns the members' summed value counts into bin edges, and one boosting round — one tree grown
 * level by level by a {@link LevelGrower} from the members' histograms summed by the job's sum
 * protocol (the secure sum: the coordinator sees only consortium totals). Split finding, leaf
 * weights and feature subsampling happen here, on the totals; each member routes its own rows.
 *
 * Every level of a tree is summed over the members that contributed its first level: a level
 * summed over fewer members would not add up with the levels before it (and its difference
 * with them would single out the missing member), so a member lost in the middle of a tree
 * fails the job with that reason.
 *
 * No clock or randomness of its own: feature subsampling is seeded from the job's public seed.
 */
import type { DataSchema } from '../data/schema.ts';
import type { GbdtSpec } from '../trees/job-stages.ts';
import { treeLayout, treeStepRound, treeStepShape } from '../trees/job-stages.ts';
import { edgesFromSketch, sketchGrids, sketchLength, treeEdges } from '../trees/features.ts';
import { drawTreeFeatures } from '../trees/boost.ts';
import { LevelGrower } from '../trees/level-grower.ts';
import { appendTrees } from '../trees/model-pack.ts';
import { deriveSeed, seededRng } from '../random.ts';
import { CoreInputError } from '../types.ts';
import { TREE_LOSS_CAP } from '../privacy/boosting-plan.ts';
import type { StageFailure } from './grid.ts';
import { JobFailedError } from './job-failed.ts';
import type { StageRun } from './stage-runner.ts';
import type { SecureSumInfo } from './sum-protocol.ts';
import type { PreprocessingParams, TaskConfig } from './task-config.ts';

/**
 * Runs the sketch stage and returns the preprocessing with every numeric feature's bin edges.
 * `base` is the job's task configuration without preprocessing.
 */
export async function sketchEdges(stage: StageRun, base: TaskConfig, spec: GbdtSpec, prep: PreprocessingParams): Promise<PreprocessingParams> {
  const grids = sketchGrids(base.schema, prep, spec.sketchGrid);
  if (grids.length === 0) return { ...prep, edges: [] };
  const res = await stage(0, { kind: 'sketch', round: 0, config: { ...base, preprocessing: prep } }, { counts: sketchLength(grids) });
  const counts = res.sum.counts;
  if (!counts) throw new JobFailedError('the sketch stage returned no counts');
  // Under record-level DP the summed counts carry noise and may be negative; a count is never below 0.
  return { ...prep, edges: edgesFromSketch(grids, counts.map((c) => Math.max(0, c)), spec.maxBins) };
}

/** What one boosting round produced. */
export interface BoostedRound {
  /** The packed model with the new tree appended. */
  weights: Float32Array;
  /** Mean training log-loss of the members' rows at the start of the round. */
  trainLoss: number;
  contributors: string[];
  failures: StageFailure[];
  /** Facts of the round's first secure sum. */
  secure?: SecureSumInfo;
}

/** Grows tree `round` over the members and returns the model with it appended to `weights`. */
export async function growBoostedRound(stage: StageRun, config: TaskConfig, spec: GbdtSpec, round: number, weights: Float32Array): Promise<BoostedRound> {
  const edges = config.preprocessing?.edges;
  if (!edges) throw new CoreInputError('a boosting round needs the bin edges in the preprocessing', 'config');
  const schema: DataSchema = config.schema;
  const layout = treeLayout(schema, edges);
  const features = drawTreeFeatures(layout.bins.length, spec.featureSubsample, seededRng(deriveSeed(config.job.seed, `tree-features:${round}`)));
  const grower = new LevelGrower(layout, spec, features, config.job.privacy.mode === 'record');
  const failures: StageFailure[] = [];
  let members: string[] | undefined;
  let trainLoss = Number.NaN;
  let secure: SecureSumInfo | undefined;
  for (let req = grower.next(); req; req = grower.next()) {
    const step = treeStepRound(round, req.level, spec.maxDepth);
    const task = { kind: 'tree' as const, round: step, config: { ...config, tree: { tree: round, level: req.level, partial: req.partial, nodes: req.nodes } }, weights };
    const res = await stage(step, task, treeStepShape(layout, req.nodes.length, req.level), members ? { only: members } : {});
    failures.push(...res.failures);
    if (members === undefined) {
      members = [...res.contributors].sort();
      secure = res.secure;
      const loss = res.sum.loss;
      // Under record-level DP each member sends its log-losses capped and divided by the cap.
      const scale = config.job.privacy.mode === 'record' ? TREE_LOSS_CAP : 1;
      if (loss && loss[1]! > 0) trainLoss = (scale * loss[0]!) / loss[1]!;
    } else {
      const lost = members.filter((m) => !res.contributors.includes(m));
      if (lost.length) {
        throw new JobFailedError(
          `round ${round}: ${lost.join(', ')} did not deliver level ${req.level} of the tree; every level of a tree must be summed over the members of its first level ` +
            `[${members.join(', ')}] (a level over fewer members would not add up with the levels before it)`,
          failures,
        );
      }
    }
    const hist = res.sum.hist;
    if (!hist) throw new JobFailedError(`round ${round}: the level ${req.level} sum returned no histograms`);
    grower.receive(hist);
  }
  const tree = grower.build();
  return { weights: appendTrees(weights, [tree], treeEdges(schema, edges)), trainLoss, contributors: members ?? [], failures, ...(secure ? { secure } : {}) };
}
