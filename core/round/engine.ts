/**
 * The round engine: runs a federated job over a {@link Grid} with a {@link SumProtocol},
 * a Strategy and a store port. Stages per job: federated preprocessing statistics, a baseline
 * evaluation of the initial model (round 0), then per round: train → aggregate → evaluate →
 * persist. Pure orchestration: no timers, clock or randomness of its own (the clock is a port,
 * the initial weights come from a seeded generator).
 */
import { preprocessingFromStats, statsShape } from '../data/preprocess';
import type { DataSchema } from '../data/schema';
import { inputDim } from '../data/schema';
import type { JobSpec } from '../job';
import { evaluationShape, metricsFromEvaluation } from '../metrics/histogram';
import type { EvalMetrics } from '../metrics/histogram';
import { initialWeights, modelLayout } from '../model/layout';
import { deriveSeed, seededRng } from '../random';
import { readTrainSum } from '../aggregate/train';
import { clientPlanFor, clientPrivacy, readClientTrainSum, trainShapeFor } from './client-round';
import { createStrategy } from '../strategy/strategy';
import type { StrategyState } from '../strategy/strategy';
import { CoreInputError, layoutSize } from '../types';
import type { Rng, TaskKind } from '../types';
import { stageNoised } from '../privacy/noised-stages';
import { evaluationRounds, recordPrivacy, recordReleasePlan } from '../privacy/record-plan';
import { metricsFromBoundedEvaluation, preprocessingFromBoundedStats } from '../privacy/record-decode';
import type { Grid, StageFailure, StageTask } from './grid';
import { withSignal } from './grid';
import { nonFiniteProblem, stateVectors } from './finite';
import type { SecureSumInfo, SumProtocol, SumResult } from './sum-protocol';
import type { PreprocessingParams, TaskConfig } from './task-config';

/** What the engine records for one round (round 0 = the initial model, untrained). */
export interface RoundRecord {
  round: number;
  participants: string[];
  metrics: EvalMetrics;
  trainLoss: number;
  seconds: number;
  failures: StageFailure[];
  finishedAt: number;
  /** Secure-aggregation facts of the round's main aggregate (train; evaluate for round 0). */
  secure?: SecureSumInfo;
  /** Signed privacy receipts (JSON) of the round's trainers, by participant. */
  receipts?: Record<string, string>;
  /**
   * Signed receipts of the round's other DP releases (record-level: the noised statistics of round
   * 0 and each noised evaluation), by participant, in the order released.
   */
  releaseReceipts?: Record<string, string[]>;
  /** Client-level DP: the round's clip norm S, noise multiplier z and noisy unclipped fraction. */
  clientDp?: ClientDpRound;
}

/** What a round of client-level DP reports. */
export interface ClientDpRound {
  noise: 'distributed' | 'central';
  clipNorm: number;
  noiseMultiplier: number;
  /** t the noise was calibrated for (distributed). */
  survivors: number;
  unclippedFraction?: number;
}

/** What the next round needs besides the strategy state (persisted with each round). */
export interface NextRound {
  /** Client-level DP: the clip norm S of the next round (adaptive clipping moves it). */
  clipNorm?: number;
}

/**
 * Persistence port (the coordinator writes atomically under its state dir). `saveRound` must make
 * the round durable as a unit: a resumed job continues from the last round it stored.
 */
export interface JobStorePort {
  savePreprocessing(p: PreprocessingParams): Promise<void>;
  saveRound(record: RoundRecord, state: StrategyState, next: NextRound): Promise<void>;
  /**
   * Records, durably and before any participant is asked to unmask, the survivor set a stage's
   * secure sum is about to be unmasked over; a resumed job reruns that stage over exactly it.
   */
  saveRelease(kind: TaskKind, round: number, survivors: string[]): Promise<void>;
}

/**
 * Where a job interrupted by a coordinator crash continues: the federated preprocessing and the
 * rounds completed so far, with the strategy state and next-round settings after the last one.
 * A round that was interrupted mid-way is simply run again (with new secure-sum run ids, hence
 * fresh keys and masks).
 */
export interface ResumePoint {
  /** Absent when the job stopped before its preprocessing statistics were stored. */
  preprocessing?: PreprocessingParams;
  /** Completed rounds in order, starting with round 0 (may be empty: round 0 not yet stored). */
  rounds: RoundRecord[];
  /** Strategy state after the last of `rounds` (ignored when `rounds` is empty). */
  state?: StrategyState;
  next?: NextRound;
  /**
   * Survivor sets of stages whose unmasking began before the interruption, by `kind/round`
   * (saved by {@link JobStorePort.saveRelease}). A stage without DP noise is rerun over exactly
   * its set, since participants release an exact input only once and again only over that set.
   */
  releases?: Record<string, string[]>;
}

/** Progress notifications. */
export type EngineEvent =
  | { type: 'stage'; round: number; stage: string; participants: string[] }
  | { type: 'round'; record: RoundRecord }
  | { type: 'failure'; failure: StageFailure };

/** Ports and settings for one job run. */
export interface EngineDeps {
  grid: Grid;
  sum: SumProtocol;
  store: JobStorePort;
  now: () => number;
  emit: (e: EngineEvent) => void;
  /** N(0, 1) draws from the coordinator's randomness: needed only for central client-level DP noise. */
  normal?: () => number;
  /** The coordinator's crypto randomness: needed only for exact (secureNoise) central client-level DP noise. */
  noiseRng?: Rng;
  /**
   * Stops the job from outside (cancelled, or paused while the coordinator stops): every wait on
   * the grid rejects promptly with the signal's reason, and so does {@link runJob}.
   */
  signal?: AbortSignal;
}

/** The metrics of a round that was not evaluated. */
const NOT_EVALUATED: EvalMetrics = { auc: NaN, ks: NaN, gini: NaN, logLoss: NaN, brier: NaN, n: 0, positives: 0 };

/** Why a job stopped before finishing (a clear, user-facing reason). */
export class JobFailedError extends Error {
  constructor(message: string, readonly failures: StageFailure[] = []) {
    super(message);
    this.name = 'JobFailedError';
  }
}

/** Final outcome of a successful job. */
export interface JobOutcome {
  weights: Float32Array;
  rounds: RoundRecord[];
  preprocessing: PreprocessingParams;
}

/**
 * `read()` of an aggregate, with a core input error (an aggregate the participants' replies made
 * unusable, e.g. a non-positive total weight) turned into a {@link JobFailedError} that says so.
 */
function usable<T>(where: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof CoreInputError) throw new JobFailedError(`${where}: the aggregate of the participants' replies is unusable: ${err.message}`);
    throw err;
  }
}

function describeFailures(f: StageFailure[]): string {
  return f.length ? ` (${f.map((x) => `${x.participant}: ${x.reason}`).join('; ')})` : '';
}

/**
 * Runs a whole job, or the rest of it from `resume`; throws {@link JobFailedError} with the reason
 * when it cannot complete.
 */
export async function runJob(jobId: string, job: JobSpec, schema: DataSchema, deps: EngineDeps, resume?: ResumePoint): Promise<JobOutcome> {
  const { sum, store, now, emit } = deps;
  const grid = withSignal(deps.grid, deps.signal);
  const min = job.minParticipants;
  const connected = await grid.waitFor(min, job.participants, job.deadlines.waitForParticipantsMs);
  const wanted = (names: string[]) => (job.participants ? names.filter((n) => job.participants!.includes(n)) : names);
  if (wanted(connected).length < min) {
    throw new JobFailedError(
      `quorum cannot be met: the job needs ${min} participant(s)` +
        (job.participants ? ` from [${job.participants.join(', ')}]` : '') +
        `, but ${wanted(connected).length} ${wanted(connected).length === 1 ? 'is' : 'are'} connected` +
        ` after waiting ${job.deadlines.waitForParticipantsMs} ms` +
        (connected.length ? ` (connected: ${connected.join(', ')})` : ''),
    );
  }

  const base: TaskConfig = { jobId, job, schema };
  // Record-level DP: statistics and histograms arrive noised and bounded (core/privacy/record-*.ts).
  const noised = recordPrivacy(job) !== undefined;
  const evaluated = new Set(evaluationRounds(job));
  const released = resume?.releases ?? {};
  const stage = async (round: number, task: StageTask, shape: Record<string, number>): Promise<SumResult & { sum: NonNullable<SumResult['sum']> }> => {
    const pinned = stageNoised(job, task.kind) ? undefined : released[`${task.kind}/${round}`];
    if (pinned) await grid.waitFor(pinned.length, pinned, job.deadlines.waitForParticipantsMs);
    const participants = pinned ?? wanted(grid.available());
    emit({ type: 'stage', round, stage: task.kind, participants });
    if (pinned) {
      const missing = pinned.filter((p) => !grid.available().includes(p));
      if (missing.length) {
        throw new JobFailedError(
          `round ${round} ${task.kind}: this stage was being unmasked over [${pinned.join(', ')}] when the coordinator stopped; its inputs carry no DP noise, ` +
            `so participants release them again only over exactly that set (no institution can be singled out by differencing), but ${missing.join(', ')} ` +
            `${missing.length === 1 ? 'is' : 'are'} not connected after waiting ${job.deadlines.waitForParticipantsMs} ms`,
        );
      }
    } else if (participants.length < min) {
      throw new JobFailedError(`round ${round} ${task.kind}: quorum lost: ${participants.length} of the required ${min} participant(s) are connected`);
    }
    const res = await sum.run(grid, participants, task, shape, job.deadlines.stageMs, {
      ...(pinned ? { exact: pinned } : {}),
      beforeUnmask: (survivors) => store.saveRelease(task.kind, round, survivors),
    });
    for (const f of res.failures) emit({ type: 'failure', failure: f });
    if (res.error) throw new JobFailedError(`round ${round} ${task.kind}: ${res.error}` + describeFailures(res.failures), res.failures);
    if (res.contributors.length < min || !res.sum) {
      throw new JobFailedError(
        `round ${round} ${task.kind}: only ${res.contributors.length} of the required ${min} participant(s) delivered` + describeFailures(res.failures),
        res.failures,
      );
    }
    const infinite = nonFiniteProblem(res.sum);
    if (infinite) throw new JobFailedError(`round ${round} ${task.kind}: the aggregate over [${res.contributors.join(', ')}] is not finite: ${infinite}`, res.failures);
    return res as SumResult & { sum: NonNullable<SumResult['sum']> };
  };
  /** A new model that is finite everywhere; a round whose aggregate overflows fails and nothing of it is stored. */
  const finiteModel = (round: number, next: StrategyState): StrategyState => {
    const bad = nonFiniteProblem(stateVectors(next));
    if (bad) throw new JobFailedError(`round ${round} train: the aggregated model is not finite: ${bad}; the round is not stored`);
    return next;
  };

  // Federated preprocessing: counts, sums and sums of squares through the aggregation path.
  let preprocessing: PreprocessingParams;
  let statsFailures: StageFailure[] = [];
  let statsContributors: string[] = [];
  let statsReceipts: Record<string, string> | undefined;
  if (resume?.preprocessing) preprocessing = resume.preprocessing;
  else {
    const stats = await stage(0, { kind: 'stats', round: 0, config: base }, statsShape(schema));
    statsFailures = stats.failures;
    statsContributors = stats.contributors;
    statsReceipts = stats.receipts;
    try {
      preprocessing = noised ? preprocessingFromBoundedStats(stats.sum, schema, statsNoiseStd(job, schema, stats)) : preprocessingFromStats(stats.sum, schema);
    } catch (err) {
      throw new JobFailedError(`federated preprocessing over [${stats.contributors.join(', ')}] failed: ${(err as Error).message}`);
    }
    await store.savePreprocessing(preprocessing);
  }

  const dim = inputDim(schema);
  const size = layoutSize(modelLayout(job.model, dim));
  const strategy = createStrategy(job.strategy);
  const resumed = resume?.preprocessing && resume.rounds.length > 0 && resume.state ? resume : undefined;
  let state: StrategyState = resumed?.state ?? { weights: initialWeights(job.model, dim, seededRng(deriveSeed(job.seed, 'init'))), round: 0 };
  const classWeights = resolveClassWeights(job, preprocessing);
  const rounds: RoundRecord[] = resumed ? [...resumed.rounds] : [];
  const client = clientPrivacy(job);
  let clipNorm = resumed ? resumed.next?.clipNorm : client?.clipNorm;

  const evaluate = async (
    round: number,
    started: number,
    trainLoss: number,
    trainers: string[],
    failures: StageFailure[],
    secure?: SecureSumInfo,
    receipts?: Record<string, string>,
    clientDp?: ClientDpRound,
    earlier?: Record<string, string>,
  ) => {
    // A round the job does not evaluate (evaluation.every) reports no metrics.
    const ev = evaluated.has(round)
      ? await stage(round, { kind: 'evaluate', round, config: { ...base, preprocessing }, weights: state.weights }, evaluationShape(job.evaluation.bins))
      : undefined;
    const metrics = ev
      ? usable(`round ${round} evaluate`, () => (noised ? metricsFromBoundedEvaluation(ev.sum, job.evaluation.bins) : metricsFromEvaluation(ev.sum, job.evaluation.bins)))
      : NOT_EVALUATED;
    const record: RoundRecord = {
      round,
      participants: trainers.length ? trainers : (ev?.contributors ?? statsContributors),
      metrics,
      trainLoss,
      seconds: (now() - started) / 1000,
      failures: [...failures, ...(ev?.failures ?? [])],
      finishedAt: now(),
      ...(secure ?? ev?.secure ? { secure: secure ?? ev?.secure } : {}),
      ...(receipts ? { receipts } : {}),
      ...releaseReceiptsOf([earlier, ev?.receipts]),
      ...(clientDp ? { clientDp } : {}),
    };
    await store.saveRound(record, state, clipNorm ? { clipNorm } : {});
    rounds.push(record);
    emit({ type: 'round', record });
  };

  if (!resumed) await evaluate(0, now(), Number.NaN, [], statsFailures, undefined, undefined, undefined, statsReceipts);
  for (let round = state.round + 1; round <= job.rounds; round++) {
    const started = now();
    const fit = { train: job.train, mu: strategy.fitConfig(round).mu, classWeights, seed: deriveSeed(job.seed, `fit:${round}`), ...(clipNorm ? { clipNorm } : {}) };
    const tr = await stage(round, { kind: 'train', round, config: { ...base, preprocessing, fit }, weights: state.weights }, trainShapeFor(job, size));
    if (client && clipNorm) {
      const plan = clientPlanFor(job, size, tr.secure?.threshold ?? 1)!;
      let cs: ReturnType<typeof readClientTrainSum>;
      try {
        cs = readClientTrainSum(tr.sum, job, plan, clipNorm, deps.normal, deps.noiseRng);
      } catch (err) {
        throw new JobFailedError(`round ${round} train: ${(err as Error).message}`);
      }
      state = finiteModel(round, usable(`round ${round} train`, () => strategy.aggregate(state, { updateSum: cs.updateSum, weightSum: cs.weightSum })));
      const info: ClientDpRound = {
        noise: plan.noise, clipNorm, noiseMultiplier: plan.noiseMultiplier, survivors: plan.survivors,
        ...(cs.unclippedFraction !== undefined ? { unclippedFraction: cs.unclippedFraction } : {}),
      };
      clipNorm = cs.nextClipNorm; // saved with this round, for the next
      await evaluate(round, started, Number.NaN, tr.contributors, tr.failures, tr.secure, tr.receipts, info);
      continue;
    }
    const { updateSum, weightSum, meanLoss } = usable(`round ${round} train`, () => readTrainSum(tr.sum));
    state = finiteModel(round, usable(`round ${round} train`, () => strategy.aggregate(state, { updateSum, weightSum })));
    await evaluate(round, started, meanLoss, tr.contributors, tr.failures, tr.secure, tr.receipts);
  }
  return { weights: state.weights, rounds, preprocessing };
}

/** The `releaseReceipts` field of a round record from the receipts of its stages (none: no field). */
function releaseReceiptsOf(stages: (Record<string, string> | undefined)[]): { releaseReceipts?: Record<string, string[]> } {
  const out: Record<string, string[]> = {};
  for (const s of stages) for (const [p, json] of Object.entries(s ?? {})) out[p] = [...(out[p] ?? []), json];
  return Object.keys(out).length ? { releaseReceipts: out } : {};
}

/** Every signed receipt of a round: the trainers' and those of its other releases, as (participant, JSON) pairs. */
export function roundReceipts(r: Pick<RoundRecord, 'receipts' | 'releaseReceipts'>): [string, string][] {
  return [...Object.entries(r.receipts ?? {}), ...Object.entries(r.releaseReceipts ?? {}).flatMap(([p, list]) => list.map((json): [string, string] => [p, json]))];
}

/** Standard deviation (in u units) of the noise the contributors put on each summed statistic. */
function statsNoiseStd(job: JobSpec, schema: DataSchema, stats: SumResult): number {
  const plan = recordReleasePlan(job, schema, stats.secure?.threshold ?? 1).stats;
  return Math.sqrt(stats.contributors.length * plan.sigma2PerClient) / 2 ** plan.gridBits;
}

/** Loss weights per class: none, explicit, or balanced from the federated class counts. */
export function resolveClassWeights(job: JobSpec, p: PreprocessingParams): { positive: number; negative: number } {
  const cw = job.train.classWeights;
  if (cw === 'none') return { positive: 1, negative: 1 };
  if (cw !== 'balanced') return cw;
  const neg = p.n - p.positives;
  if (p.positives <= 0 || neg <= 0) throw new JobFailedError('class weights "balanced" need both classes, but the federation has only one');
  return { positive: p.n / (2 * p.positives), negative: p.n / (2 * neg) };
}
