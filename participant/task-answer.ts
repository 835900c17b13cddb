/**
 * What a node sends back for a task, and what that answer is signed for: the task runs through
 * the handler chain (horizontal jobs) or the vertical party, and the result becomes the fields of
 * a PushResult — a contribution, a secure-sum message, a vertical step's envelopes or a refusal
 * with its reason. No network here: participant/node.ts sends what this returns.
 */
import type { VerticalHandler } from '../core/vertical/messages.ts';
import type { PushResultRequest } from '../proto/generated/fedcredit/v1/PushResultRequest.ts';
import type { Task__Output } from '../proto/generated/fedcredit/v1/Task.ts';
import { secaggConfigRun, secaggReplyToWire } from '../proto/secagg-wire.ts';
import { aheadAnswersToWire } from '../proto/ahead-wire.ts';
import { contributionToWire } from '../proto/tensor.ts';
import { parseVerticalTask, verticalReplyToWire } from '../proto/vertical-wire.ts';
import type { Binding } from '../trust/signing.ts';
import type { TaskHandler } from './handler.ts';
import { KINDS, parseTask } from './task-parse.ts';

/** The answer's fields of a PushResult, and a one-line summary for the log. */
export interface TaskAnswer {
  fields: Pick<PushResultRequest, 'contribution' | 'secagg' | 'vertical' | 'refusal' | 'privacyReceiptJson' | 'ahead'>;
  summary: string;
}

/** What computes answers at this node. */
export interface Answerers {
  /** The node's name (a secure-sum step is decoded for it). */
  name: string;
  handler: TaskHandler;
  /** Runs the steps of vertical jobs; without it, they are refused. */
  vertical?: VerticalHandler;
}

/** What a PushResult is signed for: the task's job, round, stage and secure-sum run (coordinator/fleet-auth.ts). */
export function taskBinding(t: Task__Output): Binding {
  const kind = KINDS[t.kind as keyof typeof KINDS] ?? String(t.kind).toLowerCase();
  // An unreadable config: the refusal is signed without a run and the coordinator names the mismatch.
  const run = t.secagg ? secaggConfigRun(t.secagg.configJson) : '';
  return { jobId: t.jobId, round: t.round, stage: t.secagg ? `${kind}/${t.secagg.message}` : kind, run };
}

/** Computes the answer to `t`; a task that cannot be run is answered with a refusal naming why. */
export async function answerTask(t: Task__Output, a: Answerers): Promise<TaskAnswer> {
  try {
    if (t.kind === 'VERTICAL') {
      if (!a.vertical) throw new Error('this node does not take part in vertical jobs (it was started without a vertical party configuration)');
      const reply = await a.vertical(parseVerticalTask(t.configJson, t.vertical));
      return { fields: { vertical: verticalReplyToWire(reply) }, summary: `vertical ${reply.envelopes.length} envelope(s)` };
    }
    const result = await a.handler(parseTask(t, a.name));
    if ('refusal' in result) return { fields: { refusal: result.refusal }, summary: `refused: ${result.refusal.reason}` };
    const receipt = result.receipt ? { privacyReceiptJson: result.receipt } : {};
    if ('secagg' in result) {
      const ahead = result.ahead?.length ? { ahead: aheadAnswersToWire(result.ahead) } : {};
      return { fields: { secagg: secaggReplyToWire(result.secagg), ...receipt, ...ahead }, summary: `secagg ${result.secagg.type}` };
    }
    return { fields: { contribution: { vectors: contributionToWire(result.contribution) }, ...receipt }, summary: 'done' };
  } catch (err) {
    return { fields: { refusal: { code: 'invalid_task', reason: (err as Error).message } }, summary: `invalid task: ${(err as Error).message}` };
  }
}
