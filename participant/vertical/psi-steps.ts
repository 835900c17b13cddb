/**
 * The private set intersection steps of a vertical job, over sealed envelopes (the protocol of
 * core/psi/protocol.ts), and the alignment that follows: the label holder's row order is the
 * common order, and a feature party's columns are missing (NaN) on the rows it does not know.
 * Each party then standardizes its own columns over the training rows.
 */
import { canonicalizeIds } from '../../core/psi/ids.ts';
import { POINT_BYTES } from '../../core/psi/kernels.mjs';
import { idPrefix, matchPositions, PSI_DST } from '../../core/psi/protocol.ts';
import { concatBytes } from '../../core/secagg/hex.ts';
import { shuffleInPlace } from '../../core/random.ts';
import type { Rng } from '../../core/types.ts';
import { CoreInputError } from '../../core/types.ts';
import { sealArrays } from '../../core/vertical/envelopes.ts';
import type { Envelope, VerticalReply } from '../../core/vertical/messages.ts';
import { field } from '../../core/vertical/pack.ts';
import { columnStats, makeSchedule, standardizedMatrix } from '../../core/vertical/schedule.ts';
import type { PsiJobResult, PsiPool } from '../psi/pool.ts';
import { initialWeights } from './model-part.ts';
import { type JobState, keyWith, openFrom, type VerticalPartyData } from './state.ts';

const dst = Buffer.from(PSI_DST);
/** IDs or points per job handed to the pool, so that every thread gets work. */
const CHUNK = 2048;

/** The salted IDs hashed to the curve (core/psi/kernels.mjs), blinded with `scalar`, in order, in chunks over the pool's threads. */
async function hashAndBlind(pool: PsiPool, salt: string, ids: readonly string[], scalar: Uint8Array): Promise<Uint8Array> {
  const prefix = idPrefix(salt);
  const parts: Promise<PsiJobResult>[] = [];
  for (let at = 0; at < ids.length; at += CHUNK) parts.push(pool.hashIds(prefix, ids.slice(at, at + CHUNK), dst, scalar));
  return concatBytes(...(await Promise.all(parts)).map((r) => r.points));
}

/** X25519 of every 32-byte point with `scalar`, in order, in chunks over the pool's threads. */
async function blindAll(pool: PsiPool, points: Uint8Array, scalar: Uint8Array): Promise<Uint8Array> {
  const parts: Promise<PsiJobResult>[] = [];
  for (let at = 0; at < points.length; at += CHUNK * POINT_BYTES) parts.push(pool.blind(points.slice(at, at + CHUNK * POINT_BYTES), scalar));
  return concatBytes(...(await Promise.all(parts)).map((r) => r.points));
}
const ctx = (s: JobState, step: string, from: string, to: string) => ({ jobId: s.jobId, step, t: 0, from, to });

function envelopeFrom(envelopes: Envelope[], peer: string, step: string): Uint8Array {
  const e = envelopes.find((x) => x.peer === peer);
  if (!e) throw new CoreInputError(`${step}: no envelope from party "${peer}"`, 'envelopes');
  return e.data;
}

/** Label holder: a·H(x) for its canonical IDs, sealed to each feature party. */
export async function psiBlind(s: JobState, data: VerticalPartyData, salt: string, pool: PsiPool, rng: Rng): Promise<VerticalReply> {
  s.canon = canonicalizeIds(data.ids, s.job.ids);
  s.psiScalar = rng(32);
  const ax = await hashAndBlind(pool, salt, s.canon.ids, s.psiScalar);
  const envelopes = s.job.featureParties.map((p) => ({ peer: p, data: sealArrays(keyWith(s, p), ctx(s, 'psi-blind', s.self, p), { ax }, rng) }));
  return { envelopes, info: { ids: s.canon.ids.length, emptyIds: s.canon.empty.count, malformedIds: s.canon.malformed.count, duplicateIds: s.canon.duplicate.count } };
}

/** Feature party: b·a·H(x) in the label holder's order, and b·H(y) for its own IDs, shuffled. */
export async function psiAnswer(s: JobState, data: VerticalPartyData, salt: string, envelopes: Envelope[], pool: PsiPool, rng: Rng): Promise<VerticalReply> {
  const L = s.job.labelHolder;
  const ax = field(openFrom(s, L, 'psi-blind', 0, envelopeFrom(envelopes, L, 'psi-answer')), 'ax', 'u8');
  s.canon = canonicalizeIds(data.ids, s.job.ids);
  s.psiScalar = rng(32);
  s.order = shuffleInPlace(Uint32Array.from({ length: s.canon.ids.length }, (_, i) => i), rng) as Uint32Array;
  const shuffled = Array.from(s.order, (i) => s.canon!.ids[i]!);
  const [bax, by] = await Promise.all([blindAll(pool, ax, s.psiScalar), hashAndBlind(pool, salt, shuffled, s.psiScalar)]);
  return {
    envelopes: [{ peer: L, data: sealArrays(keyWith(s, L), ctx(s, 'psi-answer', s.self, L), { bax, by }, rng) }],
    info: { ids: s.canon.ids.length, emptyIds: s.canon.empty.count, malformedIds: s.canon.malformed.count, duplicateIds: s.canon.duplicate.count },
  };
}

/** Label holder: the matches per feature party, its row plan, and its own aligned columns. */
export async function psiMatch(s: JobState, data: VerticalPartyData, envelopes: Envelope[], pool: PsiPool, rng: Rng, planSeed?: number): Promise<VerticalReply> {
  const canon = s.canon;
  if (!canon || !s.psiScalar || !data.labels) throw new CoreInputError('psi-match before psi-blind, or a label holder without labels', 'step');
  const seed = planSeed ?? new Uint32Array(Uint8Array.from(rng(4)).buffer)[0]!;
  const { holdout } = s.job.evaluation;
  s.schedule = makeSchedule(seed, canon.ids.length, holdout, s.job.train.batchSize, s.job.train.epochs);
  const out: Envelope[] = [];
  s.shared = {};
  for (const p of s.job.featureParties) {
    const got = openFrom(s, p, 'psi-answer', 0, envelopeFrom(envelopes, p, 'psi-match'));
    const bax = field(got, 'bax', 'u8', canon.ids.length * 32, `psi answer of ${p}`);
    const by = field(got, 'by', 'u8', undefined, `psi answer of ${p}`);
    const pos = matchPositions(bax, await blindAll(pool, by, s.psiScalar));
    s.shared[p] = pos.reduce((n, j) => n + (j >= 0 ? 1 : 0), 0);
    out.push({ peer: p, data: sealArrays(keyWith(s, p), ctx(s, 'psi-match', s.self, p), { pos, seed: Uint32Array.of(seed) }, rng) });
  }
  const y = new Float64Array(canon.ids.length);
  canon.rows.forEach((row, i) => {
    const v = data.labels![row]!;
    if (v !== 0 && v !== 1) throw new CoreInputError(`label of row ${row + 1} is ${v}; labels must be 0 or 1`, 'labels');
    y[i] = v;
  });
  s.y = y;
  const aligned = data.values.map((c) => Float64Array.from(canon.rows, (row) => c[row]!));
  prepare(s, ['(intercept)', ...data.columns], [new Float64Array(canon.ids.length).fill(1), ...aligned], true, rng);
  const info: Record<string, number> = { rows: canon.ids.length, train: s.schedule.train.length, test: s.schedule.test.length, steps: s.schedule.steps };
  for (const [p, n] of Object.entries(s.shared)) info[`shared:${p}`] = n;
  return { envelopes: out, info };
}

/** Feature party: its columns in the label holder's row order (NaN where it lacks the row), plus a has-record column. */
export function psiAlign(s: JobState, data: VerticalPartyData, envelopes: Envelope[], rng: Rng): VerticalReply {
  const L = s.job.labelHolder;
  if (!s.canon || !s.order) throw new CoreInputError('psi-align before psi-answer', 'step');
  const got = openFrom(s, L, 'psi-match', 0, envelopeFrom(envelopes, L, 'psi-align'));
  const pos = field(got, 'pos', 'i32', undefined, 'psi matches');
  const seed = field(got, 'seed', 'u32', 1, 'psi matches')[0]!;
  s.schedule = makeSchedule(seed, pos.length, s.job.evaluation.holdout, s.job.train.batchSize, s.job.train.epochs);
  const n = pos.length;
  const local = new Int32Array(n).fill(-1);
  pos.forEach((j, i) => {
    if (j < -1 || j >= s.order!.length) throw new CoreInputError(`psi matches: position ${j} at row ${i} is outside this party's ${s.order!.length} IDs`, 'pos');
    if (j >= 0) local[i] = s.canon!.rows[s.order![j]!]!;
  });
  const aligned = data.values.map((c) => Float64Array.from(local, (row) => (row >= 0 ? c[row]! : Number.NaN)));
  const has = Float64Array.from(local, (row) => (row >= 0 ? 1 : 0));
  prepare(s, [...data.columns, '(has_record)'], [...aligned, has], false, rng);
  const shared = local.reduce((m, row) => m + (row >= 0 ? 1 : 0), 0);
  return { envelopes: [], info: { rows: n, shared, width: s.width } };
}

/** Standardizes the aligned columns over the training rows and sets up the model part. */
function prepare(s: JobState, names: string[], columns: Float64Array[], intercept: boolean, rng: Rng): void {
  const sched = s.schedule!;
  const { mean, std } = columnStats(columns, sched.train);
  if (intercept) {
    mean[0] = 0;
    std[0] = 1;
  }
  if (columns.length !== s.k) throw new CoreInputError(`${columns.length} aligned columns, but ${s.k} were announced for job ${s.jobId}`, 'columns');
  s.x = standardizedMatrix(columns, sched.rows, mean, std);
  const model = s.job.model;
  s.part = { jobId: s.jobId, party: s.self, columns: names, mean, std, model, weights: initialWeights(model, s.k, s.isLabel, rng) };
}
