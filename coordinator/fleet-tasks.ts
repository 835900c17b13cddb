/**
 * The fleet's task book: the tasks handed out to participants that still wait for a reply, and a
 * bounded memory of those closed since (answered, past their deadline, dropped, rejected or
 * stopped), so that a late reply is told apart from one to a task that never existed.
 */
import type { StageReply, StageTask } from '../core/round/grid.ts';

/** A queued task as the Fleet service hands it out. */
export interface QueuedTask {
  taskId: string;
  jobId: string;
  task: StageTask;
  deadline: number;
}

/** A task handed out and waiting for its participant's reply. */
export interface PendingTask {
  participant: string;
  queued: QueuedTask;
  resolve: (r: StageReply | { failure: string }) => void;
}

/** What the coordinator remembers of a task that is no longer open (to tell a stale reply from garbage). */
export interface ClosedTask {
  participant: string;
  jobId: string;
  round: number;
  stage: string;
  why: 'answered' | 'deadline' | 'dropped' | 'rejected' | 'stopped';
}

const CLOSED_WHY: Record<ClosedTask['why'], string> = {
  answered: 'it was already answered',
  deadline: 'its deadline passed and the round went on without this reply',
  dropped: 'the participant was dropped (new session or no heartbeat)',
  rejected: 'its reply was malformed and counted as the participant\'s failure',
  stopped: 'its job was cancelled, or paused because the coordinator is stopping',
};

/** How many closed tasks are remembered. */
const CLOSED_MEMORY = 10_000;

/** The stage a task is in, as signatures name it: `<kind>` or `<kind>/<secure-sum step>`. */
export function stageName(task: StageTask): string {
  return task.secagg ? `${task.kind}/${task.secagg.message.type}` : task.kind;
}

/** Open tasks by id, and what is remembered of the most recently closed ones. */
export class TaskBook {
  private readonly pending = new Map<string, PendingTask>();
  private readonly closed = new Map<string, ClosedTask>();

  /** Records a task handed out, until it is closed. */
  open(taskId: string, p: PendingTask): void {
    this.pending.set(taskId, p);
  }

  /** The open task `taskId`; undefined once it is closed (or if it never existed). */
  pendingTask(taskId: string): PendingTask | undefined {
    return this.pending.get(taskId);
  }

  /** The open tasks of participant `name`, with their ids. */
  openFor(name: string): Array<[string, PendingTask]> {
    return [...this.pending].filter(([, p]) => p.participant === name);
  }

  /** Closes an open task for the reason `why`, remembering it among the last {@link CLOSED_MEMORY}. */
  close(taskId: string, p: PendingTask, why: ClosedTask['why']): void {
    this.pending.delete(taskId);
    const q = p.queued;
    this.closed.set(taskId, { participant: p.participant, jobId: q.jobId, round: q.task.round, stage: stageName(q.task), why });
    if (this.closed.size > CLOSED_MEMORY) {
      const oldest = this.closed.keys().next();
      if (!oldest.done) this.closed.delete(oldest.value);
    }
  }

  /** The open task `taskId` and its participant, or what is remembered of it once closed. */
  info(taskId: string): { open: QueuedTask; participant: string } | { closed: ClosedTask } | undefined {
    const p = this.pending.get(taskId);
    if (p) return { open: p.queued, participant: p.participant };
    const c = this.closed.get(taskId);
    return c ? { closed: c } : undefined;
  }

  /** Why a reply to `taskId`, which is not open, cannot be taken. */
  notOpen(taskId: string): string {
    const c = this.closed.get(taskId);
    if (c) return `stale reply: task ${taskId} (${c.jobId} round ${c.round}, ${c.stage}) is closed: ${CLOSED_WHY[c.why]}`;
    return `task ${taskId} is not open (unknown, already answered, or past its deadline)`;
  }
}
