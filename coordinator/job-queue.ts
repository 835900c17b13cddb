/**
 * The job manager's run queue ({@link RunQueue}): items run one at a time in FIFO order, each with
 * an AbortSignal through which it can be stopped from outside. A queued item can be taken out
 * before it runs; the running one can be stopped (its signal aborts with a reason and the queue
 * waits for it to settle); a paused queue starts nothing more. Also the queue's limits and the
 * reasons a job is refused or stopped.
 */

/** Most jobs that may wait in the queue (the running one not counted). */
export const MAX_QUEUED_JOBS = 64;

/** Limits of a {@link JobManager}. */
export interface JobLimits {
  /** Most queued jobs; a submission beyond is refused (default {@link MAX_QUEUED_JOBS}). */
  maxQueued?: number;
  /** Finished jobs kept in memory (default job-records.ts FINISHED_JOBS_CACHED); the rest are read from disk. */
  finishedCached?: number;
}

/** A submission the manager refuses: the queue is full, or the coordinator is stopping. */
export class SubmitRefusedError extends Error {
  constructor(message: string, readonly why: 'queue-full' | 'stopping' | 'invalid') {
    super(message);
    this.name = 'SubmitRefusedError';
  }
}

/** Why a job naming `names` (its `field`) cannot run with this roster, or undefined when the roster lists them all. */
export function unrosteredProblem(roster: ReadonlyMap<string, unknown>, names: readonly string[], field: string): string | undefined {
  const unknown = names.filter((n) => !roster.has(n));
  if (!unknown.length) return undefined;
  return `the job's ${field} name ${unknown.map((n) => `"${n}"`).join(', ')}, not in the consortium roster (members: ${[...roster.keys()].sort().join(', ')})`;
}

/** Why a running job was stopped from outside: cancelled by an operator, or paused by a coordinator stop. */
export class JobStop {
  constructor(readonly kind: 'cancel' | 'pause', readonly reason: string) {}
}


/** One running item, its abort controller and the promise that settles when it has ended. */
interface Running<T> {
  item: T;
  controller: AbortController;
  done: Promise<void>;
}

/** A FIFO of items run one at a time by `run`. */
export class RunQueue<T> {
  private readonly waiting: T[] = [];
  private running?: Running<T>;
  private paused = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    /** Runs one item; should end promptly once `signal` aborts. Its errors are passed to `onError`. */
    private readonly run: (item: T, signal: AbortSignal) => Promise<void>,
    /** Called after an item has ended (also when it threw), before the next one starts. */
    private readonly onEnded: (item: T) => void,
    private readonly onError: (item: T, err: unknown) => void,
  ) {}

  /** Items waiting to run (the running one not included). */
  get length(): number {
    return this.waiting.length;
  }

  /** Whether {@link pause} was called. */
  get isPaused(): boolean {
    return this.paused;
  }

  /** The waiting items, in order. */
  queued(): readonly T[] {
    return this.waiting;
  }

  /** The running item, if any. */
  current(): T | undefined {
    return this.running?.item;
  }

  /** Appends an item; it starts on a later tick when nothing runs before it. */
  push(item: T): void {
    this.waiting.push(item);
    queueMicrotask(() => this.next());
  }

  /** Takes the first waiting item that matches out of the queue; false when none does. */
  remove(match: (item: T) => boolean): boolean {
    const i = this.waiting.findIndex(match);
    if (i < 0) return false;
    this.waiting.splice(i, 1);
    if (!this.running) this.resolveIdle();
    return true;
  }

  /** Stops the running item when it matches (its signal aborts with `reason`) and resolves once it has ended; false otherwise. */
  async stop(match: (item: T) => boolean, reason: unknown): Promise<boolean> {
    const r = this.running;
    if (!r || !match(r.item)) return false;
    r.controller.abort(reason);
    await r.done;
    return true;
  }

  /**
   * Starts nothing more and stops the running item with `reason`; resolves once it has ended, or
   * after `waitMs` at the latest. Waiting items stay where they are.
   */
  async pause(reason: unknown, waitMs: number): Promise<void> {
    this.paused = true;
    this.resolveIdle();
    const r = this.running;
    if (!r) return;
    r.controller.abort(reason);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([r.done, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }

  /** Resolves when nothing is waiting or running (or the queue is paused). */
  idle(): Promise<void> {
    if (this.paused || (!this.running && this.waiting.length === 0)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private next(): void {
    if (this.running || this.paused) return;
    const item = this.waiting.shift();
    if (item === undefined) return this.resolveIdle();
    const controller = new AbortController();
    const r: Running<T> = { item, controller, done: Promise.resolve() };
    this.running = r;
    r.done = this.run(item, controller.signal)
      .catch((err: unknown) => this.onError(item, err))
      .finally(() => {
        this.running = undefined;
        this.onEnded(item);
        this.next();
      });
  }

  private resolveIdle(): void {
    if (this.running || (this.waiting.length > 0 && !this.paused)) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
