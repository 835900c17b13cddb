/**
 * `fedcredit privacy`: an (ε, δ) calculator for record-level DP-SGD, i.e. the Poisson-subsampled
 * Gaussian mechanism accounted with Rényi DP (core/privacy).
 *
 * - `privacy epsilon`: ε spent by T steps at sampling rate q and noise multiplier z, at δ.
 * - `privacy noise`: the smallest z for which T steps at rate q cost at most a target ε at δ.
 * - `privacy client`: client-level DP-FedAvg (./privacy-client-cmd.ts).
 *
 * T is given directly (`--steps`) or as `--rounds R --epochs E`, counted as the DP-SGD trainer
 * does: R × E × round(1/q) steps (participant/trainer/dp-random.ts dpStepsPerEpoch).
 *
 * Options are taken as strings and validated here, so that every bad or missing value is a
 * {@link UsageError} (one line naming the flag, exit code 2) like the other commands' input errors.
 */
import type { Command } from 'commander';
import {
  DEFAULT_CALIBRATION_TOLERANCE,
  DEFAULT_RDP_ORDERS,
  calibrateNoiseMultiplier,
  epsilonFromRdp,
  sampledGaussianEpsilon,
} from '../core/privacy/index.ts';
import { CoreInputError } from '../core/types.ts';
import { dpStepsPerEpoch } from '../participant/trainer/dp-random.ts';
import { UsageError } from './errors.ts';
import { registerClientPrivacyCommand } from './privacy-client-cmd.ts';

/** Options of `privacy epsilon` and `privacy noise`, as commander hands them over (strings). */
export interface PrivacyCmdOptions {
  noiseMultiplier?: string;
  epsilon?: string;
  sampleRate?: string;
  steps?: string;
  rounds?: string;
  epochs?: string;
  delta?: string;
  json?: boolean;
}

/** How the number of steps was obtained. */
export type StepCount =
  | { steps: number; stepsFrom: 'steps' }
  | { steps: number; stepsFrom: 'rounds-epochs'; rounds: number; epochs: number; stepsPerEpoch: number };

/** Fields both reports share (also in their --json output). */
interface ReportCommon {
  mechanism: 'poisson-subsampled-gaussian';
  delta: number;
  order: number;
  sampleRate: number;
  steps: number;
  stepsFrom: StepCount['stepsFrom'];
  rounds?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  orders: number[];
}

/** What `privacy epsilon` reports. */
export interface EpsilonReport extends ReportCommon {
  epsilon: number;
  noiseMultiplier: number;
}

/** What `privacy noise` reports. */
export interface NoiseReport extends ReportCommon {
  noiseMultiplier: number;
  /** ε achieved by `noiseMultiplier` (≤ targetEpsilon). */
  epsilon: number;
  targetEpsilon: number;
  /** Relative tolerance of the search: the smallest z lies within it below `noiseMultiplier`. */
  tolerance: number;
}

const MECHANISM = 'Poisson-subsampled Gaussian (record-level DP-SGD), Rényi DP accounting';
const STEPS_RULE = 'steps = rounds × epochs × round(1/q), as DP-SGD training counts them';

/** Registers `privacy epsilon` and `privacy noise` on the program. */
export function registerPrivacyCommand(program: Command): void {
  const privacy = program
    .command('privacy')
    .description('(ε, δ) calculator: record-level DP-SGD (epsilon, noise) and client-level DP-FedAvg (client)');
  const stepOptions = (cmd: Command) =>
    cmd
      .option('--sample-rate <q>', 'Poisson sampling rate q ∈ (0, 1] (required)')
      .option('--steps <t>', 'number of DP-SGD steps (or give --rounds and --epochs)')
      .option('--rounds <r>', `federated rounds, with --epochs (${STEPS_RULE})`)
      .option('--epochs <e>', 'local epochs per round, with --rounds')
      .option('--delta <d>', 'δ ∈ (0, 1) of the guarantee, e.g. 1e-5 (required)')
      .option('--json', 'print one JSON object on stdout', false);
  stepOptions(
    privacy
      .command('epsilon')
      .description('ε spent for a noise multiplier, sampling rate and number of steps')
      .option('--noise-multiplier <z>', 'noise multiplier z = noise sd / clip norm, > 0 (required)'),
  ).action((o: PrivacyCmdOptions) => printEpsilon(epsilonReport(o), o.json === true));
  stepOptions(
    privacy
      .command('noise')
      .description('smallest noise multiplier meeting a target ε at δ')
      .option('--epsilon <e>', 'target ε > 0 (required)'),
  ).action((o: PrivacyCmdOptions) => printNoise(noiseReport(o), o.json === true));
  registerClientPrivacyCommand(privacy);
}

/** Computes `privacy epsilon`'s report; throws {@link UsageError} on bad options. */
export function epsilonReport(o: PrivacyCmdOptions): EpsilonReport {
  const z = numberFlag('--noise-multiplier', o.noiseMultiplier);
  if (!(z > 0)) throw new UsageError(`--noise-multiplier must be > 0, got ${o.noiseMultiplier}`);
  const { q, delta, count } = commonFlags(o);
  const r = withFlagNames(() => sampledGaussianEpsilon({ q, noiseMultiplier: z, steps: count.steps }, delta));
  return {
    mechanism: 'poisson-subsampled-gaussian', epsilon: r.epsilon, delta, order: r.order,
    noiseMultiplier: z, sampleRate: q, ...count, orders: [...DEFAULT_RDP_ORDERS],
  };
}

/** Computes `privacy noise`'s report; throws {@link UsageError} on bad options or an unreachable target. */
export function noiseReport(o: PrivacyCmdOptions): NoiseReport {
  const target = numberFlag('--epsilon', o.epsilon);
  if (!(target > 0)) throw new UsageError(`--epsilon must be > 0, got ${o.epsilon}`);
  const { q, delta, count } = commonFlags(o);
  // The conversion cannot certify less than this even for a vanishing RDP (set by the largest order).
  const floor = epsilonFromRdp({ orders: DEFAULT_RDP_ORDERS, rdp: DEFAULT_RDP_ORDERS.map(() => Number.MIN_VALUE) }, delta).epsilon;
  if (target <= floor) {
    throw new UsageError(
      `--epsilon ${o.epsilon} is below what can be certified at --delta ${o.delta}: with Rényi orders up to ` +
        `${DEFAULT_RDP_ORDERS[DEFAULT_RDP_ORDERS.length - 1]} the smallest certifiable ε is ${ceilSig(floor, 4)}, whatever the noise`,
    );
  }
  const c = withFlagNames(() => calibrateNoiseMultiplier({ epsilon: target, delta, q, steps: count.steps }));
  return {
    mechanism: 'poisson-subsampled-gaussian', noiseMultiplier: c.noiseMultiplier, epsilon: c.epsilon, targetEpsilon: target,
    delta, order: c.order, sampleRate: q, ...count, tolerance: DEFAULT_CALIBRATION_TOLERANCE, orders: [...DEFAULT_RDP_ORDERS],
  };
}

function printEpsilon(r: EpsilonReport, json: boolean): void {
  if (json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  else {
    out(`epsilon    ${ceilSig(r.epsilon, 6)}  at delta ${r.delta}  (rounded up)`);
    out(`order      α = ${r.order} (the optimal Rényi order)`);
    out(`mechanism  ${MECHANISM}`);
    out(`           q = ${r.sampleRate}, z = ${r.noiseMultiplier}, ${stepsText(r)}`);
    out(`orders     ${gridText(r.orders)}`);
  }
  edgeNote(r.order, r.orders);
}

function printNoise(r: NoiseReport, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    edgeNote(r.order, r.orders);
    return;
  }
  // Shown rounded up, so the printed z (pasted into `privacy epsilon` or a job) still meets the
  // target: ε is non-increasing in z. Its own ε is what is reported.
  const z = ceilSig(r.noiseMultiplier, 6);
  const at = sampledGaussianEpsilon({ q: r.sampleRate, noiseMultiplier: z, steps: r.steps }, r.delta);
  out(`noise multiplier  z = ${z}  (smallest z meeting the target, rounded up)`);
  out(`epsilon           ${ceilSig(at.epsilon, 6)} ≤ target ${r.targetEpsilon}  at delta ${r.delta}  (Rényi order α = ${at.order})`);
  out(`mechanism         ${MECHANISM}`);
  out(`                  q = ${r.sampleRate}, ${stepsText(r)}`);
  out(`orders            ${gridText(r.orders)}`);
  edgeNote(at.order, r.orders);
}

/** Flags shared by both subcommands: q, δ and the step count. */
function commonFlags(o: PrivacyCmdOptions): { q: number; delta: number; count: StepCount } {
  const q = numberFlag('--sample-rate', o.sampleRate);
  if (!(q > 0 && q <= 1)) throw new UsageError(`--sample-rate must be in (0, 1], got ${o.sampleRate}`);
  const delta = numberFlag('--delta', o.delta);
  if (!(delta > 0 && delta < 1)) throw new UsageError(`--delta must be in (0, 1), got ${o.delta}`);
  return { q, delta, count: stepCount(o, q) };
}

/** `--steps T`, or `--rounds R --epochs E` → R × E × round(1/q); exactly one of the two forms. */
function stepCount(o: PrivacyCmdOptions, q: number): StepCount {
  const byRounds = o.rounds !== undefined || o.epochs !== undefined;
  if (o.steps !== undefined) {
    if (byRounds) throw new UsageError('give either --steps or --rounds with --epochs, not both');
    return { steps: positiveInt('--steps', o.steps), stepsFrom: 'steps' };
  }
  if (!byRounds) throw new UsageError('--steps is required (or --rounds with --epochs)');
  if (o.rounds === undefined) throw new UsageError('--rounds is required with --epochs');
  if (o.epochs === undefined) throw new UsageError('--epochs is required with --rounds');
  const rounds = positiveInt('--rounds', o.rounds);
  const epochs = positiveInt('--epochs', o.epochs);
  const stepsPerEpoch = dpStepsPerEpoch(q);
  const steps = rounds * epochs * stepsPerEpoch;
  if (!Number.isSafeInteger(steps)) throw new UsageError(`--rounds × --epochs × round(1/q) = ${steps} steps is too large`);
  return { steps, stepsFrom: 'rounds-epochs', rounds, epochs, stepsPerEpoch };
}

/** A required finite number. */
export function numberFlag(flag: string, raw: string | undefined): number {
  if (raw === undefined) throw new UsageError(`${flag} is required`);
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} must be a number, got '${raw}'`);
  return n;
}

/** A positive integer (given, not defaulted). */
export function positiveInt(flag: string, raw: string): number {
  const n = numberFlag(flag, raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got ${raw}`);
  return n;
}

const FLAG_OF: Record<string, string> = {
  q: '--sample-rate', noiseMultiplier: '--noise-multiplier', steps: '--steps', delta: '--delta', epsilon: '--epsilon',
};

/** Runs core code, reporting its input errors as a {@link UsageError} that names the flag. */
export function withFlagNames<T>(f: () => T, flags: Record<string, string> = FLAG_OF): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof CoreInputError) throw new UsageError(`${flags[e.parameter] ?? e.parameter}: ${e.message}`);
    throw e;
  }
}

function stepsText(r: EpsilonReport | NoiseReport): string {
  if (r.stepsFrom === 'steps') return `${plural(r.steps, 'step')} (from --steps)`;
  return `${plural(r.steps, 'step')} = ${plural(r.rounds!, 'round')} × ${plural(r.epochs!, 'epoch')} × ${r.stepsPerEpoch} steps/epoch (round(1/q); from --rounds/--epochs)`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The order grid, runs of ≥ 3 consecutive integers shortened to a…b. */
export function gridText(orders: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < orders.length; ) {
    let j = i;
    while (Number.isInteger(orders[i]) && j + 1 < orders.length && orders[j + 1] === orders[j]! + 1) j++;
    if (j - i >= 2) {
      parts.push(`${orders[i]}…${orders[j]}`);
      i = j + 1;
    } else parts.push(String(orders[i++]));
  }
  return `${parts.join(', ')} (${orders.length} orders)`;
}

/** A note on stderr when the optimum sits at an end of the grid (a wider grid might do better). */
function edgeNote(order: number, orders: readonly number[]): void {
  const end = order === orders[0] ? 'smallest' : order === orders[orders.length - 1] ? 'largest' : undefined;
  if (end) process.stderr.write(`note: the optimum is at the grid's ${end} Rényi order (α = ${order}); ε is a valid bound, but orders beyond the grid might give a smaller one\n`);
}

/** `x` rounded up to `digits` significant digits (x > 0 finite; other values returned as is). */
export function ceilSig(x: number, digits: number): number {
  if (!(x > 0 && x < Infinity)) return x;
  let r = Number(x.toPrecision(digits));
  const step = 10 ** (Math.floor(Math.log10(x)) - digits + 1);
  while (r < x) r = Number((r + step).toPrecision(digits));
  return r;
}

function out(line: string): void {
  process.stdout.write(line + '\n');
}
