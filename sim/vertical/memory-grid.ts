/**
 * An in-memory {@link Grid} over vertical parties' handlers, for simulation and for tests that
 * record what every party and the coordinator see. Tasks and replies are deep-copied, as the wire
 * would; a handler that throws is that party's failure in the step, with its message.
 */
import type { Grid, StageReplies, StageReply, StageTask, StageTasks } from '../../core/round/grid.ts';
import { taskFor } from '../../core/round/grid.ts';
import type { VerticalHandler, VerticalReply, VerticalStepConfig } from '../../core/vertical/messages.ts';

/** One step as a party received it and what it answered (deep copies). */
export interface SeenStep {
  party: string;
  task: StageTask;
  reply?: VerticalReply;
  error?: string;
}

/** The grid; `seen`, when given, collects every step in order. */
export function verticalMemoryGrid(handlers: ReadonlyMap<string, VerticalHandler>, seen?: SeenStep[]): Grid {
  const connected = () => [...handlers.keys()].sort();
  return {
    available: connected,
    waitFor: async () => connected(),
    async run(participants: string[], tasks: StageTasks): Promise<StageReplies> {
      const replies = new Map<string, StageReply>();
      const failures: StageReplies['failures'] = [];
      await Promise.all(
        participants.map(async (p) => {
          const task = structuredClone(taskFor(tasks, p));
          const handler = handlers.get(p);
          const record: SeenStep = { party: p, task };
          seen?.push(record);
          const stage = (task.config as VerticalStepConfig).step;
          if (!handler || !task.vertical) {
            failures.push({ participant: p, stage, reason: handler ? 'not a vertical step' : 'not connected' });
            return;
          }
          try {
            const reply = await handler({ config: task.config as VerticalStepConfig, envelopes: task.vertical.envelopes, dealt: task.vertical.dealt });
            record.reply = structuredClone(reply);
            replies.set(p, { vertical: structuredClone(reply) });
          } catch (err) {
            record.error = (err as Error).message;
            failures.push({ participant: p, stage, reason: (err as Error).message });
          }
        }),
      );
      return { replies, failures };
    },
  };
}
