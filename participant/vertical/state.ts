/**
 * A vertical party's data and its per-job state: keys, the private set intersection in
 * progress, the aligned standardized columns, the weights of its part of the model, and the
 * pieces of a training step it holds between two messages.
 */
import type { IdReport } from '../../core/psi/ids.ts';
import type { KeyPair } from '../../core/secagg/keys.ts';
import type { Rng } from '../../core/types.ts';
import { CoreInputError } from '../../core/types.ts';
import { openArrays, pairKey } from '../../core/vertical/envelopes.ts';
import type { PackedArray } from '../../core/vertical/pack.ts';
import type { Schedule } from '../../core/vertical/schedule.ts';
import type { PartModel } from './model-part.ts';
import type { ColumnEncoding } from './table.ts';
import type { VerticalJobSpec } from '../../core/vertical/spec.ts';

/** One party's table: an ID per row, its feature columns, and (label holder only) 0/1 labels. */
export interface VerticalPartyData {
  ids: readonly string[];
  columns: readonly string[];
  /** One array per column, one value per row; NaN marks a missing value. */
  values: readonly Float64Array[];
  labels?: Float64Array;
  /** How the columns were computed from the table's cells (table.ts), to encode applicants alike. */
  encoding?: readonly ColumnEncoding[];
}

/** The part of the joint model a party keeps: its columns' standardization and weights. */
export interface ModelPart {
  jobId: string;
  party: string;
  /** Column names in weight order ("(intercept)" and "(has_record)" included where used). */
  columns: string[];
  mean: Float64Array;
  std: Float64Array;
  /** The part's model and its weights (layout in model-part.ts). */
  model: PartModel;
  weights: Float64Array;
  /** Label holder: the declared reduced model — the same model trained on its own columns only. */
  reduced?: Float64Array;
}

/** What a party knows about one job. */
export interface JobState {
  jobId: string;
  job: VerticalJobSpec;
  self: string;
  keys: KeyPair;
  peerKeys: Map<string, Uint8Array>;
  pairKeys: Map<string, Uint8Array>;
  /** Label holder: its canonical IDs; feature party: its own, with its shuffle. */
  canon?: IdReport;
  psiScalar?: Uint8Array;
  order?: Uint32Array;
  /** Public counts of the intersection (label holder: per feature party). */
  shared?: Record<string, number>;
  schedule?: Schedule;
  /** Aligned, standardized columns, row-major (rows × k). */
  x?: Float64Array;
  k: number;
  /** Width of this party's gradient matrix (model-part.ts). */
  width: number;
  isLabel: boolean;
  /** The gradient matrix of the step in flight, fixed point (batch × width). */
  gWords?: BigUint64Array;
  /** Label holder: the aligned labels. */
  y?: Float64Array;
  part?: ModelPart;
  /** Seeds of the step in flight where this party is "a", by partner. */
  seedsA?: Map<string, Uint8Array>;
  /** Computing parties: this party's residual-share term Xᵀ·r4 of the step in flight. */
  ownTerm?: BigUint64Array;
  /** Computing parties: this party's own share of the scores of the step in flight. */
  zOwn?: BigUint64Array;
  batch?: Uint32Array;
  /** Feature party, scoring: its canonical IDs to its table rows. */
  idIndex?: Map<string, number>;
  /** Called with every envelope's content this party opens (an audit of what it saw in clear). */
  onReceive?: ReceiveHook;
}

/** Sees each opened envelope: sender, step, training step and the arrays in clear. */
export type ReceiveHook = (from: string, step: string, t: number, arrays: Readonly<Record<string, PackedArray>>) => void;

/** Opens the envelope `data` from `from`, sealed at `step`/`t` for this party, and reports it to the hook. */
export function openFrom(s: JobState, from: string, step: string, t: number, data: Uint8Array): Record<string, PackedArray> {
  const arrays = openArrays(keyWith(s, from), { jobId: s.jobId, step, t, from, to: s.self }, data);
  s.onReceive?.(from, step, t, arrays);
  return arrays;
}

/** The pair key of the job's `self` and `peer` (cached). */
export function keyWith(s: JobState, peer: string, purpose = 'envelope'): Uint8Array {
  const id = `${purpose}/${peer}`;
  let k = s.pairKeys.get(id);
  if (!k) {
    const pk = s.peerKeys.get(peer);
    if (!pk) throw new CoreInputError(`no public key of party "${peer}" for job ${s.jobId}`, 'peers');
    k = pairKey(s.jobId, s.self, peer, s.keys.secretKey, pk, purpose);
    s.pairKeys.set(id, k);
  }
  return k;
}

/** Rows of `x` (row-major, k columns) at `rows`, as one row-major block. */
export function gatherRows<T extends Float64Array | BigUint64Array>(x: T, k: number, rows: ArrayLike<number>): T {
  const out = new (x.constructor as { new (n: number): T })(rows.length * k);
  for (let i = 0; i < rows.length; i++) out.set(x.subarray(rows[i]! * k, (rows[i]! + 1) * k) as never, i * k);
  return out;
}

/** Randomness source used by a party (crypto-backed in production). */
export type PartyRng = Rng;
