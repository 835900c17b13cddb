/**
 * Hand-driven members of plain jobs for end-to-end tests of the coordinator's reply checks: each
 * registers over real gRPC (test/manual-node.ts), pulls tasks and answers them with well-formed
 * vectors computed from the task's own configuration — statistics, evaluation histograms and
 * train updates of a plausible size (with the previous round's evaluation when the task carries
 * it) — unless the test rewrites a reply first.
 */
import { inputDim } from '../core/data/schema.ts';
import { modelLayout } from '../core/model/layout.ts';
import { joinCarried } from '../core/round/carried-evaluation.ts';
import { TaskConfigSchema } from '../core/round/task-config.ts';
import { layoutSize } from '../core/types.ts';
import type { Task__Output } from '../proto/generated/fedcredit/v1/Task.ts';
import { float64Tensor } from '../proto/tensor.ts';
import { ManualNode } from './manual-node.ts';
import type { Outcome } from './manual-node.ts';

/** A schema small enough to keep the vectors short. */
export const TINY_SCHEMA = {
  label: { column: 'y', positive: '1' },
  numeric: [{ name: 'a' }, { name: 'b' }],
  categorical: [{ name: 'c', levels: ['x', 'y'] }],
};

/** Vectors of a reply, by name. */
export type Vectors = Record<string, Float64Array>;

/** Lets a test change a member's reply: gets the task kind ("STATS", "TRAIN", "EVALUATE"), its round and the honest vectors. */
export type Rewrite = (kind: string, round: number, vectors: Vectors) => Vectors;

/** What a member saw: the outcome of each PushResult, with the task it answered. */
export interface Push {
  kind: string;
  round: number;
  outcome: Outcome;
}

/** Honest vectors for a plain task: 20 rows, 6 of them positive. */
export function honestVectors(task: Task__Output): Vectors {
  const cfg = TaskConfigSchema.parse(JSON.parse(task.configJson));
  const rows = 20;
  if (task.kind === 'STATS') {
    return { stats: Float64Array.from({ length: 3 * cfg.schema.numeric.length }, (_, i) => (i % 3 === 1 ? 0.5 * rows : rows)), label: Float64Array.of(rows, 6) };
  }
  const evaluation = () => {
    const bins = cfg.job.evaluation.bins;
    const hist = new Float64Array(2 * bins);
    hist[0] = 10; // negatives score low
    hist[1] = 4;
    hist[2 * bins - 1] = 5; // positives score high
    hist[bins] = 1;
    return { hist, loss: Float64Array.of(0.4 * rows, 0.1 * rows, rows, 6) };
  };
  if (task.kind === 'EVALUATE') return evaluation();
  const params = layoutSize(modelLayout(cfg.job.model, inputDim(cfg.schema)));
  const update = { update: Float64Array.from({ length: params }, (_, i) => rows * 0.01 * ((i % 3) - 1)), weight: Float64Array.of(rows), loss: Float64Array.of(0.6 * rows, rows) };
  // A training task that carries the previous round's evaluation gets both, the evaluation's vectors renamed.
  return cfg.evaluates === undefined ? update : joinCarried(update, evaluation());
}

/** A member that serves tasks until stopped. */
export class PlainMember {
  readonly node: ManualNode;
  readonly pushes: Push[] = [];
  private running = true;
  private served: Promise<void> = Promise.resolve();

  constructor(address: string, readonly name: string, private readonly rewrite: Rewrite = (_k, _r, v) => v) {
    this.node = new ManualNode(address, name);
  }

  /** Registers and starts answering tasks. */
  async start(): Promise<void> {
    const hello = await this.node.hello();
    if (!hello.ok) throw new Error(`${this.name}: Hello failed: ${hello.details}`);
    this.served = this.serve();
    // A member whose coordinator went away (a test that failed before stopping it) ends quietly; stop() still waits for it.
    this.served.catch(() => undefined);
  }

  private async serve(): Promise<void> {
    while (this.running) {
      const task = await this.node.pullTask(300);
      if (!task) continue;
      const vectors = this.rewrite(task.kind, task.round, honestVectors(task));
      const outcome = await this.node.call('pushResult', {
        session: this.node.session, taskId: task.taskId, contribution: { vectors: Object.entries(vectors).map(([k, v]) => float64Tensor(k, v)) },
      });
      this.pushes.push({ kind: task.kind, round: task.round, outcome });
    }
  }

  /** Stops serving and closes the channel. */
  async stop(): Promise<void> {
    this.running = false;
    await this.served.catch(() => undefined);
    this.node.close();
  }
}
