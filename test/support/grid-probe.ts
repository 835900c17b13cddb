/**
 * A probe on a {@link Grid} (the coordinator's FleetGrid, or the simulator's in-memory grid): it
 * records every call of `grid.run` — one step of a secure sum, or a plain stage — with who was
 * asked, who answered, who failed and its wall time, and runs triggers synchronously just before
 * a given step's tasks are queued (e.g. SIGKILL a participant that answered every earlier step, so
 * that it is gone during exactly this one). It only observes and delays nothing; `uninstall`
 * restores the grid. Used by test/stragglers.test.ts and test/dropouts.test.ts.
 */
import type { Grid, StageTask, StageTasks } from '../../core/round/grid.ts';
import { taskFor } from '../../core/round/grid.ts';
import { expectedReply } from '../../core/round/secure-messages.ts';

/** The step of a stage task: `advertise-keys`, `share-keys`, `masked-input`, `unmasking`, …, or `plain`. */
export function stepOf(task: StageTask): string {
  return task.secagg ? expectedReply(task.secagg) : 'plain';
}

/** One call of Grid.run as the probe saw it. */
export interface StepRecord {
  round: number;
  kind: string;
  step: string;
  participants: string[];
  deadlineMs: number;
  startedAt: number;
  /** Wall time until every participant answered or failed (undefined while running). */
  ms?: number;
  answered?: string[];
  failed?: string[];
}

/** What to do, once, when `step` of `kind` in `round` is handed out. */
interface Trigger {
  round: number;
  kind: string;
  step: string;
  action: (rec: StepRecord) => void;
  fired: boolean;
}

/** Wraps `grid.run` (the one entry point every stage step goes through); see the module header. */
export class GridProbe {
  readonly steps: StepRecord[] = [];
  private readonly triggers: Trigger[] = [];
  private readonly original: Grid['run'];

  constructor(private readonly grid: Grid) {
    this.original = grid.run;
    const run = grid.run.bind(grid);
    grid.run = (participants: string[], tasks: StageTasks, deadlineMs: number, signal?: AbortSignal) => {
      const t = taskFor(tasks, participants[0] ?? '');
      const rec: StepRecord = { round: t.round, kind: t.kind, step: stepOf(t), participants: [...participants], deadlineMs, startedAt: Date.now() };
      this.steps.push(rec);
      for (const tr of this.triggers) {
        if (!tr.fired && tr.round === rec.round && tr.kind === rec.kind && tr.step === rec.step) {
          tr.fired = true;
          tr.action(rec);
        }
      }
      return run(participants, tasks, deadlineMs, signal).then((r) => {
        rec.ms = Date.now() - rec.startedAt;
        rec.answered = [...r.replies.keys()].sort();
        rec.failed = r.failures.map((f) => f.participant).sort();
        return r;
      });
    };
  }

  /** Runs `action` when `step` of `kind` in `round` is handed out (once). */
  at(round: number, kind: string, step: string, action: (rec: StepRecord) => void): void {
    this.triggers.push({ round, kind, step, action, fired: false });
  }

  /** Whether the trigger for that step has fired. */
  fired(round: number, kind: string, step: string): boolean {
    return this.triggers.some((t) => t.fired && t.round === round && t.kind === kind && t.step === step);
  }

  /** The recorded steps of one stage, in order. */
  stage(round: number, kind: string): StepRecord[] {
    return this.steps.filter((s) => s.round === round && s.kind === kind);
  }

  /** The recorded step, or throws. */
  step(round: number, kind: string, step: string): StepRecord {
    const found = this.steps.filter((s) => s.round === round && s.kind === kind && s.step === step);
    const [only] = found;
    if (only === undefined || found.length !== 1) throw new Error(`expected one ${kind} ${step} step in round ${round}, saw ${found.length}`);
    return only;
  }

  uninstall(): void {
    this.grid.run = this.original;
  }
}
