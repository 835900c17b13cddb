/**
 * One party's side of vertical logistic regression. Every party keeps its own weights; in step t
 * the joint score of row i is z = Σ_parties x_p·w_p, and the residual of the first-order Taylor
 * expansion of the logistic loss (as in FATE's hetero-LR) is r = z/4 + 1/2 − y, handled as
 * r4 = 4r = z + 2 − 4y so that no fixed-point truncation is ever needed. r4 exists only as two
 * additive shares over Z_2^64, one at the label holder L and one at its partner H:
 *
 *   - every feature party F sends L its partial scores padded with fresh random words m_F, and
 *     (unless F is H) sends H the words −m_F; H keeps −m_H. So L's share is
 *     u_L + Σ(u_F + m_F) + 2 − 4y, H's is −Σ m_F, and neither sees a partial score;
 *   - each party p then learns only its own gradient X_pᵀ·r4 (summed over the batch): its term
 *     with its own share locally, and its terms with the others' shares by the dealt cross
 *     product (core/vertical/cross-product.ts);
 *   - it updates its weights in the clear: w_p ← w_p − lr·(X_pᵀr / B + l2·w_p).
 */
import { chacha20Keystream } from '../../core/secagg/prg.ts';
import type { Rng } from '../../core/types.ts';
import { CoreInputError } from '../../core/types.ts';
import { answerPadded, decodeProduct, finishProduct, padMatrix, transposeTimes } from '../../core/vertical/cross-product.ts';
import { sealArrays } from '../../core/vertical/envelopes.ts';
import type { Envelope, VerticalReply } from '../../core/vertical/messages.ts';
import { field, type PackedArray, unpackArrays } from '../../core/vertical/pack.ts';
import { encodeFixed, FRAC_BITS, randomWords } from '../../core/vertical/ring.ts';
import { stepRows } from '../../core/vertical/schedule.ts';
import { clipRows, latticeSigma } from '../../core/vertical/label-privacy.ts';
import { karneyDiscreteGaussian, sigmaAtLeast } from '../../core/privacy/karney-dgauss.ts';
import { computingParties, partiesOf } from '../../core/vertical/spec.ts';
import { applyGradient, gradientMatrix, partScores } from './model-part.ts';
import { gatherRows, type JobState, keyWith, openFrom } from './state.ts';

const ctx = (s: JobState, step: string, t: number, from: string, to: string) => ({ jobId: s.jobId, step, t, from, to });

function dealtArrays(dealt: Uint8Array | undefined, step: string): Record<string, PackedArray> {
  if (!dealt) throw new CoreInputError(`${step}: the dealer's material is missing`, 'dealt');
  return unpackArrays(dealt, `${step} dealer material`);
}

function fromPeer(envelopes: Envelope[], peer: string, step: string): Uint8Array {
  const e = envelopes.find((x) => x.peer === peer);
  if (!e) throw new CoreInputError(`${step}: no envelope from party "${peer}"`, 'envelopes');
  return e.data;
}

function ready(s: JobState): asserts s is JobState & Required<Pick<JobState, 'schedule' | 'x' | 'part'>> {
  if (!s.schedule || !s.x || !s.part) throw new CoreInputError(`job ${s.jobId}: training before the rows were aligned`, 'step');
}

/** train-a: finish step t − 1 (gradient, update), then send this party's messages of step t. */
export function trainA(s: JobState, t: number, envelopes: Envelope[], dealt: Uint8Array | undefined, rng: Rng): VerticalReply {
  ready(s);
  const { batchSize: B, learningRate, l2 } = s.job.train;
  const computing = computingParties(s.job);
  const partners = computing.filter((b) => b !== s.self);
  if (t > 0) {
    const prev = s.seedsA;
    if (!prev) throw new CoreInputError(`train-a ${t}: step ${t - 1} was never started here`, 'step');
    const m = s.width;
    const g4 = s.ownTerm ? BigUint64Array.from(s.ownTerm) : new BigUint64Array(m);
    for (const b of partners) {
      const got = openFrom(s, b, 'train-b', t - 1, fromPeer(envelopes, b, `train-a ${t}`));
      const part = finishProduct(field(got, 'f', 'u64', B), field(got, 't', 'u64', m), prev.get(b)!, B, m);
      for (let j = 0; j < m; j++) g4[j] = g4[j]! + part[j]!;
    }
    // Gᵀ·r4 at scale 2^(2f); r = r4 / 4.
    const gr = decodeProduct(g4, FRAC_BITS).map((v) => v / 4);
    applyGradient(s.part.model, s.part.weights, gr, s.k, s.isLabel, B, learningRate, l2);
    s.ownTerm = undefined;
  }
  if (t >= s.schedule.steps) return { envelopes: [] };
  const got = dealtArrays(dealt, `train-a ${t}`);
  s.seedsA = new Map(partners.map((b) => [b, field(got, `a:${b}`, 'u8', 32, 'dealer material')]));
  const rows = stepRows(s.schedule, t);
  s.batch = rows;
  const x = gatherRows(s.x, s.k, rows);
  const { model, weights } = s.part;
  let g = gradientMatrix(model, x, s.k, weights, s.isLabel);
  // Label privacy: a feature party clips each row of G (a copy: for logistic regression G is x),
  // so one label moves its gradient by at most clipNorm, with room left for fixed-point rounding.
  const privacy = s.job.privacy;
  if (privacy.mode === 'label' && !s.isLabel) g = clipRows(Float64Array.from(g), s.width, privacy.clipNorm - Math.sqrt(s.width) / 2 ** (FRAC_BITS + 1));
  s.gWords = encodeFixed(g);
  const u = encodeFixed(partScores(model, x, s.k, weights, s.isLabel));
  const [L, H] = computing;
  const toL: Record<string, PackedArray> = {};
  const toH: Record<string, PackedArray> = {};
  if (s.self === L) {
    s.zOwn = u;
  } else {
    const m = randomWords(B, rng);
    const masked = new BigUint64Array(B);
    const negated = new BigUint64Array(B);
    for (let i = 0; i < B; i++) {
      masked[i] = u[i]! + m[i]!;
      negated[i] = -m[i]!;
    }
    toL.z = masked;
    if (s.self === H) s.zOwn = negated;
    else toH.z = negated;
  }
  const out: Envelope[] = [];
  for (const b of partners) {
    const arrays = { ...(b === L ? toL : toH), e: padMatrix(s.gWords, s.seedsA.get(b)!, B, s.width) };
    out.push({ peer: b, data: sealArrays(keyWith(s, b), ctx(s, 'train-a', t, s.self, b), arrays, rng) });
  }
  return { envelopes: out };
}

/** train-b (computing parties): this party's residual share, and its padded answer to every other party. */
export function trainB(s: JobState, t: number, envelopes: Envelope[], dealt: Uint8Array | undefined, rng: Rng): VerticalReply {
  ready(s);
  const B = s.job.train.batchSize;
  const [L] = computingParties(s.job);
  if (!s.zOwn || !s.batch || !s.gWords) throw new CoreInputError(`train-b ${t}: this party did not send step ${t}`, 'step');
  const got = dealtArrays(dealt, `train-b ${t}`);
  const others = partiesOf(s.job).filter((a) => a !== s.self);
  const r4 = BigUint64Array.from(s.zOwn);
  const pads = new Map<string, BigUint64Array>();
  for (const a of others) {
    const m = openFrom(s, a, 'train-a', t, fromPeer(envelopes, a, `train-b ${t}`));
    const e = field(m, 'e', 'u64', undefined, `step ${t} from ${a}`);
    if (e.length % B !== 0 || e.length === 0) throw new CoreInputError(`step ${t} from ${a}: padded matrix of ${e.length} words is not a multiple of the batch ${B}`, 'e');
    pads.set(a, e);
    const expectZ = s.self === L || a !== L;
    if (expectZ) {
      const z = field(m, 'z', 'u64', B, `step ${t} from ${a}`);
      for (let i = 0; i < B; i++) r4[i] = r4[i]! + z[i]!;
    }
  }
  if (s.self === L) {
    const shift = encodeFixed(Array.from(s.batch, (row) => 2 - 4 * s.y![row]!));
    for (let i = 0; i < B; i++) r4[i] = r4[i]! + shift[i]!;
  }
  s.ownTerm = transposeTimes(s.gWords, r4, B, s.width);
  const p = s.job.privacy;
  const noise = p.mode === 'label' && s.self === L ? karneyDiscreteGaussian(sigmaAtLeast(latticeSigma(p.noiseMultiplier, p.clipNorm)), rng) : undefined;
  const out: Envelope[] = [];
  for (const [a, e] of pads) {
    const ka = e.length / B;
    const { f, t: tt } = answerPadded(e, r4, field(got, `b:${a}`, 'u8', 32, 'dealer material'), field(got, `c:${a}`, 'u64', ka, 'dealer material'), B, ka);
    if (noise) {
      // Label privacy: the label holder noises every gradient a feature party gets from its share.
      const draws = noise.fill(new Float64Array(ka));
      for (let j = 0; j < ka; j++) tt[j] = tt[j]! + BigInt.asUintN(64, BigInt(draws[j]!));
    }
    out.push({ peer: a, data: sealArrays(keyWith(s, a), ctx(s, 'train-b', t, s.self, a), { f, t: tt }, rng) });
  }
  s.zOwn = undefined;
  return { envelopes: out };
}

/** The words a pair of feature parties add (+ for the first by name, − for the other) to hide their held-out scores. */
export function pairMask(s: JobState, peer: string, n: number): BigUint64Array {
  const bytes = chacha20Keystream(keyWith(s, peer, 'evaluate-mask'), new Uint8Array(12), 0, 8 * n);
  return new BigUint64Array(bytes.buffer, bytes.byteOffset, n);
}
