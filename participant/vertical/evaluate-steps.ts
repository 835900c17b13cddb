/**
 * Evaluating the joint model on the held-out rows. Feature parties send the label holder their
 * partial scores of those rows, each pair of feature parties adding opposite pseudorandom words
 * (from their pair key) so that only the sum is readable; the label holder adds its own part and
 * learns the final score of each held-out row — what scoring an applicant reveals to it. With a
 * single feature party the final score minus the label holder's own part is that party's partial
 * score of the row: that is inherent in releasing a score, and stated in the guarantee text.
 *
 * The label holder also trains the same model on its own columns alone (same rows, steps and
 * settings) and reports both, so every job shows what the consortium adds.
 */
import { exactAuc, exactKs, meanLogLoss } from '../../core/metrics/exact.ts';
import type { Rng } from '../../core/types.ts';
import { CoreInputError } from '../../core/types.ts';
import { sealArrays } from '../../core/vertical/envelopes.ts';
import type { Envelope, VerticalReply } from '../../core/vertical/messages.ts';
import { field } from '../../core/vertical/pack.ts';
import { decodeFixed, encodeFixed } from '../../core/vertical/ring.ts';
import { stepRows } from '../../core/vertical/schedule.ts';
import { applyGradient, gradientMatrix, gradientTimes, gradientWidth, initialWeights, partScores } from './model-part.ts';
import { gatherRows, type JobState, keyWith, openFrom } from './state.ts';
import { pairMask } from './train-steps.ts';

const ctx = (s: JobState, from: string, to: string) => ({ jobId: s.jobId, step: 'evaluate', t: 0, from, to });

/** Feature party: its masked partial scores of the held-out rows, sealed to the label holder. */
export function evaluatePart(s: JobState, rng: Rng): VerticalReply {
  if (!s.schedule || !s.x || !s.part) throw new CoreInputError(`job ${s.jobId}: evaluation before the rows were aligned`, 'step');
  const test = s.schedule.test;
  const u = encodeFixed(partScores(s.part.model, gatherRows(s.x, s.k, test), s.k, s.part.weights, false));
  for (const peer of s.job.featureParties) {
    if (peer === s.self) continue;
    const m = pairMask(s, peer, test.length);
    const plus = s.self < peer;
    for (let i = 0; i < u.length; i++) u[i] = plus ? u[i]! + m[i]! : u[i]! - m[i]!;
  }
  const L = s.job.labelHolder;
  return { envelopes: [{ peer: L, data: sealArrays(keyWith(s, L), ctx(s, s.self, L), { u }, rng) }] };
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));


/** Label holder: the final held-out scores, the joint metrics and its own-columns baseline. */
export function scoreHeldOut(s: JobState, envelopes: Envelope[], rng: Rng): VerticalReply {
  if (!s.schedule || !s.x || !s.part || !s.y) throw new CoreInputError(`job ${s.jobId}: scoring before training`, 'step');
  const test = s.schedule.test;
  const z = encodeFixed(partScores(s.part.model, gatherRows(s.x, s.k, test), s.k, s.part.weights, true));
  for (const p of s.job.featureParties) {
    const e = envelopes.find((x) => x.peer === p);
    if (!e) throw new CoreInputError(`score: no held-out scores from party "${p}"`, 'envelopes');
    const u = field(openFrom(s, p, 'evaluate', 0, e.data), 'u', 'u64', test.length, `held-out scores of ${p}`);
    for (let i = 0; i < z.length; i++) z[i] = z[i]! + u[i]!;
  }
  const p = Array.from(decodeFixed(z), sigmoid);
  const y = Array.from(test, (row) => s.y![row]!);
  const own = ownColumnsBaseline(s, rng);
  return {
    envelopes: [],
    info: {
      auc: exactAuc(p, y), ks: exactKs(p, y), logLoss: meanLogLoss(p, y), heldOut: test.length,
      labelHolderOnlyAuc: exactAuc(own, y), labelHolderOnlyKs: exactKs(own, y),
    },
  };
}

/** The same training on the label holder's columns alone, in the clear; its held-out scores (it is kept as the reduced model). */
function ownColumnsBaseline(s: JobState, rng: Rng): Float64Array {
  const w = ownColumnsModel(s, rng);
  s.part!.reduced = w;
  return partScores(s.job.model, gatherRows(s.x!, s.k, s.schedule!.test), s.k, w, true).map(sigmoid);
}

/** The weights of the same model trained on the label holder's columns alone (the declared reduced model). */
function ownColumnsModel(s: JobState, rng: Rng): Float64Array {
  const sched = s.schedule!;
  const { batchSize: B, learningRate, l2 } = s.job.train;
  const model = s.job.model;
  const w = initialWeights(model, s.k, true, rng);
  const m = gradientWidth(model, s.k, true);
  for (let t = 0; t < sched.steps; t++) {
    const rows = stepRows(sched, t);
    const xb = gatherRows(s.x!, s.k, rows);
    const z = partScores(model, xb, s.k, w, true);
    const r = Float64Array.from(rows, (row, i) => z[i]! / 4 + 0.5 - s.y![row]!);
    applyGradient(model, w, gradientTimes(gradientMatrix(model, xb, s.k, w, true), r, m), s.k, true, B, learningRate, l2);
  }
  return w;
}
