/**
 * Helpers for the straggler and dropout tests (test/stragglers.test.ts): a probe on the
 * coordinator's Grid that times every secure-aggregation step and acts (kills, stops) on a
 * participant at the exact moment a given step is handed out; a gate that holds the job between
 * two rounds; and a fake node that speaks the real Fleet protocol (Hello, Heartbeat, PullTask) but
 * never answers a task.
 */
import * as grpc from '@grpc/grpc-js';
import type { FleetGrid } from '../coordinator/fleet-grid.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import type { StageTask, StageTasks } from '../core/round/grid.ts';
import { expectedReply } from '../core/round/secure-messages.ts';
import { taskFor } from '../core/round/grid.ts';
import { loadProto, PROTOCOL_VERSION } from '../proto/load.ts';
import { unaryCall } from '../proto/call.ts';
import type { FleetClient } from '../proto/generated/fedcredit/v1/Fleet.ts';
import type { HelloReply__Output } from '../proto/generated/fedcredit/v1/HelloReply.ts';
import type { HeartbeatReply__Output } from '../proto/generated/fedcredit/v1/HeartbeatReply.ts';
import type { PullTaskReply__Output } from '../proto/generated/fedcredit/v1/PullTaskReply.ts';
import type { Task__Output } from '../proto/generated/fedcredit/v1/Task.ts';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `cond` every 50 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function waitUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

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

/**
 * Wraps `grid.run` (the one entry point every secure-aggregation step goes through) to record
 * every step with its wall time, and to run triggers synchronously just before a step's tasks are
 * queued — e.g. SIGKILL a participant that answered every earlier step, so that it is gone during
 * exactly this one. It only observes and delays nothing; `uninstall` restores the grid.
 */
export class GridProbe {
  readonly steps: StepRecord[] = [];
  private readonly triggers: Trigger[] = [];
  private readonly original: FleetGrid['run'];

  constructor(private readonly grid: FleetGrid) {
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
    if (found.length !== 1) throw new Error(`expected one ${kind} ${step} step in round ${round}, saw ${found.length}`);
    return found[0];
  }

  uninstall(): void {
    this.grid.run = this.original;
  }
}

/**
 * Holds the job after it has stored round `round` until `hold` resolves (the engine awaits the
 * store before starting the next round, so the next round sees whoever is connected by then).
 * Used to restart a vanished participant between two rounds without racing the job.
 */
export function holdAfterRound(coord: CoordinatorHandle, jobId: string, round: number, hold: () => Promise<void>): void {
  const rec = coord.jobs.get(jobId);
  if (!rec) throw new Error(`unknown job ${jobId}`);
  const save = rec.store.saveRound.bind(rec.store);
  rec.store.saveRound = async (...args: Parameters<typeof save>) => {
    await save(...args);
    if (args[0].round === round) await hold();
  };
}

/**
 * A node that registers over the real Fleet API, heartbeats and pulls tasks, but never answers
 * one: the straggler that is alive yet hangs. `tasks` lists what it was handed.
 */
export class SilentNode {
  readonly tasks: Task__Output[] = [];
  private readonly client: FleetClient;
  private readonly abort = new AbortController();
  private heartbeat?: NodeJS.Timeout;
  private session = '';
  private loop?: Promise<void>;

  constructor(address: string, readonly name: string, private readonly schemaDigest: string) {
    const Fleet = loadProto().fedcredit.v1.Fleet;
    this.client = new Fleet(address, grpc.credentials.createInsecure());
  }

  /** Registers, then heartbeats and long-polls in the background. */
  async start(): Promise<void> {
    const hello = { name: this.name, role: 'other', clientVersion: '0.1.0', protocolVersion: PROTOCOL_VERSION, schemaDigest: this.schemaDigest };
    const r = await unaryCall<HelloReply__Output>((m, o, cb) => this.client.hello(hello, m, o, cb), 10_000);
    this.session = r.session;
    this.heartbeat = setInterval(() => {
      unaryCall<HeartbeatReply__Output>((m, o, cb) => this.client.heartbeat({ session: this.session }, m, o, cb), 5000, this.abort.signal).catch(() => undefined);
    }, r.heartbeatIntervalMs);
    this.loop = (async () => {
      while (!this.abort.signal.aborted) {
        try {
          const reply = await unaryCall<PullTaskReply__Output>(
            (m, o, cb) => this.client.pullTask({ session: this.session, waitMs: 1000 }, m, o, cb),
            10_000,
            this.abort.signal,
          );
          if (reply.hasTask && reply.task) this.tasks.push(reply.task); // … and never PushResult
        } catch {
          await sleep(100);
        }
      }
    })();
  }

  /** The tasks it was handed, as `<kind> <round> <secure-sum server message>`, e.g. `TRAIN 1 begin`. */
  handed(): string[] {
    return this.tasks.map((t) => `${t.kind} ${t.round} ${t.secagg?.message ?? 'plain'}`);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    clearInterval(this.heartbeat);
    await this.loop;
    this.client.close();
  }
}
