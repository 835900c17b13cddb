/**
 * Does a participant's reply fit the task it answers? The transport (coordinator/fleet-grid.ts)
 * asks this at delivery, so a reply of the wrong kind or size is rejected there — its sender is
 * told exactly what is wrong, and the task counts as that participant's failure with the same
 * reason — instead of surfacing later in the sum. The sum protocols keep their own checks
 * (sum-protocol.ts `shapeProblem`, the secure-aggregation server machine) as a second line.
 */
import type { StageReply, StageTask } from './grid';
import { expectedReply } from './secure-messages';
import { shapeProblem } from './sum-protocol';

/** Why `reply` cannot answer `task`, in words, or null when it fits. Pure; never throws. */
export function replyProblem(task: StageTask, reply: StageReply): string | null {
  if (task.secagg) {
    const step = task.secagg.message.type;
    const want = expectedReply(task.secagg);
    if (!('secagg' in reply)) return `the task is the "${step}" step of a secure sum and expects reply type ${want ?? 'secure-aggregation'}, not a plain contribution`;
    if (want !== undefined && reply.secagg.type !== want) return `the task is the "${step}" step of a secure sum and expects reply type ${want}, not ${reply.secagg.type}`;
    if (reply.secagg.type === 'masked-input') {
      const { length, bits } = task.secagg.config;
      const y = reply.secagg.y;
      if (y.length !== length) return `masked input has ${y.length} words, expected ${length}`;
      if (bits < 32) {
        const limit = 2 ** bits;
        for (let i = 0; i < y.length; i++) {
          if (y[i] >= limit) return `masked input word ${i} is ${y[i]}, not below 2^${bits}`;
        }
      }
    }
    return null;
  }
  if ('secagg' in reply) return `the task is a plain ${task.kind} stage and expects a contribution, not a secure-aggregation ${reply.secagg.type} message`;
  return task.replyShape ? shapeProblem(reply.contribution, task.replyShape) : null;
}
