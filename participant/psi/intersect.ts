/**
 * Private set intersection of a label holder's and a feature party's ID columns, both run in
 * this process (each party's steps use only its own IDs and secret scalar and what the protocol
 * sends it; core/psi/protocol.ts). The result aligns the two tables: row `labelRows[k]` of the
 * label holder and row `featureRows[k]` of the feature party are the same borrower, in the label
 * holder's row order. Used by `fedcredit psi` and the benchmark; a networked run exchanges the
 * same three messages.
 */
import type { IdCanonicalization, IdReport } from '../../core/psi/ids.ts';
import { IdCanonicalizer } from '../../core/psi/ids.ts';
import { idPrefix, matchPositions, PSI_DST } from '../../core/psi/protocol.ts';
import { shuffleInPlace } from '../../core/random.ts';
import { bufferedCryptoRng, cryptoRng } from '../../platform/crypto-rng.ts';
import { PsiPool } from './pool.ts';
import type { PsiJobResult } from './pool.ts';

/** Options of {@link intersectPair}. */
export interface IntersectOptions {
  /** The consortium's salt, mixed into every hashed ID. */
  salt: string;
  canonicalization?: IdCanonicalization;
  /** Worker threads to use (default: one per core); a pool is created and closed when absent. */
  pool?: PsiPool;
}

/**
 * The aligned result, with what each side had to leave out and where the time went: `hash` and
 * `blind` are the thread time spent on each, summed over the pool's threads and divided by their
 * number (the two overlap in time), `match` and `total` are elapsed.
 */
export interface IntersectResult {
  labelRows: Uint32Array;
  featureRows: Uint32Array;
  counts: { label: number; feature: number; shared: number };
  label: Omit<IdReport, 'ids' | 'rows'>;
  feature: Omit<IdReport, 'ids' | 'rows'>;
  seconds: { hash: number; blind: number; match: number; total: number };
}

/** IDs per job: small enough that the threads end together, large enough that messages cost little. */
function chunkSize(total: number, threads: number): number {
  return Math.max(256, Math.min(2048, Math.ceil(total / (16 * Math.max(1, threads)))));
}

/** Raw rows canonicalized between two turns of the event loop, in which worker replies are handled. */
const SLICE = 32_768;

/**
 * Canonicalizes `raw` a slice at a time, yielding to the event loop in between so that the pool's
 * threads get their next jobs, and tells `onIds` after each slice (with `done` after the last).
 */
async function canonicalize(raw: readonly string[], c: IdCanonicalization | undefined, onIds: (ids: readonly string[], done: boolean) => void): Promise<IdReport> {
  const k = new IdCanonicalizer(c);
  for (let from = 0; from < raw.length; from += SLICE) {
    k.add(raw, from, Math.min(raw.length, from + SLICE));
    onIds(k.ids, from + SLICE >= raw.length);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (raw.length === 0) onIds(k.ids, true);
  return k.report();
}

/** Runs the intersection of two raw ID columns (one value per table row). */
export async function intersectPair(labelIds: readonly string[], featureIds: readonly string[], o: IntersectOptions): Promise<IntersectResult> {
  const started = performance.now();
  const pool = o.pool ?? new PsiPool();
  try {
    const dst = Uint8Array.from(Buffer.from(PSI_DST));
    const prefix = idPrefix(o.salt);
    // Fresh secret scalars of the label holder (a) and the feature party (b).
    const a = cryptoRng(32);
    const b = cryptoRng(32);
    const size = chunkSize(labelIds.length + featureIds.length, pool.size);
    const busy = { hash: 0, blind: 0 };
    const tally = (r: PsiJobResult) => {
      busy.hash += r.seconds.hash;
      busy.blind += r.seconds.blind;
      return r.points;
    };
    // A chunk of one party's IDs: hashed and blinded by that party, then blinded by the other.
    // Chunks go through independently of each other, so both parties' steps share the threads.
    const chain = (ids: readonly string[], own: Uint8Array, other: Uint8Array): Promise<Uint8Array> => {
      const done = pool.hashIds(prefix, ids, dst, own).then((r) => pool.blind(tally(r), other)).then(tally);
      // Awaited below; a failure meanwhile is not an unhandled rejection.
      done.catch(() => undefined);
      return done;
    };
    // 1. L → F: a·H(x) in L's row order; F answers b·a·H(x). L's chunks start while its column
    //    is still being canonicalized, and run while F's is.
    const fromL: Promise<Uint8Array>[] = [];
    let sent = 0;
    const L = await canonicalize(labelIds, o.canonicalization, (ids, last) => {
      while (ids.length - sent >= size || (last && sent < ids.length)) {
        fromL.push(chain(ids.slice(sent, sent + size), a, b));
        sent = Math.min(ids.length, sent + size);
      }
    });
    // 2. F → L: b·H(y) for F's IDs in an order it shuffled; L computes a·b·H(y).
    const F = await canonicalize(featureIds, o.canonicalization, () => undefined);
    const order = shuffleInPlace(Uint32Array.from({ length: F.ids.length }, (_, i) => i), bufferedCryptoRng()) as Uint32Array;
    const shuffledF = Array.from(order, (i) => F.ids[i]!);
    const fromF: Promise<Uint8Array>[] = [];
    for (let from = 0; from < shuffledF.length; from += size) fromF.push(chain(shuffledF.slice(from, from + size), b, a));
    const baX = Buffer.concat(await Promise.all(fromL));
    const abY = Buffer.concat(await Promise.all(fromF));
    // 3. L matches, and tells F which of its shuffled positions matched, in L's row order.
    const t = performance.now();
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
    const threads = Math.max(1, pool.size);
    return {
      labelRows: Uint32Array.from(labelRows), featureRows: Uint32Array.from(featureRows),
      counts: { label: L.ids.length, feature: F.ids.length, shared: labelRows.length },
      label, feature, seconds: { hash: busy.hash / threads, blind: busy.blind / threads, match, total: (performance.now() - started) / 1000 },
    };
  } finally {
    if (!o.pool) await pool.close();
  }
}
