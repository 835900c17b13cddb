/**
 * Runs the example job through the coordinator's real round engine (core/round/engine.ts) over an
 * in-memory grid whose members compute with ./members.ts, and captures every stage's task as the
 * coordinator would put it on the wire (`config_json` = JSON.stringify of the task configuration,
 * the global weights as a FLOAT32 tensor) together with each member's contribution. The plain sum
 * is used: what a task carries does not depend on how its replies are summed.
 */
import { runJob } from '../../core/round/engine.ts';
import type { Grid, StageReply } from '../../core/round/grid.ts';
import { taskFor } from '../../core/round/grid.ts';
import { plainSum } from '../../core/round/sum-protocol.ts';
import type { TaskConfig } from '../../core/round/task-config.ts';
import type { Contribution, TaskKind } from '../../core/types.ts';
import { JOB_ID, MEMBERS, job, schema } from './fixtures.ts';
import { localContribution } from './members.ts';

/** One stage of the job as the members received it. */
export interface CapturedStage {
  kind: TaskKind;
  round: number;
  /** The exact `Task.config_json` text. */
  configJson: string;
  config: TaskConfig;
  weights?: Float32Array;
  /** Each member's reply. */
  contributions: Record<string, Contribution>;
}

let cached: Promise<CapturedStage[]> | undefined;

/** The stages of the example job (stats, train 1 carrying round 0's evaluation, evaluate 1), computed once. */
export function capturedStages(): Promise<CapturedStage[]> {
  cached ??= capture();
  return cached;
}

async function capture(): Promise<CapturedStage[]> {
  const stages: CapturedStage[] = [];
  const members = [...MEMBERS];
  const grid: Grid = {
    available: () => members,
    waitFor: async () => members,
    run: async (participants, tasks) => {
      const replies = new Map<string, StageReply>();
      let stage: CapturedStage | undefined;
      for (const p of participants) {
        const t = taskFor(tasks, p);
        const configJson = JSON.stringify(t.config);
        if (!stage) {
          stage = { kind: t.kind, round: t.round, configJson, config: JSON.parse(configJson) as TaskConfig, ...(t.weights ? { weights: Float32Array.from(t.weights) } : {}), contributions: {} };
          stages.push(stage);
        } else if (stage.configJson !== configJson) {
          throw new Error(`stage ${t.kind} ${t.round}: members got different configurations`);
        }
        const c = localContribution(p, { kind: t.kind, config: stage.config, weights: t.weights });
        stage.contributions[p] = c;
        replies.set(p, { contribution: c });
      }
      return { replies, failures: [] };
    },
  };
  const noop = async () => undefined;
  await runJob(JOB_ID, job(), schema(), { grid, sum: plainSum, store: { savePreprocessing: noop, saveRound: noop, saveRelease: noop }, now: () => 0, emit: () => undefined });
  return stages;
}

/** The captured stage of `kind` in `round`. */
export async function stageOf(kind: TaskKind, round: number): Promise<CapturedStage> {
  const s = (await capturedStages()).find((x) => x.kind === kind && x.round === round);
  if (!s) throw new Error(`the example job has no ${kind} stage in round ${round}`);
  return s;
}

/** `member`'s contribution to the captured stage `s`. Throws when the member did not reply in it. */
export function contributionOf(s: CapturedStage, member: string): Contribution {
  const c = s.contributions[member];
  if (c === undefined) throw new Error(`${member} has no contribution in the ${s.kind} stage of round ${s.round}`);
  return c;
}
