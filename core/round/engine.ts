/**
 * The round engine: runs a federated job over a {@link Grid} with a {@link SumProtocol},
 * a Strategy and a store port. Stages per job: federated preprocessing statistics, a baseline
 * evaluation of the initial model (round 0), then per round: train → aggregate → evaluate →
 * persist. By default (`evaluation.carried`, ./carried-evaluation.ts) a round's evaluation
 * travels in the next round's training stage, so its record is persisted one stage later; only
 * the last round has an evaluation stage of its own. A gbdt job (./boosting-rounds.ts) adds the
 * sketch of bin edges after the statistics, grows one tree per round from per-level sums instead
 * of train → aggregate, and does not evaluate its constant initial model. Pure orchestration: no
 * timers, clock or randomness of its own (the clock is a port, the initial weights come from a
 * seeded generator).
 */
import { statsShape } from '../data/preprocess.ts';
import { schemaDigest } from '../data/schema-digest.ts';
import type { DataSchema } from '../data/schema.ts';
import { inputDim } from '../data/schema.ts';
import type { JobSpec } from '../job.ts';
import { evaluationShape, splitScoreHistogram } from '../metrics/histogram.ts';
import { personalReleaseShape, readPersonalRelease, releasesPersonalization } from '../personalize/release.ts';
import type { EvalMetrics } from '../metrics/histogram.ts';
import { initialWeights, modelLayout } from '../model/layout.ts';
import { deriveSeed, seededRng } from '../random.ts';
import { trainShapeFor } from './client-round.ts';
import type { StrategyState } from '../strategy/strategy.ts';
import type { RoundStep } from '../strategy/round-strategy.ts';
import { roundStrategyFor, SumReadError } from '../strategy/round-strategy.ts';
import { CoreInputError, layoutSize } from '../types.ts';
import { evaluationRounds, recordPrivacy } from '../privacy/record-plan.ts';
import { releaseReader } from '../privacy/record-decode.ts';
import type { StageFailure, StageTask } from './grid.ts';
import { withSignal } from './grid.ts';
import { nonFiniteProblem, stateVectors } from './finite.ts';
import type { SecureSumInfo } from './sum-protocol.ts';
import type { PreprocessingParams, TaskConfig } from './task-config.ts';
import type { ClientDpRound, EngineDeps, NextRound, ResumePoint, RoundRecord } from './engine-types.ts';
import { releaseReceiptsOf } from './round-receipts.ts';
import { JobFailedError } from './job-failed.ts';
import { stageRunner } from './stage-runner.ts';
import type { StageForMembers } from './stage-runner.ts';
import { growBoostedRound, sketchEdges } from './boosting-rounds.ts';
import { carriedRound, carriedShape, splitCarried, splitCarriedReceipts } from './carried-evaluation.ts';
import type { PersonalizationRelease } from '../personalize/release.ts';
import type { Contribution } from '../types.ts';
import { baseScoreOf } from '../trees/job-stages.ts';
import { emptyPacked } from '../trees/model-pack.ts';

export { JobFailedError } from './job-failed.ts';

export type { ClientDpRound, EngineDeps, EngineEvent, JobStorePort, NextRound, ResumePoint, RoundRecord } from './engine-types.ts';
export { roundReceipts } from './round-receipts.ts';

/** The metrics of a round that was not evaluated. */
const NOT_EVALUATED: EvalMetrics = { auc: NaN, ks: NaN, gini: NaN, logLoss: NaN, brier: NaN, n: 0, positives: 0 };

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


/**
 * Runs a whole job, or the rest of it from `resume`; throws {@link JobFailedError} with the reason
 * when it cannot complete.
 */
export async function runJob(jobId: string, job: JobSpec, schema: DataSchema, deps: EngineDeps, resume?: ResumePoint): Promise<JobOutcome> {
  const { sum, store, now, emit } = deps;
  const grid = withSignal(deps.grid, deps.signal);
  const min = job.minParticipants;
  const connected = await grid.waitFor(min, job.participants, job.deadlines.waitForParticipantsMs);
  // Participants that registered with another schema would refuse every task: not selected.
  const digest = schemaDigest(schema);
  const excluded = new Map<string, string>();
  // Exclusions not yet in a round record: the next record lists them among its failures.
  let unreported: StageFailure[] = [];
  const sameSchema = (name: string): boolean => {
    const theirs = grid.schemaDigestOf?.(name);
    if (!theirs || theirs === digest) return true;
    if (!excluded.has(name)) {
      const reason = `registered with schema digest ${theirs.slice(0, 12)}…, but the job's schema has digest ${digest.slice(0, 12)}…`;
      excluded.set(name, reason);
      unreported.push({ participant: name, stage: 'selection', reason: `not selected: ${reason}` });
      emit({ type: 'excluded', participant: name, reason });
    }
    return false;
  };
  const wanted = (names: string[]) => (job.participants ? names.filter((n) => job.participants!.includes(n)) : names).filter(sameSchema);
  if (wanted(connected).length < min) {
    throw new JobFailedError(
      `quorum cannot be met: the job needs ${min} participant(s)` +
        (job.participants ? ` from [${job.participants.join(', ')}]` : '') +
        `, but ${wanted(connected).length} ${wanted(connected).length === 1 ? 'is' : 'are'} connected` +
        ` after waiting ${job.deadlines.waitForParticipantsMs} ms` +
        (connected.length ? ` (connected: ${connected.join(', ')})` : '') +
        (excluded.size ? `; not selected for another schema: ${[...excluded.keys()].join(', ')}` : ''),
    );
  }

  const base: TaskConfig = { jobId, job, schema };
  const boosted = job.model.type === 'gbdt' ? job.model : undefined;
  // Exact sums, or under record-level DP noised and bounded ones (core/privacy/record-decode.ts).
  const reader = releaseReader(job, schema);
  const evaluated = new Set(evaluationRounds(job));
  const released = resume?.releases ?? {};
  const stage = stageRunner({ job, grid, sum, store, emit, released, wanted });
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
    // The training rounds' vectors go along, so that a secure sum can set up the first rounds' keys meanwhile.
    const trainVectors = boosted ? undefined : trainShapeFor(job, layoutSize(modelLayout(job.model, inputDim(schema))));
    const stats = await stage(0, { kind: 'stats', round: 0, config: base }, statsShape(schema), trainVectors ? { trainShape: trainVectors } : {});
    statsFailures = stats.failures;
    statsContributors = stats.contributors;
    statsReceipts = stats.receipts;
    try {
      preprocessing = reader.preprocessing(stats);
    } catch (err) {
      throw new JobFailedError(`federated preprocessing over [${stats.contributors.join(', ')}] failed: ${(err as Error).message}`);
    }
    // Boosted trees also need every numeric feature's bin edges, from the federated sketch.
    if (boosted) preprocessing = await sketchEdges(stage, base, boosted, preprocessing);
    await store.savePreprocessing(preprocessing);
  }

  const dim = inputDim(schema);
  const size = boosted ? 0 : layoutSize(modelLayout(job.model, dim));
  const resumed = resume?.preprocessing && resume.rounds.length > 0 && resume.state ? resume : undefined;
  // The job's strategy, wrapped by client-level DP when the job has it (core/strategy/round-strategy.ts).
  const strategy = roundStrategyFor(job, size, { ...(resumed ? { resumed: resumed.next ?? {} } : {}), ...(deps.noiseRng ? { noiseRng: deps.noiseRng } : {}), ...(deps.strategies ? { strategies: deps.strategies } : {}) });
  let state: StrategyState = resumed?.state ?? { weights: boosted ? emptyPacked(usable('boosting', () => baseScoreOf(preprocessing.n, preprocessing.positives))) : initialWeights(job.model, dim, seededRng(deriveSeed(job.seed, 'init'))), round: 0 };
  const classWeights = resolveClassWeights(job, preprocessing);
  const rounds: RoundRecord[] = resumed ? [...resumed.rounds] : [];

  /**
   * A round whose record waits for its evaluation: everything but the metrics, and the state and
   * strategy snapshot that are stored with it. Its evaluation comes from the next round's training
   * stage (./carried-evaluation.ts) or, for the last round, from an evaluation stage of its own.
   */
  interface RoundDraft {
    round: number;
    started: number;
    seconds?: number;
    trainLoss: number;
    trainers: string[];
    failures: StageFailure[];
    secure?: SecureSumInfo;
    receipts?: Record<string, string>;
    clientDp?: ClientDpRound;
    state: StrategyState;
    next: NextRound;
  }
  /** The evaluation sum of a round, from its own stage or carried by the next training stage. */
  interface EvalPart {
    sum: Contribution;
    contributors: string[];
    failures: StageFailure[];
    secure?: SecureSumInfo;
    receipts?: Record<string, string>;
    personalization?: PersonalizationRelease;
  }
  const draft = (d: Omit<RoundDraft, 'state' | 'next'>): RoundDraft => ({ ...d, state, next: strategy.next() });

  /** Evaluates the current model in an evaluation stage of its own. */
  const evaluationStage = async (round: number): Promise<EvalPart> => {
    const evalTask: StageTask = { kind: 'evaluate', round, config: { ...base, preprocessing }, weights: state.weights };
    // The final evaluation of a job with personalization also sums the members' personalization vectors.
    let members: string[] = [];
    const personal: StageForMembers | undefined =
      round === job.rounds && releasesPersonalization(job)
        ? (participants) => {
            members = [...participants];
            const config: TaskConfig = { ...base, preprocessing, members };
            return { task: { ...evalTask, config }, shape: { ...evaluationShape(job.evaluation.bins), ...personalReleaseShape(job, round, members.length) } };
          }
        : undefined;
    const ev = await stage(round, evalTask, evaluationShape(job.evaluation.bins), personal ? { forMembers: personal } : {});
    const personalization = personal ? usable(`round ${round} evaluate`, () => readPersonalRelease(ev.sum, job.evaluation.bins, members)) : undefined;
    return { ...ev, ...(personalization ? { personalization } : {}) };
  };

  /** Stores and reports the round of `d` with its evaluation `ev` (none: a round the job does not evaluate). */
  const finish = async (d: RoundDraft, ev?: EvalPart) => {
    const metrics = ev ? usable(`round ${d.round} evaluate`, () => reader.metrics(ev.sum)) : NOT_EVALUATED;
    // The histogram the metrics were read from: kept for reports (ROC, KS and calibration curves).
    const hist = ev?.sum.hist;
    const secure = d.secure ?? ev?.secure;
    const record: RoundRecord = {
      round: d.round,
      participants: d.trainers.length ? d.trainers : (ev?.contributors ?? statsContributors),
      metrics,
      ...(hist ? { scoreHistogram: splitScoreHistogram(hist, job.evaluation.bins, recordPrivacy(job) !== undefined) } : {}),
      trainLoss: d.trainLoss,
      seconds: d.seconds ?? (now() - d.started) / 1000,
      failures: [...unreported, ...d.failures, ...(ev?.failures ?? [])],
      finishedAt: now(),
      ...(secure ? { secure } : {}),
      ...(d.receipts ? { receipts: d.receipts } : {}),
      // Round 0 also carries the receipts of the statistics release that preceded it.
      ...releaseReceiptsOf([d.round === 0 ? statsReceipts : undefined, ev?.receipts]),
      ...(d.clientDp ? { clientDp: d.clientDp } : {}),
      ...(ev?.personalization ? { personalization: ev.personalization } : {}),
    };
    await store.saveRound(record, d.state, d.next);
    unreported = [];
    rounds.push(record);
    emit({ type: 'round', record });
  };

  /**
   * Ends round `d.round`: its record waits for the next training stage when that stage carries
   * its evaluation; otherwise the round is evaluated now (when the job evaluates it) and stored.
   * Its `seconds` are those of its own stages: they stop here, before the next round begins.
   */
  const endRound = async (d: RoundDraft): Promise<RoundDraft | undefined> => {
    if (carriedRound(job, d.round + 1) === d.round) return { ...d, seconds: (now() - d.started) / 1000 };
    await finish(d, evaluated.has(d.round) ? await evaluationStage(d.round) : undefined);
    return undefined;
  };

  // A resumed job's last stored round has its evaluation already: a training stage that carries
  // it again (the same input as before the restart) has that part of its sum set aside.
  let waiting: RoundDraft | undefined = resumed ? undefined : await endRound(draft({ round: 0, started: now(), trainLoss: Number.NaN, trainers: [], failures: statsFailures }));
  for (let round = state.round + 1; round <= job.rounds; round++) {
    const started = now();
    if (boosted) {
      const b = await growBoostedRound(stage, { ...base, preprocessing }, boosted, round, state.weights);
      state = { weights: b.weights, round };
      await endRound(draft({ round, started, trainLoss: b.trainLoss, trainers: b.contributors, failures: b.failures, ...(b.secure ? { secure: b.secure } : {}) }));
      continue;
    }
    const { mu, clipNorm } = strategy.fitConfig(round);
    const fit = { train: job.train, mu, classWeights, seed: deriveSeed(job.seed, `fit:${round}`), ...(clipNorm ? { clipNorm } : {}) };
    const carries = carriedRound(job, round);
    const trainShape = trainShapeFor(job, size);
    const tr = await stage(
      round,
      { kind: 'train', round, config: { ...base, preprocessing, fit, ...(carries !== undefined ? { evaluates: carries } : {}) }, weights: state.weights },
      carries !== undefined ? { ...trainShape, ...carriedShape(job.evaluation.bins) } : trainShape,
      { carries: carries !== undefined },
    );
    const parts = splitCarried(tr.sum);
    const receipts = splitCarriedReceipts(tr.receipts);
    if (waiting && carries === waiting.round) {
      await finish(waiting, { sum: parts.evaluation, contributors: tr.contributors, failures: [], ...(tr.secure ? { secure: tr.secure } : {}), ...(receipts.evaluation ? { receipts: receipts.evaluation } : {}) });
    }
    waiting = undefined;
    let step: RoundStep;
    try {
      step = usable(`round ${round} train`, () => strategy.aggregate(state, parts.train, tr.secure?.threshold ?? 1));
    } catch (err) {
      if (err instanceof SumReadError) throw new JobFailedError(`round ${round} train: ${err.message}`);
      throw err;
    }
    state = finiteModel(round, step.state);
    waiting = await endRound(
      draft({
        round, started, trainLoss: step.trainLoss, trainers: tr.contributors, failures: tr.failures,
        ...(tr.secure ? { secure: tr.secure } : {}), ...(receipts.train ? { receipts: receipts.train } : {}), ...(step.clientDp ? { clientDp: step.clientDp } : {}),
      }),
    );
  }
  return { weights: state.weights, rounds, preprocessing };
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
