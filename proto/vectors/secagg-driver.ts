/**
 * One secure sum of the example job's train stage, run end to end through the real code on both
 * sides and the real wire encoding: the coordinator's `secureSum` (core/round/secure-sum.ts)
 * drives the steps; every step travels as a protobuf `Task` (decoded by the participant's
 * `parseTask`) and every answer as a `PushResultRequest` (decoded by the coordinator's
 * `secaggReplyFromWire`); each member runs the participant's secure-aggregation mod
 * (participant/secagg-mod.ts) around a local handler that returns its captured contribution.
 * Each member's randomness comes from a tape: recorded from a seeded generator when the vectors
 * are made, replayed from the vector file when they are checked.
 */
import type { Grid, StageFailure, StageReply } from '../../core/round/grid.ts';
import { taskFor } from '../../core/round/grid.ts';
import { secureSum } from '../../core/round/secure-sum.ts';
import { deriveSeed, seededRng } from '../../core/random.ts';
import type { SumResult } from '../../core/round/sum-protocol.ts';
import { chain } from '../../participant/handler.ts';
import type { TaskHandler } from '../../participant/handler.ts';
import { parseTask } from '../../participant/node.ts';
import { ReleaseLog } from '../../participant/releases/log.ts';
import { secAggMod } from '../../participant/secagg-mod.ts';
import type { Task__Output } from '../generated/fedcredit/v1/Task.ts';
import type { SecAggReply__Output } from '../generated/fedcredit/v1/SecAggReply.ts';
import { secaggReplyFromWire, secaggReplyToWire, secaggStepToWire } from '../secagg-wire.ts';
import { float32Tensor } from '../tensor.ts';
import { INCARNATION, JOB_ID, NOW_MS, identityOf, job, rosterKeys } from './fixtures.ts';
import type { Draw, Tape } from './json.ts';
import { jsonSafe, recordingTape, replayTape } from './json.ts';
import { contributionOf, stageOf } from './run-job.ts';
import { stageShape } from '../../participant/secagg-config.ts';
import { requestRoundTrip, responseRoundTrip } from './wire.ts';

/** Which run to make. */
export interface Scenario {
  members: string[];
  /** member → the step (server message) before whose answer it vanishes. */
  dropouts?: Record<string, string>;
  /** Labels the scenario's recorded randomness: member m draws from seededRng(deriveSeed(TAPE_SEED, `${label}/${m}`)). */
  label: string;
  /** Recorded tapes to replay instead. */
  tapes?: Record<string, Draw[]>;
}

/** What one step sent to and got from each member (wire forms, bytes in hex). */
export interface StepRecord {
  message: string;
  tasks: Record<string, unknown>;
  replies: Record<string, unknown>;
}

/** Everything observable about the run. */
export interface RunRecord {
  secaggConfigJson: string;
  steps: StepRecord[];
  tapes: Record<string, Draw[]>;
  result: SumResult;
  /** The first step's Task envelope (the same for every member but its task id). */
  firstTask: unknown;
}

/** Seed of the members' recorded randomness. */
export const TAPE_SEED = 20250102;

/** Runs the scenario. */
export async function runSecureSum(s: Scenario): Promise<RunRecord> {
  const stage = await stageOf('train', 1);
  const j = job();
  const roster = rosterKeys();
  const tapes = new Map<string, Tape>();
  const handlers = new Map<string, TaskHandler>();
  for (const m of s.members) {
    const tape = s.tapes ? replayTape(s.tapes[m] ?? [], m) : recordingTape(seededRng(deriveSeed(TAPE_SEED, `${s.label}/${m}`)));
    tapes.set(m, tape);
    const contribution = contributionOf(stage, m);
    const local: TaskHandler = async () => ({ contribution });
    const id = identityOf(m);
    handlers.set(m, chain(local, [secAggMod({ name: m, rng: tape.rng, identity: { secretKey: id.secretKey, peers: roster }, releases: ReleaseLog.memory(), now: () => NOW_MS })]));
  }
  const steps: StepRecord[] = [];
  let secaggConfigJson = '';
  let firstTask: unknown;
  const grid: Grid = {
    available: () => s.members,
    waitFor: async () => s.members,
    run: async (to, tasks, ms) => {
      const replies = new Map<string, StageReply>();
      const failures: StageFailure[] = [];
      let record: StepRecord | undefined;
      for (const p of to) {
        const t = taskFor(tasks, p);
        if (!t.secagg) throw new Error('a secure-sum step without its secagg message');
        const message = t.secagg.message.type;
        if (!record) {
          record = { message, tasks: {}, replies: {} };
          steps.push(record);
        }
        const { configJson: stepConfig, ...step } = secaggStepToWire(t.secagg);
        secaggConfigJson ||= stepConfig ?? '';
        if (stepConfig !== secaggConfigJson) throw new Error('the secagg config changed between steps');
        record.tasks[p] = jsonSafe(step);
        const gone = s.dropouts?.[p];
        if (gone !== undefined && steps.some((x) => x.message === gone)) {
          record.replies[p] = { dropped: true };
          failures.push({ participant: p, stage: `round ${t.round}: ${t.kind}`, reason: 'no reply before the deadline' });
          continue;
        }
        const envelope = {
          taskId: `${t.kind}-${t.round}-${message}-${p}`, jobId: JOB_ID, round: t.round, kind: 'TRAIN', configJson: JSON.stringify(t.config),
          weights: t.weights ? [float32Tensor('weights', t.weights)] : [], deadlineUnixMs: NOW_MS + ms, secagg: { ...step, configJson: stepConfig },
        };
        if (!firstTask) firstTask = jsonSafe({ ...envelope, taskId: `${t.kind}-${t.round}-${message}-<member>`, secagg: undefined });
        const task = responseRoundTrip('Fleet', 'PullTask', { hasTask: true, task: envelope }).decoded.task as Task__Output;
        tapes.get(p)!.at(message);
        const out = await handlers.get(p)!(parseTask(task, p));
        if ('refusal' in out) {
          record.replies[p] = { refusal: out.refusal };
          failures.push({ participant: p, stage: `round ${t.round}: ${t.kind}`, reason: `refused: ${out.refusal.reason} [${out.refusal.code}]` });
          continue;
        }
        if (!('secagg' in out)) throw new Error('a plain reply to a secure-sum step');
        const reply = secaggReplyToWire(out.secagg);
        record.replies[p] = jsonSafe(reply);
        const pushed = requestRoundTrip('Fleet', 'PushResult', { session: `session-${p}`, taskId: envelope.taskId, secagg: reply }).decoded;
        replies.set(p, { secagg: secaggReplyFromWire(pushed.secagg as SecAggReply__Output, p) });
      }
      return { replies, failures };
    },
  };
  // One sum on its own: it sets up no later sum's keys (the vectors show one run's steps).
  const sum = secureSum(JOB_ID, { ...j, secureAggregation: { ...j.secureAggregation, keysAhead: 0 } }, INCARNATION, { authenticated: true, roster });
  const shape = stageShape(stage);
  const result = await sum.run(grid, s.members, { kind: 'train', round: 1, config: stage.config, weights: stage.weights }, shape, j.deadlines.stageMs);
  return { secaggConfigJson, steps, tapes: Object.fromEntries([...tapes].map(([m, t]) => [m, t.draws])), result, firstTask };
}
