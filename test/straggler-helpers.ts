/**
 * Helpers for the real-process straggler tests (test/stragglers.test.ts): a gate that holds the job
 * between two rounds, and a fake node that speaks the real Fleet protocol (Hello, Heartbeat,
 * PullTask) but never answers a task. The probe that times every step and acts on a participant
 * at the exact moment a step is handed out is in support/grid-probe.ts.
 */
import * as grpc from '@grpc/grpc-js';
import type { CoordinatorHandle } from '../coordinator/server.ts';
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
