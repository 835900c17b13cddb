/**
 * The data the round engine (./engine.ts) records and the ports it runs over: round records,
 * the persistence port and where an interrupted job resumes, progress events, and the
 * dependencies of one job run.
 */
import type { EvalMetrics, ScoreHistogram } from '../metrics/histogram.ts';
import type { PersonalizationRelease } from '../personalize/release.ts';
import type { StrategyRegistry, StrategyState } from '../strategy/strategy.ts';
import type { Rng, TaskKind } from '../types.ts';
import type { Grid, StageFailure } from './grid.ts';
import type { SecureSumInfo, SumProtocol } from './sum-protocol.ts';
import type { PreprocessingParams } from './task-config.ts';

/** What the engine records for one round (round 0 = the initial model, untrained). */
export interface RoundRecord {
  round: number;
  participants: string[];
  metrics: EvalMetrics;
  /**
   * An evaluated round: the summed per-class score histogram the metrics were read from — the
   * noised one under record-level DP, exactly what the coordinator saw. Absent when the round was
   * not evaluated (and in records stored before histograms were kept).
   */
  scoreHistogram?: ScoreHistogram;
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
  /**
   * The last round of a job with personalization (and without record-level DP): the consortium's
   * AUC/KS of the members' personalized and local-only models, and the figures of the members
   * whose policy released them (core/personalize/release.ts).
   */
  personalization?: PersonalizationRelease;
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
  | { type: 'failure'; failure: StageFailure }
  /** A connected participant the job does not select (once per participant and job), and why. */
  | { type: 'excluded'; participant: string; reason: string };

/** Ports and settings for one job run. */
export interface EngineDeps {
  grid: Grid;
  sum: SumProtocol;
  store: JobStorePort;
  now: () => number;
  emit: (e: EngineEvent) => void;
  /** The coordinator's crypto randomness: needed only for central client-level DP noise. */
  noiseRng?: Rng;
  /** User-defined strategies a job may name (`strategy.type: "custom"`). */
  strategies?: StrategyRegistry;
  /**
   * Stops the job from outside (cancelled, or paused while the coordinator stops): every wait on
   * the grid rejects promptly with the signal's reason, and so does {@link runJob}.
   */
  signal?: AbortSignal;
}
