/**
 * The coordinator's view of the fleet: registered participants, their sessions and liveness,
 * per-participant task queues served by long-polling PullTask calls, and the {@link Grid}
 * implementation the round engine runs on. Participants only ever dial out; tasks wait here
 * until their node pulls them, and their replies are matched to them in the task book
 * (fleet-tasks.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Grid, StageFailure, StageReplies, StageReply, StageTask, StageTasks } from '../core/round/grid.ts';
import { taskFor } from '../core/round/grid.ts';
import { replyProblem } from '../core/round/reply-check.ts';
import { headOf } from '../proto/limits.ts';
import { TaskBook } from './fleet-tasks.ts';
import type { ClosedTask, QueuedTask } from './fleet-tasks.ts';

/** Thrown by {@link FleetGrid.deliver} for a reply that does not fit its task (the gRPC layer answers INVALID_ARGUMENT). */
export class ReplyRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplyRejectedError';
  }
}

/** A registered participant. */
export interface ParticipantEntry {
  id: string;
  name: string;
  role: string;
  session: string;
  schemaDigest: string;
  lastSeen: number;
  /** The grid's stalled time when `lastSeen` was set (see FleetGrid's liveness sweep). */
  stallMark: number;
  connected: boolean;
  queue: QueuedTask[];
  waiters: Array<(t: QueuedTask | null) => void>;
}

/**
 * The heartbeat interval a coordinator hands out when none is configured: a fifth of the
 * timeout, so a node's liveness messages are at most two intervals (0.4 × the timeout) apart and a
 * node whose event loop runs late still has the rest of the timeout in hand. An idle fleet then
 * sends n / (timeout / 5) signed heartbeats per second, not n: at n = 100 and the default 10 s
 * timeout, 50 instead of 100.
 */
export function defaultHeartbeatIntervalMs(heartbeatTimeoutMs: number): number {
  return Math.max(50, Math.round(heartbeatTimeoutMs / 5));
}

/** Liveness settings. */
export interface FleetOptions {
  /** How often a node sends a heartbeat when no poll or push went out meanwhile (told in HelloReply). */
  heartbeatIntervalMs: number;
  /** A participant silent for this long is considered gone; its open tasks fail. */
  heartbeatTimeoutMs: number;
  /** Called once when a connected participant is dropped (timeout, reconnect, shutdown), with the reason. */
  onLeave?: (name: string, reason: string) => void;
}

/** Registry of participants plus the gRPC-backed Grid. */
export class FleetGrid implements Grid {
  private readonly byName = new Map<string, ParticipantEntry>();
  private readonly bySession = new Map<string, ParticipantEntry>();
  private readonly tasks = new TaskBook();
  private readonly changeListeners = new Set<() => void>();
  private sweeper: NodeJS.Timeout;
  private readonly sweepEveryMs: number;
  private lastSweepAt = Date.now();
  /** Milliseconds, in all, by which this process's event loop ran the liveness sweep late. */
  private stalledMs = 0;
  /** Job id stamped on tasks of the job that is running. */
  currentJobId = '';

  constructor(readonly opts: FleetOptions) {
    this.sweepEveryMs = Math.max(50, Math.floor(opts.heartbeatTimeoutMs / 4));
    this.sweeper = setInterval(() => this.sweep(), this.sweepEveryMs);
    this.sweeper.unref();
  }

  /** Registers (or re-registers after a restart) a participant by name; returns its entry. */
  hello(name: string, role: string, schemaDigest: string): ParticipantEntry {
    const old = this.byName.get(name);
    if (old) this.drop(old, 'the participant reconnected with a new session');
    const entry: ParticipantEntry = {
      id: old?.id ?? randomUUID(),
      name,
      role,
      session: randomBytes(24).toString('base64url'),
      schemaDigest,
      lastSeen: Date.now(),
      stallMark: this.stalledMs,
      connected: true,
      queue: [],
      waiters: [],
    };
    this.byName.set(name, entry);
    this.bySession.set(entry.session, entry);
    this.notify();
    return entry;
  }

  /** The live entry for a session token, refreshing its liveness; undefined if unknown. */
  touch(session: string): ParticipantEntry | undefined {
    const e = this.bySession.get(session);
    if (e?.connected) {
      e.lastSeen = Date.now();
      e.stallMark = this.stalledMs;
    }
    return e?.connected ? e : undefined;
  }

  /** Long-poll: next task for this participant, or null after `waitMs`. */
  pull(e: ParticipantEntry, waitMs: number, onCancel: (cb: () => void) => void): Promise<QueuedTask | null> {
    const next = e.queue.shift();
    if (next) return Promise.resolve(next);
    return new Promise((resolve) => {
      const waiter = (t: QueuedTask | null) => {
        clearTimeout(timer);
        e.waiters = e.waiters.filter((w) => w !== waiter);
        resolve(t);
      };
      const timer = setTimeout(() => waiter(null), waitMs);
      e.waiters.push(waiter);
      onCancel(() => waiter(null));
    });
  }

  /** Delivers a participant's reply to the stage waiting for it; returns an error text if it does not fit. */
  deliver(e: ParticipantEntry, taskId: string, reply: StageReply | { refusal: string }): string | null {
    const p = this.tasks.pendingTask(taskId);
    if (!p) return this.tasks.notOpen(taskId);
    if (p.participant !== e.name) return `task ${taskId} was not assigned to ${e.name}`;
    const bad = 'refusal' in reply ? null : replyProblem(p.queued.task, reply);
    if (bad) {
      this.reject(e, taskId, bad);
      throw new ReplyRejectedError(bad);
    }
    this.tasks.close(taskId, p, 'answered');
    p.resolve('refusal' in reply ? { failure: `refused: ${reply.refusal}` } : reply);
    return null;
  }

  /**
   * A reply of `e` to `taskId` was malformed (it could not be decoded, or does not fit the task):
   * when the task is open and `e`'s, it closes as `e`'s failure with the reason, so the round
   * goes on without waiting for the deadline. Anything else is left alone.
   */
  reject(e: ParticipantEntry, taskId: string, reason: string): void {
    const p = this.tasks.pendingTask(taskId);
    if (!p || p.participant !== e.name) return;
    this.tasks.close(taskId, p, 'rejected');
    p.resolve({ failure: `malformed reply rejected: ${reason.length > 500 ? `${headOf(reason, 500)}…` : reason}` });
  }

  /** The open task `taskId` of participant `name`, or what is remembered of it once closed. */
  taskInfo(taskId: string): { open: QueuedTask; participant: string } | { closed: ClosedTask } | undefined {
    return this.tasks.info(taskId);
  }

  /** All registered participants (connected or not). */
  list(): ParticipantEntry[] {
    return [...this.byName.values()];
  }

  available(): string[] {
    return this.list().filter((e) => e.connected).map((e) => e.name).sort();
  }

  /** The schema digest `name` registered with (empty when its Hello carried none: not compared). */
  schemaDigestOf(name: string): string | undefined {
    return this.byName.get(name)?.schemaDigest || undefined;
  }

  waitFor(min: number, names: string[] | undefined, timeoutMs: number, signal?: AbortSignal): Promise<string[]> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const count = () => this.available().filter((n) => !names || names.includes(n)).length;
    if (count() >= min) return Promise.resolve(this.available());
    return new Promise((resolve, reject) => {
      const settle = (aborted: boolean) => {
        clearTimeout(timer);
        this.changeListeners.delete(check);
        signal?.removeEventListener('abort', onAbort);
        if (aborted) reject(signal!.reason);
        else resolve(this.available());
      };
      const check = () => {
        if (count() >= min) settle(false);
      };
      const onAbort = () => settle(true);
      const timer = setTimeout(() => settle(false), timeoutMs);
      this.changeListeners.add(check);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  run(participants: string[], tasks: StageTasks, deadlineMs: number, signal?: AbortSignal): Promise<StageReplies> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const replies = new Map<string, StageReply>();
    const failures: StageFailure[] = [];
    const deadline = Date.now() + deadlineMs;
    const sent: Array<{ taskId: string; timer: NodeJS.Timeout; name: string }> = [];
    const waits = participants.map(
      (name) =>
        new Promise<void>((resolveOne) => {
          const e = this.byName.get(name);
          const task: StageTask = taskFor(tasks, name);
          const stage = `round ${task.round}: ${task.kind}`;
          if (!e?.connected) {
            failures.push({ participant: name, stage, reason: 'not connected' });
            return resolveOne();
          }
          const taskId = randomUUID();
          // A vertical step names its own job (scoring runs beside whatever job is training).
          const jobId = task.vertical ? ((task.config as { jobId?: string }).jobId ?? this.currentJobId) : this.currentJobId;
          const queued: QueuedTask = { taskId, jobId, task, deadline };
          const timer = setTimeout(() => {
            const open = this.tasks.pendingTask(taskId);
            if (open) {
              this.tasks.close(taskId, open, 'deadline');
              failures.push({ participant: name, stage, reason: `no reply within the ${deadlineMs} ms stage deadline` });
            }
            resolveOne();
          }, deadlineMs);
          sent.push({ taskId, timer, name });
          this.tasks.open(taskId, {
            participant: name,
            queued,
            resolve: (r) => {
              clearTimeout(timer);
              if ('failure' in r) failures.push({ participant: name, stage, reason: r.failure });
              else replies.set(name, r);
              resolveOne();
            },
          });
          const waiter = e.waiters.shift();
          if (waiter) waiter(queued);
          else e.queue.push(queued);
        }),
    );
    const gathered = Promise.all(waits).then(() => ({ replies, failures }));
    if (!signal) return gathered;
    // Stopped from outside: close what this stage sent (unpulled tasks leave their queues) and give up at once.
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        for (const { taskId, timer, name } of sent) {
          clearTimeout(timer);
          const open = this.tasks.pendingTask(taskId);
          if (open) this.tasks.close(taskId, open, 'stopped');
          const e = this.byName.get(name);
          if (e) e.queue = e.queue.filter((q) => q.taskId !== taskId);
        }
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      gathered.then((r) => {
        signal.removeEventListener('abort', onAbort);
        resolve(r);
      }, reject);
    });
  }

  /** Stops background timers and fails everything open. */
  close(): void {
    clearInterval(this.sweeper);
    for (const e of this.byName.values()) this.drop(e, 'the coordinator is shutting down');
  }

  /**
   * Drops every participant silent for longer than the heartbeat timeout. Silence is counted only
   * while this process was responsive: when the sweep runs late, the event loop was held up (a
   * long synchronous step, a GC pause, a starved machine), and heartbeats sent meanwhile still
   * wait in the sockets — the loop runs due timers, this sweep among them, before it reads them.
   * The lateness is credited to every participant, so a coordinator's own stall never drops
   * members that kept sending.
   */
  private sweep(): void {
    const now = Date.now();
    this.stalledMs += Math.max(0, now - this.lastSweepAt - this.sweepEveryMs);
    this.lastSweepAt = now;
    for (const e of this.byName.values()) {
      if (e.connected && now - e.lastSeen - (this.stalledMs - e.stallMark) > this.opts.heartbeatTimeoutMs) {
        this.drop(e, `disconnected: no heartbeat for ${this.opts.heartbeatTimeoutMs} ms`);
      }
    }
  }

  private drop(e: ParticipantEntry, reason: string): void {
    if (!e.connected) return;
    e.connected = false;
    this.opts.onLeave?.(e.name, reason);
    this.bySession.delete(e.session);
    for (const w of [...e.waiters]) w(null);
    e.queue = [];
    for (const [id, p] of this.tasks.openFor(e.name)) {
      this.tasks.close(id, p, 'dropped');
      p.resolve({ failure: reason });
    }
    this.notify();
  }

  private notify(): void {
    for (const l of [...this.changeListeners]) l();
  }
}
