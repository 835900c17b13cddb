/**
 * Work a node can do before anyone asks for it, run while the node would otherwise wait.
 *
 * A job is a function that does one small piece of its work and says whether it is finished.
 * Jobs run in turn, in slices of a few milliseconds, from the event loop's check phase
 * (`setImmediate`). Node runs every network callback and request handler that is ready in the
 * poll phase before it reaches the check phase, so a request never waits behind more than one
 * slice, and the work fills the time in which the node has nothing else to do: waiting for the
 * coordinator to finish a round, or for a step's other members.
 *
 * One queue serves the whole process: nodes simulated side by side in one process share it, so
 * the slices stay a few milliseconds however many nodes there are.
 */
import { performance } from 'node:perf_hooks';

/** One piece of a job's work per call; true when the job is finished (or no longer wanted). */
export type IdleJob = () => boolean;

/** Where a node hands work to be done in idle time. */
export interface IdleQueue {
  add(job: IdleJob): void;
}

/** A queue of {@link IdleJob}s run in time slices between the event loop's other work. */
export class IdleWork implements IdleQueue {
  private readonly jobs: IdleJob[] = [];
  private scheduled = false;

  /**
   * @param sliceMs how long one slice may run before the event loop gets its turn again
   * @param now a monotonic clock in milliseconds
   */
  constructor(
    private readonly sliceMs = 2,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Jobs not finished yet. */
  get pending(): number {
    return this.jobs.length;
  }

  /** Queues `job`; it runs in later slices, never within this call. */
  add(job: IdleJob): void {
    this.jobs.push(job);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.jobs.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.slice();
      this.schedule();
    });
  }

  /** Runs pieces of the queued jobs, in turn, until the slice's time is up or none is left. */
  private slice(): void {
    const end = this.now() + this.sliceMs;
    while (this.jobs.length > 0) {
      const job = this.jobs.shift()!;
      let finished: boolean;
      try {
        finished = job();
      } catch {
        // A job that throws is dropped; what it failed at fails again where its result is
        // needed, and is reported there.
        finished = true;
      }
      if (!finished) this.jobs.push(job);
      if (this.now() >= end) return;
    }
  }
}

/** The process's queue, shared by every node in it. */
export const idleWork = new IdleWork();
