/**
 * The round benchmark's settings, modes and results (bench/secagg-round.ts), and the two
 * summaries it computes from its jobs: per-step medians and seconds per round of whole jobs.
 */
import type { GcReading } from './gc-meter.ts';
import type { NextTaskMode } from '../participant/node.ts';
import type { TimeCategory } from './time-split.ts';
import type { CoordinatorLayout } from './round-fleet.ts';
import { median } from './stats.ts';

/** Settings of the round benchmark. */
export interface RoundBenchOptions {
  parties: number;
  hidden: number[];
  rounds: number;
  jobsPerMode: number;
  /** Size multiplier of the synthetic consortium (1 = 7,800 rows in all). */
  scale: number;
  seed: number;
  /**
   * The job's minParticipants: the smallest sum a coordinator may unmask, so the Shamir threshold
   * t ≥ it and every member's share holders (itself and its k neighbours) number at least t. A
   * large value forces everyone to be everyone's neighbour (Bonawitz et al.); a small one lets
   * "auto" pick k = 2·⌈log2 n⌉ neighbours (SecAgg+).
   */
  minParticipants: number;
  /** Address the coordinators listen on and the nodes dial (default 127.0.0.1). */
  host?: string;
  /** Port of the plaintext coordinator, the authenticated one on port + 1 (default 0: any free ports). */
  port?: number;
  /**
   * Where the two coordinators run: `process` (the default), each in an operating-system process
   * of its own started through `fedcredit coordinator`, as a consortium runs it; or `in-process`,
   * beside all the nodes in this process and on its one event loop (what `profile` sees whole).
   */
  coordinators?: CoordinatorLayout;
  /**
   * Jobs carry each round's evaluation in the next round's training stage (`evaluation.carried`,
   * the job default; absent: true): one aggregate per round instead of two, in every mode. false:
   * each round's evaluation is a stage of its own.
   */
  carried?: boolean;
  /**
   * When set (0 too), a fifth mode `auth-ahead`: the authenticated job with
   * `secureAggregation.keysAhead` N, measured beside the others, which keep the job default
   * (keys set up one round ahead); N = 0 shows what every sum setting up its own keys costs.
   */
  keysAhead?: number;
  /** How every node gets its next task (participant/node.ts; default its default, `push-reply`). */
  nextTask?: NextTaskMode;
  /** After the measured jobs, one more job per mode under the sampling profiler: where its rounds' time goes. */
  profile?: boolean;
  /** With `profile`: a directory where each mode's raw V8 profile is written (`<mode>.cpuprofile`). */
  profileDir?: string;
  /** Progress lines (stderr). */
  log: (line: string) => void;
}


/**
 * The benchmark's modes: on the plaintext coordinator `plain` and `secagg`; on the mutual TLS +
 * roster coordinator `plain-mtls` (plain aggregation, signed messages), `authenticated` (secure
 * aggregation with signed adverts and the consistency check) and, with `keysAhead`, `auth-ahead`
 * (the same with key setup carried ahead).
 */
export type BenchMode = 'plain' | 'plain-mtls' | 'secagg' | 'authenticated' | 'auth-ahead';

/** The modes every run measures, in the order each cycle of jobs runs them (reversed every other cycle). */
const BENCH_MODES: readonly BenchMode[] = ['plain', 'plain-mtls', 'secagg', 'authenticated'];

/** The modes a run with these options measures: {@link BENCH_MODES}, then `auth-ahead` when keysAhead is set. */
export function benchModes(o: Pick<RoundBenchOptions, 'keysAhead'>): BenchMode[] {
  return o.keysAhead !== undefined ? [...BENCH_MODES, 'auth-ahead'] : [...BENCH_MODES];
}

/**
 * Seconds per round of whole jobs: for each job, its rounds 1..R added and divided by R, then the
 * median over the jobs. With keys set up ahead, a job's rounds are uneven (the round that sets up
 * later rounds' keys is slower, those rounds faster), so this, not the median round, is what the
 * setting changes.
 */
export function meanRoundSeconds(jobs: readonly JobSample[]): number {
  return median(jobs.map((j) => j.roundSeconds.reduce((a, b) => a + b, 0) / j.roundSeconds.length));
}

/** One measured job. */
export interface JobSample {
  mode: BenchMode;
  jobId: string;
  /** `seconds` of rounds 1..R, in order. */
  roundSeconds: number[];
  /** Secure modes: each round's (1..R) secure-sum steps as the coordinator timed them. */
  roundSteps: { step: string; seconds: number }[][];
  /** Wall time of the whole job seen from the client (submit → final status). */
  wallSeconds: number;
  /** CPU seconds this process (all the nodes, and the coordinators when in-process) used during the whole job. */
  nodesCpuSeconds: number;
  /**
   * The part of {@link nodesCpuSeconds} spent on this process's main thread, where every node's
   * JavaScript runs (Linux; the rest is other threads: V8's garbage-collection helpers, libuv's pool).
   */
  nodesMainThreadCpuSeconds?: number;
  /** CPU seconds the job's coordinator process used during the whole job (coordinators in processes of their own, on Linux). */
  coordinatorCpuSeconds?: number;
  /** Garbage-collection pauses of this process's main thread during the whole job (gc-meter.ts). */
  nodesGc: GcReading;
  auc: number;
}

/** Result of `runRoundBench` (secagg-round.ts). */
export interface RoundBenchResult {
  parties: number;
  minParticipants: number;
  coordinators: CoordinatorLayout;
  rows: number;
  inputDim: number;
  hidden: number[];
  parameters: number;
  /** Words of one secure train vector (quantized update + weight, loss and clip counters, encoded). */
  secureWords: number;
  neighbours: number;
  threshold: number;
  backend: string;
  roundsPerJob: number;
  jobsPerMode: number;
  plainMedianSeconds: number;
  secureMedianSeconds: number;
  /** secureMedianSeconds / plainMedianSeconds. */
  ratio: number;
  plainMinSeconds: number;
  secureMinSeconds: number;
  /** secureMinSeconds / plainMinSeconds: the fastest rounds, less sensitive to outside load. */
  minRatio: number;
  /** Secure rounds on the coordinator with mutual TLS and a roster (signed messages, signed adverts, consistency check). */
  authMedianSeconds: number;
  authMinSeconds: number;
  /** authMedianSeconds / secureMedianSeconds, and the same for the fastest rounds. */
  authOverSecure: number;
  authOverSecureMin: number;
  /** authMedianSeconds / plainMedianSeconds, and the same for the fastest rounds. */
  authOverPlain: number;
  authOverPlainMin: number;
  /** Plain rounds on the coordinator with mutual TLS and a roster (signed messages, no secure sum). */
  plainMtlsMedianSeconds: number;
  plainMtlsMinSeconds: number;
  /** {@link meanRoundSeconds} per mode measured. */
  meanRoundSeconds: Partial<Record<BenchMode, number>>;
  /** With keysAhead: `auth-ahead` rounds 1..R of every job, in order. */
  authAheadSeconds?: number[];
  /** authMedianSeconds / plainMtlsMedianSeconds, and the same for the fastest rounds: secure aggregation's cost on one transport. */
  authOverPlainMtls: number;
  authOverPlainMtlsMin: number;
  plainSeconds: number[];
  plainMtlsSeconds: number[];
  secureSeconds: number[];
  authSeconds: number[];
  jobs: JobSample[];
  /** With `profile`: seconds per round of each mode, by category (time-split.ts). */
  timeSplit?: Partial<Record<BenchMode, Record<TimeCategory, number>>>;
  /**
   * Median CPU seconds of one whole measured job per mode (all its rounds, round 0 and the last
   * evaluation included): this process (the nodes) and, with coordinator processes on Linux, the
   * job's coordinator. Work rather than wall time: what the rounds cost the machine's two cores.
   * `nodesGcPause`: the median seconds the nodes' main thread was paused collecting garbage.
   */
  jobCpuSeconds: Partial<Record<BenchMode, { nodes: number; nodesMainThread?: number; nodesGcPause: number; coordinator?: number }>>;
  /**
   * The secure modes' training sums step by step: for each step (in the order they run), the
   * median of its seconds over rounds ≥ 1, as the coordinator timed them.
   */
  stepSeconds: Record<'secagg' | 'authenticated', { step: string; seconds: number }[]>;
}

/** Per step, in order of first appearance, the median seconds over the given rounds' steps. */
export function stepMedians(rounds: { step: string; seconds: number }[][]): { step: string; seconds: number }[] {
  const byStep = new Map<string, number[]>();
  for (const steps of rounds) {
    for (const x of steps) {
      const seen = byStep.get(x.step);
      if (seen) seen.push(x.seconds);
      else byStep.set(x.step, [x.seconds]);
    }
  }
  return [...byStep].map(([step, seconds]) => ({ step, seconds: median(seconds) }));
}
