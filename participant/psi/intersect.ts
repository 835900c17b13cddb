/**
 * Private set intersection of a label holder's and a feature party's ID columns, both run in
 * this process (each party's steps use only its own IDs and secret scalar and what the protocol
 * sends it; core/psi/protocol.ts). The result aligns the two tables: row `labelRows[k]` of the
 * label holder and row `featureRows[k]` of the feature party are the same borrower, in the label
 * holder's row order. Used by `fedcredit psi` and the benchmark; a networked run exchanges the
 * same three messages.
 */
import type { IdCanonicalization, IdReport } from '../../core/psi/ids.ts';
import { canonicalizeIds } from '../../core/psi/ids.ts';
import { idMessage, matchPositions, permutePoints, PSI_DST } from '../../core/psi/protocol.ts';
import { shuffleInPlace } from '../../core/random.ts';
import { cryptoRng } from '../../platform/crypto-rng.ts';
import { PsiPool } from './pool.ts';

/** Options of {@link intersectPair}. */
export interface IntersectOptions {
  /** The consortium's salt, mixed into every hashed ID. */
  salt: string;
  canonicalization?: IdCanonicalization;
  /** Worker threads to use (default: one per core); a pool is created and closed when absent. */
  pool?: PsiPool;
}

/** The aligned result, with what each side had to leave out and where the time went. */
export interface IntersectResult {
  labelRows: Uint32Array;
  featureRows: Uint32Array;
  counts: { label: number; feature: number; shared: number };
  label: Omit<IdReport, 'ids' | 'rows'>;
  feature: Omit<IdReport, 'ids' | 'rows'>;
  seconds: { hash: number; blind: number; match: number; total: number };
}

/** Runs the intersection of two raw ID columns (one value per table row). */
export async function intersectPair(labelIds: readonly string[], featureIds: readonly string[], o: IntersectOptions): Promise<IntersectResult> {
  const started = performance.now();
  const pool = o.pool ?? new PsiPool();
  try {
    const L = canonicalizeIds(labelIds, o.canonicalization);
    const F = canonicalizeIds(featureIds, o.canonicalization);
    const dst = Buffer.from(PSI_DST);
    // Fresh secret scalars, and the order in which the feature party sends its points.
    const a = cryptoRng(32);
    const b = cryptoRng(32);
    const order = shuffleInPlace(Uint32Array.from({ length: F.ids.length }, (_, i) => i), cryptoRng) as Uint32Array;
    let t = performance.now();
    const [hl, hf] = await Promise.all([pool.encode(L.ids.map((id) => idMessage(o.salt, id)), dst), pool.encode(F.ids.map((id) => idMessage(o.salt, id)), dst)]);
    const hash = (performance.now() - t) / 1000;
    t = performance.now();
    // 1. L → F: a·H(x). 2. F → L: b·a·H(x) in L's order, b·H(y) in F's shuffled order.
    const aX = await pool.blind(hl, a);
    const [baX, bY] = await Promise.all([pool.blind(aX, b), pool.blind(permutePoints(hf, order), b)]);
    // 3. L: a·b·H(y), then the matches.
    const abY = await pool.blind(bY, a);
    const blind = (performance.now() - t) / 1000;
    t = performance.now();
    const pos = matchPositions(baX, abY);
    const labelRows: number[] = [];
    const featureRows: number[] = [];
    pos.forEach((j, i) => {
      if (j < 0) return;
      labelRows.push(L.rows[i]!);
      featureRows.push(F.rows[order[j]!]!);
    });
    const match = (performance.now() - t) / 1000;
    const { ids: _l, rows: _lr, ...label } = L;
    const { ids: _f, rows: _fr, ...feature } = F;
    return {
      labelRows: Uint32Array.from(labelRows), featureRows: Uint32Array.from(featureRows),
      counts: { label: L.ids.length, feature: F.ids.length, shared: labelRows.length },
      label, feature, seconds: { hash, blind, match, total: (performance.now() - started) / 1000 },
    };
  } finally {
    if (!o.pool) await pool.close();
  }
}

