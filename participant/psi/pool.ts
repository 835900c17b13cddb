/**
 * Worker threads for private set intersection: hashing IDs to the curve and blinding points
 * are split into one chunk per thread (by default one per core), so a run uses every core.
 * Small inputs run in the calling thread.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { concatBytes } from '../../core/secagg/hex.ts';
import { blindPoints, encodeToU, POINT_BYTES } from '../../core/psi/kernels.mjs';

/** Below this many items a job runs in the calling thread (a worker round trip costs more). */
const INLINE_BELOW = 2000;

type Reply = { id: number; out?: Uint8Array; error?: string };

/** A pool of PSI worker threads; {@link PsiPool.close} ends them. */
export class PsiPool {
  private readonly workers: Worker[] = [];
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (u: Uint8Array) => void; reject: (e: Error) => void }>();

  constructor(readonly size: number = availableParallelism()) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(new URL('./worker.mjs', import.meta.url));
      w.on('message', (r: Reply) => {
        const p = this.waiting.get(r.id);
        this.waiting.delete(r.id);
        this.settle(w);
        if (!p) return;
        if (r.out) p.resolve(r.out);
        else p.reject(new Error(`PSI worker: ${r.error ?? 'no result'}`));
      });
      w.on('error', (err) => {
        for (const p of this.waiting.values()) p.reject(err);
        this.waiting.clear();
      });
      w.unref();
      this.workers.push(w);
    }
  }

  /** Jobs in flight per worker: a busy worker keeps the process alive, an idle one does not. */
  private readonly busy = new Map<Worker, number>();

  private settle(worker: Worker): void {
    const left = (this.busy.get(worker) ?? 1) - 1;
    this.busy.set(worker, left);
    if (left === 0) worker.unref();
  }

  private run(worker: Worker, msg: Record<string, unknown>, transfer: ArrayBuffer[]): Promise<Uint8Array> {
    const id = ++this.next;
    this.busy.set(worker, (this.busy.get(worker) ?? 0) + 1);
    worker.ref();
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ ...msg, id }, transfer);
    });
  }

  /** Item ranges [from, to) of `n` items, one per worker. */
  private ranges(n: number): [number, number][] {
    const k = Math.min(this.workers.length, Math.max(1, n));
    return Array.from({ length: k }, (_, i) => [Math.floor((i * n) / k), Math.floor(((i + 1) * n) / k)] as [number, number]);
  }

  /** encode_to_curve u-coordinates of `messages` (n × 32 bytes), in order. */
  async encode(messages: readonly Uint8Array[], dst: Uint8Array): Promise<Uint8Array> {
    if (messages.length < INLINE_BELOW || this.workers.length === 0) return encodeToU(messages, dst);
    const parts = await Promise.all(this.ranges(messages.length).map(([a, b], i) => this.run(this.workers[i]!, { op: 'encode', messages: messages.slice(a, b), dst }, [])));
    return concatBytes(...parts);
  }

  /** X25519 of every point with `scalar`, in order. */
  async blind(points: Uint8Array, scalar: Uint8Array): Promise<Uint8Array> {
    const n = points.length / POINT_BYTES;
    if (n < INLINE_BELOW || this.workers.length === 0) return blindPoints(points, scalar);
    const parts = await Promise.all(
      this.ranges(n).map(([a, b], i) => {
        const chunk = points.slice(a * POINT_BYTES, b * POINT_BYTES);
        return this.run(this.workers[i]!, { op: 'blind', points: chunk, scalar }, [chunk.buffer]);
      }),
    );
    return concatBytes(...parts);
  }

  /** Ends the worker threads. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
