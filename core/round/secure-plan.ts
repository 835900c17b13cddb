/**
 * The public parameters of a secure sum (Bonawitz et al., CCS 2017; SecAgg+, Bell et al.,
 * CCS 2020), derived the same way by the coordinator and by every participant from the job, the
 * stage and the round's participants — so a participant can check what it is asked to take
 * part in instead of trusting it:
 *
 * - the encoding plan of each stage's vectors into Z_{2^32} (secagg/contribution-codec.ts):
 *   model updates are clipped and stochastically quantized; counts, statistics, histograms and
 *   the example weight use exact fixed point (so no portfolio size is revealed, only sums; under
 *   record-level DP histograms carry signed noise on a 2^−6 grid); a gbdt job's sketch counts are
 *   integers and its tree-level gradient histograms fixed point on the 2^−24 grid;
 * - a `__clipped` counter appended to every stage, so the round reports how many coordinates
 *   were clipped in total without revealing any one participant's count;
 * - the Shamir threshold t and the neighbour graph (everyone, or a k-regular ring whose
 *   arrangement the round draws from every advertiser's committed nonce).
 */
import type { JobSpec, SecureAggregationSpec } from '../job.ts';
import type { EncodingPlan, VectorEncoding } from '../secagg/contribution-codec.ts';
import { INTEGER_SUM_LIMIT, fixedLimit, planWords } from '../secagg/contribution-codec.ts';
import { clientSumBound } from '../privacy/client-dp-codec.ts';
import { EVAL_GRID_BITS, recordPrivacy } from '../privacy/record-plan.ts';
import { CLIP_BIT, clientPlanFor } from './client-round.ts';
import { quantParamsFor } from '../secagg/quantize.ts';
import { completeGraph } from '../secagg/protocol/graph.ts';
import type { NeighbourGraph, SecAggConfig } from '../secagg/protocol/types.ts';
import type { Contribution, ContributionShape, TaskKind } from '../types.ts';
import { CoreInputError } from '../types.ts';
import { PERSONAL_HISTOGRAMS } from '../personalize/release.ts';
import { CARRIED_PREFIX } from './carried-evaluation.ts';

/** The score histogram of an evaluation carried by a training stage. */
const CARRIED_HIST = `${CARRIED_PREFIX}hist`;

/** Name of the appended clipped-coordinates counter. */
export const CLIPPED = '__clipped';
/** Inputs live in Z_{2^MODULUS_BITS}. */
export const MODULUS_BITS = 32;

const COUNT: VectorEncoding = { kind: 'fixed', fracBits: 0, limbs: 2 };
const REAL: VectorEncoding = { kind: 'fixed', fracBits: 24, limbs: 4 };
const WIDE: VectorEncoding = { kind: 'fixed', fracBits: 24, limbs: 8 };
/** Noised histogram counts (record-level DP): signed multiples of 2^−EVAL_GRID_BITS. */
const NOISED_COUNT: VectorEncoding = { kind: 'fixed', fracBits: EVAL_GRID_BITS, limbs: 3 };

/**
 * Encoding of each vector of a stage (plus {@link CLIPPED}) for at most `maxSummands` summands.
 * `clientSumBound` (client-level DP): the train update and clip bit are integers already, with
 * |sum| ≤ that bound per coordinate.
 */
export function encodingPlanFor(
  kind: TaskKind,
  shape: ContributionShape,
  spec: SecureAggregationSpec,
  maxSummands: number,
  clientSumBound?: number,
  noisedCounts = false,
): EncodingPlan {
  const encodings: Record<string, VectorEncoding> = { [CLIPPED]: COUNT };
  for (const name of Object.keys(shape)) {
    if (name === CLIPPED) throw new CoreInputError(`vector name ${CLIPPED} is reserved`, 'shape');
    if (kind === 'train' && clientSumBound !== undefined && (name === 'update' || name === CLIP_BIT)) encodings[name] = { kind: 'integer', sumBound: clientSumBound };
    else if (kind === 'train' && name === 'update') encodings[name] = { kind: 'quantized', clip: spec.clip * spec.maxWeight };
    else if ((kind === 'evaluate' && name === 'hist') || (kind === 'train' && name === CARRIED_HIST)) encodings[name] = noisedCounts ? NOISED_COUNT : COUNT;
    // Personalization histograms are never noised: they are not sent under record-level DP.
    else if (kind === 'evaluate' && (PERSONAL_HISTOGRAMS as readonly string[]).includes(name)) encodings[name] = COUNT;
    else if (kind === 'stats' && name === 'stats') encodings[name] = WIDE;
    else if (kind === 'sketch' && name === 'counts') encodings[name] = COUNT;
    else encodings[name] = REAL;
  }
  return { shape: { ...shape, [CLIPPED]: 1 }, encodings, maxSummands };
}

/**
 * Checks, before a round, that `plan` can sum `maxSummands` inputs without wrapping the modulus
 * (the "n·range overflowing the modulus" pitfall); returns its number of words.
 * Throws {@link CoreInputError} with the reason otherwise.
 */
export function checkPlan(plan: EncodingPlan): number {
  let words: number;
  try {
    words = planWords(plan);
  } catch (err) {
    throw new CoreInputError(`cannot sum over ${plan.maxSummands} participants: ${(err as Error).message}`, 'maxSummands');
  }
  for (const [name, e] of Object.entries(plan.encodings)) {
    if (e.kind === 'quantized') {
      try {
        quantParamsFor(e.clip, MODULUS_BITS, plan.maxSummands);
      } catch (err) {
        throw new CoreInputError(`vector "${name}" cannot be summed over ${plan.maxSummands} participants in Z_2^${MODULUS_BITS}: ${(err as Error).message}`, 'maxSummands');
      }
    } else if (e.kind === 'integer') {
      if (!(e.sumBound <= INTEGER_SUM_LIMIT)) {
        throw new CoreInputError(
          `vector "${name}": the noised sum over ${plan.maxSummands} participants can reach ±${e.sumBound.toExponential(3)}, beyond Z_2^${MODULUS_BITS} (lower privacy.noiseMultiplier or raise privacy.epsilon)`,
          'privacy',
        );
      }
    } else if (fixedLimit(e, plan.maxSummands) < 1) {
      throw new CoreInputError(`vector "${name}": ${plan.maxSummands} summands leave no fixed-point range`, 'maxSummands');
    }
  }
  return words;
}

/** Quantization step of the summed update (weighted units) for the README and reports. */
export function updateStep(spec: SecureAggregationSpec, maxSummands: number): number {
  const q = quantParamsFor(spec.clip * spec.maxWeight, MODULUS_BITS, maxSummands);
  return (2 * q.clip) / q.levels;
}

/**
 * Neighbours per participant for n participants (undefined = everyone): the job's setting, raised
 * when the threshold must reach `minParticipants` (t never exceeds a participant's share holders,
 * itself and its k neighbours, so k ≥ minParticipants − 1).
 */
export function neighbourCount(spec: SecureAggregationSpec, n: number, minParticipants = 1): number | undefined {
  let k = spec.neighbours === 'all' ? n - 1 : spec.neighbours === 'auto' ? 2 * Math.ceil(Math.log2(Math.max(2, n))) : spec.neighbours;
  k = Math.max(k, minParticipants - 1, (spec.threshold ?? 1) - 1);
  return k >= n - 1 ? undefined : k;
}

/**
 * Shamir threshold t for n participants with `k` neighbours each (undefined = everyone): the
 * job's `secureAggregation.threshold`, or else a majority of each participant's k + 1 share
 * holders (of all n with everyone as neighbours), and never below `minParticipants` (capped at
 * the holders, so a round of fewer than minParticipants, which the engine never starts, stays
 * well-defined). With everyone as neighbours the default is max(⌊n/2⌋ + 1, minParticipants);
 * with k neighbours it is max(⌊(k + 1)/2⌋ + 1, minParticipants).
 */
export function thresholdFor(spec: SecureAggregationSpec, minParticipants: number, n: number, k: number | undefined): number {
  const holders = k === undefined ? n : k + 1;
  const majority = Math.floor(holders / 2) + 1;
  if (spec.threshold !== undefined && spec.threshold < majority) {
    // Below a majority, two disjoint groups of holders could each reach t, so a coordinator that
    // tells them different survivor sets could obtain both shares of one node.
    throw new CoreInputError(
      `secureAggregation.threshold ${spec.threshold} is below a majority (${majority}) of the ${holders} holders of each participant's shares`,
      'secureAggregation.threshold',
    );
  }
  if (spec.threshold !== undefined) {
    if (spec.threshold > holders) {
      throw new CoreInputError(
        `secureAggregation.threshold ${spec.threshold} exceeds the ${holders} holders of each participant's shares (${n} participants` +
          (k === undefined ? ')' : `, ${k} neighbours each)`),
        'secureAggregation.threshold',
      );
    }
    if (spec.threshold < minParticipants && n >= minParticipants) {
      throw new CoreInputError(
        `secureAggregation.threshold ${spec.threshold} is below minParticipants ${minParticipants}: a sum of fewer inputs than the job requires could be unmasked`,
        'secureAggregation.threshold',
      );
    }
    return spec.threshold;
  }
  return Math.min(holders, Math.max(majority, minParticipants));
}

/** The parameters of one secure-sum round, as both sides compute them. */
export interface SecureRoundParams {
  config: SecAggConfig;
  plan: EncodingPlan;
  /** Neighbours per participant (n − 1 for everyone). */
  neighbours: number;
}

/**
 * The configuration of one secure sum over `participants` (sorted here) for a stage of a job.
 * `run` must be unique per job, stage, round and attempt (masks are never reused). Throws
 * {@link CoreInputError} when the settings cannot work (threshold, modulus overflow).
 */
export function secureRoundParams(
  job: Pick<JobSpec, 'secureAggregation' | 'minParticipants' | 'seed' | 'privacy' | 'rounds'>,
  kind: TaskKind,
  shape: ContributionShape,
  run: string,
  round: number,
  participants: string[],
): SecureRoundParams {
  const spec = job.secureAggregation;
  const ids = [...participants].sort();
  const n = ids.length;
  const k = neighbourCount(spec, n, job.minParticipants);
  const threshold = thresholdFor(spec, job.minParticipants, n, k);
  const client = kind === 'train' && shape.update ? clientPlanFor(job, shape.update, threshold) : undefined;
  const plan = encodingPlanFor(kind, shape, spec, n, client && clientSumBound(client, n), recordPrivacy(job) !== undefined);
  const length = checkPlan(plan);
  // SecAgg+ (k < n − 1): the ring's arrangement is drawn in the round by commit–reveal from every
  // advertiser's nonce (graph-draw.ts), never from anything the coordinator or the job chooses.
  const graph: NeighbourGraph = k === undefined ? completeGraph() : { kind: 'committed', k };
  return { config: { run, round, participants: ids, threshold, bits: MODULUS_BITS, length, graph }, plan, neighbours: k ?? n - 1 };
}

/**
 * A participant's contribution made ready for the secure sum: when its example count exceeds
 * `maxWeight`, update, weight and loss are scaled down to weight maxWeight (FedAvg then weighs it
 * as maxWeight examples); each coordinate of the train delta (update / weight) is clipped to
 * [−clip, clip], so the weighted update stays inside the quantization range maxWeight·clip. The
 * number of clipped coordinates goes into {@link CLIPPED}. Returns a new contribution object;
 * `c` is never changed, and a vector that needs neither scaling nor clipping is `c`'s own array
 * (the update of a model is hundreds of kilobytes, and the result is read once, by the encoder),
 * so neither may be written to afterwards.
 */
export function prepareForSecureSum(kind: TaskKind, c: Contribution, spec: SecureAggregationSpec): Contribution {
  const out: Contribution = { ...c };
  let clipped = 0;
  const { update, weight } = c;
  const examples = weight?.[0];
  // A client-DP update (with its clip bit) is clipped, rounded and noised already.
  if (kind === 'train' && update && weight && examples !== undefined && examples > 0 && !c[CLIP_BIT]) {
    const f = examples > spec.maxWeight ? spec.maxWeight / examples : 1;
    if (f !== 1) {
      for (const name of ['weight', 'loss'] as const) {
        const v = c[name];
        if (v) out[name] = v.map((x) => x * f);
      }
    }
    const limit = spec.clip * (out.weight ?? weight)[0]!;
    let scaled: Float64Array | undefined = f === 1 ? undefined : update.map((x) => x * f);
    const source = scaled ?? update;
    for (let i = 0; i < source.length; i++) {
      const u = source[i]!;
      if (Math.abs(u) > limit) {
        clipped++;
        scaled ??= Float64Array.from(update);
        scaled[i] = Math.sign(u) * limit;
      }
    }
    if (scaled) out.update = scaled;
  }
  out[CLIPPED] = Float64Array.of(clipped);
  return out;
}
