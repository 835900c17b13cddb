/**
 * Federated scoring with a trained vertical model. The label holder seals the applicants'
 * canonical IDs to each feature party; each feature party looks its rows up, computes its part
 * of each score with the part it trained (its own standardization and weights; an applicant it
 * does not know gets its has-record input at 0), adds pairwise masks shared with the other
 * feature parties for this request, and seals the result to the label holder. The label holder
 * adds its own part, computed from the applicant's own columns, and learns the final score —
 * and the sum of the feature parties' parts, never one of them when there are two or more.
 * Reason codes come from the label holder's own part only: the columns whose value raised the
 * score most against the training mean.
 */
import { canonicalId } from '../../core/psi/ids.ts';
import { chacha20Keystream } from '../../core/secagg/prg.ts';
import type { Rng } from '../../core/types.ts';
import { CoreInputError } from '../../core/types.ts';
import { pairKey, sealArrays } from '../../core/vertical/envelopes.ts';
import type { Envelope, VerticalReply } from '../../core/vertical/messages.ts';
import { field } from '../../core/vertical/pack.ts';
import { decodeFixed, encodeFixed } from '../../core/vertical/ring.ts';
import { standardizedMatrix } from '../../core/vertical/schedule.ts';
import { partScores } from './model-part.ts';
import { type JobState, keyWith, openFrom, type VerticalPartyData } from './state.ts';

/** Longest list of applicants one request may carry. */
export const MAX_APPLICANTS = 100_000;

const ctx = (s: JobState, request: string, from: string, to: string) => ({ jobId: s.jobId, step: `score:${request}`, t: 0, from, to });

/** Label holder: the applicants' canonical IDs sealed to each feature party. */
export function sealApplicants(s: JobState, request: string, ids: readonly string[], rng: Rng): Envelope[] {
  if (ids.length === 0 || ids.length > MAX_APPLICANTS) throw new CoreInputError(`a score request carries 1 to ${MAX_APPLICANTS} applicants, got ${ids.length}`, 'applicants');
  const canonical = ids.map((id, i) => {
    const c = canonicalId(id, s.job.ids);
    if (c === '' || c.includes('\n')) throw new CoreInputError(`applicant ${i + 1}: the ID "${id}" is empty or malformed after canonicalization`, 'applicants');
    return c;
  });
  const bytes = new Uint8Array(Buffer.from(canonical.join('\n'), 'utf8'));
  return s.job.featureParties.map((p) => ({ peer: p, data: sealArrays(keyWith(s, p), ctx(s, request, s.self, p), { ids: bytes }, rng) }));
}

/** The words two feature parties add (+ for the first by name) to one request's parts. */
function requestMask(s: JobState, peer: string, request: string, n: number): BigUint64Array {
  const key = pairKey(s.jobId, s.self, peer, s.keys.secretKey, s.peerKeys.get(peer)!, `score-mask:${request}`);
  const bytes = chacha20Keystream(key, new Uint8Array(12), 0, 8 * n);
  return new BigUint64Array(bytes.buffer, bytes.byteOffset, n);
}

/** Feature party: its masked parts of the applicants' scores, sealed to the label holder. */
export function scorePart(s: JobState, data: VerticalPartyData, request: string, envelopes: Envelope[], rng: Rng): VerticalReply {
  if (!s.part) throw new CoreInputError(`job ${s.jobId} has no trained part here to score with`, 'job');
  const L = s.job.labelHolder;
  const e = envelopes.find((x) => x.peer === L);
  if (!e) throw new CoreInputError('score request: no envelope from the label holder', 'envelopes');
  const ids = Buffer.from(field(openFrom(s, L, `score:${request}`, 0, e.data), 'ids', 'u8')).toString('utf8').split('\n');
  if (ids.length > MAX_APPLICANTS) throw new CoreInputError(`a score request carries at most ${MAX_APPLICANTS} applicants`, 'ids');
  s.idIndex ??= new Map(data.ids.map((id, row) => [canonicalId(id, s.job.ids), row] as const).reverse());
  const rows = ids.map((id) => s.idIndex!.get(id) ?? -1);
  const columns = [...data.values.map((c) => Float64Array.from(rows, (r) => (r >= 0 ? c[r]! : Number.NaN))), Float64Array.from(rows, (r) => (r >= 0 ? 1 : 0))];
  const x = standardizedMatrix(columns, rows.length, s.part.mean, s.part.std);
  const u = encodeFixed(partScores(s.part.model, x, s.k, s.part.weights, false));
  for (const peer of s.job.featureParties) {
    if (peer === s.self) continue;
    const m = requestMask(s, peer, request, u.length);
    const plus = s.self < peer;
    for (let i = 0; i < u.length; i++) u[i] = plus ? u[i]! + m[i]! : u[i]! - m[i]!;
  }
  return { envelopes: [{ peer: L, data: sealArrays(keyWith(s, L), ctx(s, request, s.self, L), { u }, rng) }], info: { applicants: ids.length } };
}

/** One scored applicant, as the label holder learns it. */
export interface ScoredApplicant {
  id: string;
  /** Probability of default. */
  score: number;
  /** `joint`: every party's part; `label-holder-only`: the declared reduced model (a party was down). */
  model: 'joint' | 'label-holder-only';
  /** The label holder's own columns that raised the score most, with the raise in log-odds. */
  reasons: Array<{ column: string; logOdds: number }>;
}

/**
 * Label holder: final scores from its own encoded columns (one array per data column, one value
 * per applicant) and the feature parties' sealed parts — or, with `reduced`, its declared reduced
 * model alone.
 */
export function combineScores(s: JobState, request: string, ids: readonly string[], own: readonly Float64Array[], parts: Envelope[] | 'reduced', reasons = 3): ScoredApplicant[] {
  const part = s.part;
  if (!part) throw new CoreInputError(`job ${s.jobId} has no trained part here to score with`, 'job');
  const n = ids.length;
  const x = standardizedMatrix([new Float64Array(n).fill(1), ...own], n, part.mean, part.std);
  const reduced = parts === 'reduced';
  if (reduced && !part.reduced) throw new CoreInputError(`job ${s.jobId} has no reduced model`, 'job');
  const w = reduced ? part.reduced! : part.weights;
  const z = encodeFixed(partScores(part.model, x, s.k, w, true));
  if (!reduced) {
    for (const p of s.job.featureParties) {
      const e = parts.find((v) => v.peer === p);
      if (!e) throw new CoreInputError(`score: no part from party "${p}"`, 'envelopes');
      const u = field(openFrom(s, p, `score:${request}`, 0, e.data), 'u', 'u64', n, `score parts of ${p}`);
      for (let i = 0; i < n; i++) z[i] = z[i]! + u[i]!;
    }
  }
  const logit = decodeFixed(z);
  return ids.map((id, i) => ({ id, score: 1 / (1 + Math.exp(-logit[i]!)), model: reduced ? 'label-holder-only' : 'joint', reasons: ownReasons(s, x.subarray(i * s.k, (i + 1) * s.k), w, reasons) }));
}

/** The own columns whose value (against the training mean, 0 after standardization) raised the part most. */
function ownReasons(s: JobState, x: Float64Array, w: Float64Array, top: number): ScoredApplicant['reasons'] {
  const part = s.part!;
  const base = partScores(part.model, x, s.k, w, true)[0]!;
  const out: ScoredApplicant['reasons'] = [];
  for (let j = 1; j < s.k; j++) {
    if (x[j] === 0) continue;
    const without = Float64Array.from(x);
    without[j] = 0;
    const raise = base - partScores(part.model, without, s.k, w, true)[0]!;
    if (raise > 0) out.push({ column: part.columns[j]!, logOdds: raise });
  }
  return out.sort((a, b) => b.logOdds - a.logOdds).slice(0, top);
}
