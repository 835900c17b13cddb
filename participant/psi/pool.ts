/**
 * Worker threads for private set intersection (by default one per core). Jobs — hashing a chunk
 * of IDs to the curve (optionally blinding the points at once), or blinding a chunk of points —
 * wait in one queue and go to whichever thread is free, so that jobs from several steps and both
 * parties keep every core busy. Small jobs run in the calling thread.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { blindPoints, encodeIdsToU } from '../../core/psi/kernels.mjs';

/** Below this many items a job runs in the calling thread (a worker round trip costs more). */
const INLINE_BELOW = 64;
/** Jobs handed to one thread at a time: the next is already there when one ends. */
const DEPTH = 2;

/** A job's points and the thread time it spent hashing and blinding. */
export interface PsiJobResult {
  points: Uint8Array;
  seconds: { hash: number; blind: number };
}

type Job = { op: 'encode'; prefix: Uint8Array; ids: readonly string[]; dst: Uint8Array; scalar?: Uint8Array } | { op: 'blind'; points: Uint8Array; scalar: Uint8Array };
type Reply = { id: number; out?: Uint8Array; hash?: number; blind?: number; error?: string };
type Pending = { job: Job; resolve: (r: PsiJobResult) => void; reject: (e: Error) => void };

/** Runs a job in this thread, as a worker would. */
function runInline(job: Job): PsiJobResult {
  let t = performance.now();
  if (job.op === 'blind') {
    const points = blindPoints(job.points, job.scalar);
    return { points, seconds: { hash: 0, blind: (performance.now() - t) / 1000 } };
  }
  const hashed = encodeIdsToU(job.prefix, job.ids, job.dst);
  const hash = (performance.now() - t) / 1000;
  if (!job.scalar) return { points: hashed, seconds: { hash, blind: 0 } };
  t = performance.now();
  const points = blindPoints(hashed, job.scalar);
  return { points, seconds: { hash, blind: (performance.now() - t) / 1000 } };
}

/** A pool of PSI worker threads; {@link PsiPool.close} ends them. */
export class PsiPool {
  private readonly workers: Worker[] = [];
  private next = 0;
  private readonly queue: Pending[] = [];
  private readonly inFlight = new Map<Worker, Map<number, Pending>>();

  constructor(readonly size: number = availableParallelism()) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(new URL('./worker.mjs', import.meta.url));
      const mine = new Map<number, Pending>();
      this.inFlight.set(w, mine);
      w.on('message', (r: Reply) => {
        const p = mine.get(r.id);
        mine.delete(r.id);
        if (mine.size === 0) w.unref();
        if (p) {
          if (r.out) p.resolve({ points: r.out, seconds: { hash: r.hash ?? 0, blind: r.blind ?? 0 } });
          else p.reject(new Error(`PSI worker: ${r.error ?? 'no result'}`));
        }
        this.dispatch();
      });
      w.on('error', (err) => {
        for (const p of mine.values()) p.reject(err);
        mine.clear();
      });
      w.unref();
      this.workers.push(w);
    }
  }

  /** Hands queued jobs to threads with room for one more. */
  private dispatch(): void {
    for (const w of this.workers) {
      const mine = this.inFlight.get(w)!;
      while (mine.size < DEPTH && this.queue.length > 0) {
        const p = this.queue.shift()!;
        const id = ++this.next;
        mine.set(id, p);
        w.ref();
        // Points move to the worker instead of being copied; IDs are cloned.
        const transfer = p.job.op === 'blind' ? [p.job.points.buffer as ArrayBuffer] : [];
        w.postMessage({ ...p.job, id }, transfer);
      }
    }
  }

  private submit(job: Job, items: number): Promise<PsiJobResult> {
    if (items < INLINE_BELOW || this.workers.length === 0) {
      try {
        return Promise.resolve(runInline(job));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  /**
   * The u-coordinates that `prefix || UTF-8(id)` hashes to (kernels.mjs) for each id (n × 32
   * bytes, in order), blinded with `scalar` (X25519) when one is given.
   */
  hashIds(prefix: Uint8Array, ids: readonly string[], dst: Uint8Array, scalar?: Uint8Array): Promise<PsiJobResult> {
    return this.submit({ op: 'encode', prefix, ids, dst, scalar }, ids.length);
  }

  /** X25519 of every point with `scalar`, in order. `points` is handed to the thread: do not reuse it. */
  blind(points: Uint8Array, scalar: Uint8Array): Promise<PsiJobResult> {
    const own = points.byteOffset === 0 && points.byteLength === points.buffer.byteLength ? points : points.slice();
    return this.submit({ op: 'blind', points: own, scalar }, points.length / 32);
  }

  /** Ends the worker threads; queued jobs fail. */
  async close(): Promise<void> {
    for (const p of this.queue.splice(0)) p.reject(new Error('PSI pool closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
