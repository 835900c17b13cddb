/**
 * Garbage-collection pauses of this process's main thread, counted by kind, so each measured job
 * can say how much of its CPU went to collecting: a job whose CPU rises for the same work shows
 * here whether the collector or the work itself grew. Node reports every pause as a
 * performance entry; the observer only adds them up.
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import type { PerformanceEntry } from 'node:perf_hooks';

/** Main-thread GC pauses since the meter started (or between two readings, {@link gcBetween}). */
export interface GcReading {
  /** Seconds the main thread was paused for collections. */
  pauseSeconds: number;
  /** Young-generation collections (scavenges). */
  minor: number;
  /** Full mark-compact collections. */
  major: number;
}

/** A running meter: `read()` the totals so far (after pending entries are delivered), `stop()` when done. */
export interface GcMeter {
  read(): Promise<GcReading>;
  stop(): void;
}

/** Starts counting this process's GC pauses. */
export function startGcMeter(): GcMeter {
  const total: GcReading = { pauseSeconds: 0, minor: 0, major: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) add(total, e);
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    // Node hands a pause to observers a few event-loop turns after it happened (in this runtime,
    // not within one setImmediate): wait a moment, then take whatever is still buffered.
    read: () =>
      new Promise((resolve) =>
        setTimeout(() => {
          for (const e of observer.takeRecords()) add(total, e);
          resolve({ ...total });
        }, 25),
      ),
    stop: () => observer.disconnect(),
  };
}

/** What happened between two readings of one meter. */
export function gcBetween(before: GcReading, after: GcReading): GcReading {
  return { pauseSeconds: after.pauseSeconds - before.pauseSeconds, minor: after.minor - before.minor, major: after.major - before.major };
}

function add(total: GcReading, e: PerformanceEntry): void {
  total.pauseSeconds += e.duration / 1000;
  const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
  if (kind === constants.NODE_PERFORMANCE_GC_MINOR) total.minor++;
  else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) total.major++;
}
