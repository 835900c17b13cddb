/**
 * One aggregated stage of a job: selects the participants (the connected ones the job wants, or
 * exactly the set a stage was being unmasked over when the coordinator stopped), runs the job's
 * sum protocol over them, and turns every way a stage can fail — a lost quorum, an aborted
 * secure sum, too few contributors, a non-finite aggregate — into a {@link JobFailedError} that
 * says why. Used by the round engine for every stage of dense and boosted jobs.
 */
import type { JobSpec } from '../job.ts';
import type { Contribution } from '../types.ts';
import type { EngineDeps } from './engine-types.ts';
import { nonFiniteProblem } from './finite.ts';
import { stageNoised } from '../privacy/noised-stages.ts';
import type { Grid, StageTask } from './grid.ts';
import { describeFailures, JobFailedError } from './job-failed.ts';
import type { SumResult } from './sum-protocol.ts';

/** A stage's result with its sum present (a stage without one fails). */
export type StageResult = SumResult & { sum: Contribution };

/** Adapts a stage's task and shape to its participants, once they are known. */
export type StageForMembers = (participants: string[]) => { task: StageTask; shape: Record<string, number> };

/**
 * Runs one stage of round `round` (its number as the release log and secure-sum run ids see
 * it). `only`: ask exactly these participants (those of them still connected), not every
 * connected one the job wants — for stages that must sum over the same members as an earlier
 * one. `forMembers`: the task and shape for the participants chosen. `carries`: a training stage
 * that carries the previous round's evaluation (./carried-evaluation.ts), whose input is exact
 * when either part is.
 */
export type StageRun = (
  round: number,
  task: StageTask,
  shape: Record<string, number>,
  options?: { only?: readonly string[]; forMembers?: StageForMembers; carries?: boolean; trainShape?: Record<string, number> },
) => Promise<StageResult>;

/** What a stage runner needs from its job run. */
export interface StageRunnerOptions {
  job: JobSpec;
  /** The grid, bound to the job's stop signal. */
  grid: Grid;
  sum: EngineDeps['sum'];
  store: EngineDeps['store'];
  emit: EngineDeps['emit'];
  /** Survivor sets of stages unmasked before a coordinator restart, by `kind/round`. */
  released: Record<string, string[]>;
  /** The participants among `names` the job selects. */
  wanted: (names: string[]) => string[];
}

/** The stage function of one job run. */
export function stageRunner(o: StageRunnerOptions): StageRun {
  const { job, grid, sum, store, emit, released, wanted } = o;
  const min = job.minParticipants;
  return async (round, asked, askedShape, options = {}) => {
    const { only } = options;
    let task = asked;
    let shape = askedShape;
    const pinned = stageNoised(job, task.kind, options.carries === true) ? undefined : released[`${task.kind}/${round}`];
    if (pinned) await grid.waitFor(pinned.length, pinned, job.deadlines.waitForParticipantsMs);
    const participants = pinned ?? (only ? only.filter((p) => grid.available().includes(p)) : wanted(grid.available()));
    emit({ type: 'stage', round, stage: task.kind, participants });
    if (pinned) {
      const missing = pinned.filter((p) => !grid.available().includes(p));
      if (missing.length) {
        throw new JobFailedError(
          `round ${round} ${task.kind}: this stage was being unmasked over [${pinned.join(', ')}] when the coordinator stopped; its inputs carry no DP noise, ` +
            `so participants release them again only over exactly that set (no institution can be singled out by differencing), but ${missing.join(', ')} ` +
            `${missing.length === 1 ? 'is' : 'are'} not connected after waiting ${job.deadlines.waitForParticipantsMs} ms`,
        );
      }
    } else if (participants.length < min) {
      throw new JobFailedError(`round ${round} ${task.kind}: quorum lost: ${participants.length} of the required ${min} participant(s) are connected`);
    }
    if (options.forMembers) ({ task, shape } = options.forMembers(participants));
    const res = await sum.run(grid, participants, task, shape, job.deadlines.stageMs, {
      ...(pinned ? { exact: pinned } : {}),
      ...(options.trainShape ? { trainShape: options.trainShape } : {}),
      beforeUnmask: (survivors) => store.saveRelease(task.kind, round, survivors),
    });
    for (const f of res.failures) emit({ type: 'failure', failure: f });
    if (res.error) throw new JobFailedError(`round ${round} ${task.kind}: ${res.error}` + describeFailures(res.failures), res.failures);
    if (res.contributors.length < min || !res.sum) {
      throw new JobFailedError(
        `round ${round} ${task.kind}: only ${res.contributors.length} of the required ${min} participant(s) delivered` + describeFailures(res.failures),
        res.failures,
      );
    }
    const infinite = nonFiniteProblem(res.sum);
    if (infinite) throw new JobFailedError(`round ${round} ${task.kind}: the aggregate over [${res.contributors.join(', ')}] is not finite: ${infinite}`, res.failures);
    return res as StageResult;
  };
}
