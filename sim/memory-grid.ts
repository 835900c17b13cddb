/**
 * An in-memory {@link Grid} over real participant handlers (the handler chain a node runs, mods
 * included), for end-to-end tests of the secure sum and the round engine without processes.
 * `vanish` makes a participant stop answering from a given secure-aggregation step on (as a
 * killed process would); `rejoin` brings it back (a restarted node); `seen` collects every task
 * sent. Tasks and replies are deep-copied, as the wire would.
 */
import type { Grid, StageReply, StageTask, StageTasks } from '../core/round/grid.ts';
import { taskFor } from '../core/round/grid.ts';
import type { SecAggClientMessage } from '../core/round/secure-messages.ts';
import { expectedReply } from '../core/round/secure-messages.ts';
import type { TaskConfig } from '../core/round/task-config.ts';
import type { TaskKind } from '../core/types.ts';
import type { HandlerResult, ParsedTask, TaskHandler } from '../participant/handler.ts';

/** A secure-aggregation step a participant can vanish at. */
export type VanishStep = 'advertise-keys' | 'graph-reveal' | 'share-keys' | 'masked-input' | 'consistency-check' | 'unmasking';

const VANISH_AT: Record<SecAggClientMessage['type'], VanishStep> = {
  'advertise-keys': 'advertise-keys',
  'graph-nonce': 'graph-reveal',
  'share-keys': 'share-keys',
  'masked-input': 'masked-input',
  'consistency-signature': 'consistency-check',
  unmasking: 'unmasking',
};

/**
 * Where a participant vanishes: at the first occurrence of a step (in any stage), or at that step
 * of one stage (`kind`) and/or `round` only, e.g. `{ step: 'masked-input', round: 1, kind: 'train' }`.
 */
export type VanishAt = VanishStep | { step: VanishStep; round?: number; kind?: TaskKind };

function vanishesAt(at: VanishAt | undefined, step: VanishStep | undefined, task: StageTask): boolean {
  if (!at || !step) return false;
  if (typeof at === 'string') return at === step;
  return at.step === step && (at.round === undefined || at.round === task.round) && (at.kind === undefined || at.kind === task.kind);
}

/** The in-memory grid: a {@link Grid} whose vanished participants can come back. */
export interface MemoryGrid extends Grid {
  /**
   * `name` answers again from the next stage on, e.g. after a restart (put its new handler in
   * `handlers` first): it is connected again, and its vanish point is cleared.
   */
  rejoin(name: string): void;
}

/**
 * Builds the grid; `handlers` may change between calls (e.g. a "restarted" node). A participant
 * that vanished is disconnected from then on, until {@link MemoryGrid.rejoin}. `waitFor` answers
 * at once: in memory nobody connects by themselves, so waiting could not change who is there.
 */
export function memoryGrid(handlers: Map<string, TaskHandler>, vanish: Partial<Record<string, VanishAt>> = {}, seen: StageTask[] = []): MemoryGrid {
  const gone = new Set<string>();
  const connected = () => [...handlers.keys()].filter((n) => !gone.has(n)).sort();
  return {
    available: connected,
    waitFor: async () => connected(),
    rejoin(name: string) {
      if (!handlers.has(name)) throw new RangeError(`"${name}" has no handler on this grid`);
      gone.delete(name);
      delete vanish[name];
    },
    async run(participants: string[], tasks: StageTasks) {
      const replies = new Map<string, StageReply>();
      const failures: { participant: string; stage: string; reason: string }[] = [];
      for (const name of participants) {
        const task = taskFor(tasks, name);
        seen.push(task);
        const step = task.secagg ? VANISH_AT[expectedReply(task.secagg)] : undefined;
        const handler = handlers.get(name);
        if (!handler || gone.has(name) || vanishesAt(vanish[name], step, task)) {
          gone.add(name);
          failures.push({ participant: name, stage: `round ${task.round}: ${task.kind}`, reason: 'vanished' });
          continue;
        }
        const parsed: ParsedTask = {
          taskId: `${name}-${seen.length}`, jobId: (task.config as TaskConfig).jobId, round: task.round, kind: task.kind,
          config: task.config as TaskConfig, weights: task.weights, deadline: 0, ...(task.secagg ? { secagg: structuredClone(task.secagg) } : {}),
          ...(task.ahead ? { ahead: structuredClone(task.ahead) } : {}),
        };
        const r: HandlerResult = await handler(parsed);
        if ('refusal' in r) failures.push({ participant: name, stage: `round ${task.round}: ${task.kind}`, reason: `refused: ${r.refusal.reason} [${r.refusal.code}]` });
        else replies.set(name, 'secagg' in r ? { secagg: structuredClone(r.secagg) as SecAggClientMessage, ...(r.receipt ? { receipt: r.receipt } : {}), ...(r.ahead ? { ahead: structuredClone(r.ahead) } : {}) } : r);
      }
      return { replies, failures };
    },
  };
}

/** A grid whose (deviating) coordinator rewrites every task before it is sent. */
export function tamperingGrid(grid: Grid, rewrite: (task: StageTask, to: string) => StageTask): Grid {
  return { ...grid, run: (p, t, ms) => grid.run(p, (x) => rewrite(structuredClone(taskFor(t, x)), x), ms) };
}
