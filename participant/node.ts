/**
 * The participant's fleet client: dials the coordinator (outbound only), registers, long-polls
 * for tasks, runs them through the handler chain and pushes results; heartbeats in the
 * background. Transient errors (coordinator restarting) are retried with capped backoff.
 */
import * as grpc from '@grpc/grpc-js';
import { channelOptions, loadProto, PROTOCOL_VERSION } from '../proto/load.ts';
import { isTransient, unaryCall } from '../proto/call.ts';
import type { FleetClient } from '../proto/generated/fedcredit/v1/Fleet.ts';
import type { Task__Output } from '../proto/generated/fedcredit/v1/Task.ts';
import type { PushResultRequest } from '../proto/generated/fedcredit/v1/PushResultRequest.ts';
import type { PushResultReply__Output } from '../proto/generated/fedcredit/v1/PushResultReply.ts';
import type { PullTaskReply__Output } from '../proto/generated/fedcredit/v1/PullTaskReply.ts';
import type { HelloReply__Output } from '../proto/generated/fedcredit/v1/HelloReply.ts';
import type { HeartbeatReply__Output } from '../proto/generated/fedcredit/v1/HeartbeatReply.ts';
import { Heartbeats } from './heartbeat.ts';
import type { Envelope, VerticalHandler } from '../core/vertical/messages.ts';
import type { ScoreReply__Output } from '../proto/generated/fedcredit/v1/ScoreReply.ts';
import type { Logger } from '../platform/log.ts';
import type { TaskHandler } from './handler.ts';
import { answerTask, taskBinding } from './task-answer.ts';
import { sendWithResend } from './resend.ts';

export { parseTask } from './task-parse.ts';
export { taskBinding } from './task-answer.ts';
import { randomBytes } from 'node:crypto';
import type { Identity } from '../trust/format.ts';
import { signFleetRequest } from '../trust/signing.ts';
import { tlsChannelOptions } from '../trust/tls.ts';
import { classifyDialFailure, describeDialFailure, type DialFailureKind } from '../trust/tls-failure.ts';
import type { Binding, SignedFields } from '../trust/signing.ts';

/** How a node gets its next task after answering one ({@link NodeOptions.nextTask}). */
export type NextTaskMode = 'push-reply' | 'pull-beside-push' | 'pull-after-push';

/** Settings of a participant node. */
export interface NodeOptions {
  coordinator: string;
  name: string;
  role: string;
  schemaDigest: string;
  handler: TaskHandler;
  log: Logger;
  maxMessageBytes?: number;
  pollWaitMs?: number;
  callTimeoutMs?: number;
  /** Transport credentials (mutual TLS, trust/tls.ts); default plaintext, for `--insecure` test networks. */
  credentials?: grpc.ChannelCredentials;
  /** The institution's Ed25519 identity: every message is signed with it (coordinators with a roster require this). */
  identity?: Identity;
  /** Runs the steps of vertical jobs (participant/vertical/party.ts); without it, this node refuses them. */
  vertical?: VerticalHandler;
  /**
   * How the node gets its next task after answering one (docs/wan.md):
   * - `push-reply` (default): the PushResult asks the coordinator to hold its reply for the next
   *   task (a long poll in the reply), so each step costs one signed call instead of two;
   * - `pull-beside-push`: a PullTask long poll sent right behind the PushResult;
   * - `pull-after-push`: a PullTask once the PushResult is answered (one round trip more per
   *   step on a long link). The last two only to measure the difference.
   */
  nextTask?: NextTaskMode;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

/** The coordinator will not accept this node (membership, key, certificate): the node stops. */
export class FleetRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FleetRefusedError';
  }
}

/** A participant connected to one coordinator. */
export class ParticipantNode {
  private readonly client: FleetClient;
  /**
   * A second connection, for heartbeats only: on a slow uplink a heartbeat sent on the first
   * would wait behind whatever large answer is still being uploaded there (an HTTP/2 connection
   * is one ordered byte stream), and the coordinator would drop a node that is busy sending.
   */
  private readonly beats: FleetClient;
  private readonly abort = new AbortController();
  private session = '';
  private sequence = 0;
  private readonly heartbeats = new Heartbeats();
  /** The cause of the last failed dial, so that a cause is logged once, not at every retry. */
  private lastDialFailure?: DialFailureKind;
  /** Number of tasks answered (contribution or refusal) whose answer the coordinator accepted. */
  tasksDone = 0;
  /**
   * Number of answers sent. Ahead of {@link tasksDone} while a PushResult's reply is held for the
   * next task (by one at most, as the node answers one task at a time).
   */
  tasksSent = 0;

  constructor(private readonly opts: NodeOptions) {
    const Fleet = loadProto().fedcredit.v1.Fleet;
    // A connection of its own, as a separate institution has, also when several nodes share a
    // process (simulations, benchmarks): grpc-js otherwise pools identical channels of a process
    // onto one HTTP/2 connection.
    const ownConnection = { 'grpc.use_local_subchannel_pool': 1 };
    const credentials = opts.credentials ?? grpc.credentials.createInsecure();
    const options = { ...channelOptions(opts.maxMessageBytes), ...tlsChannelOptions(opts.coordinator), ...ownConnection };
    this.client = new Fleet(opts.coordinator, credentials, options);
    this.beats = new Fleet(opts.coordinator, credentials, options);
  }

  /** Adds the signature block to a request (no-op without an identity). */
  private signed<T extends object>(method: SignedFields['method'], request: T, binding?: Binding): T {
    if (method === 'PullTask' || method === 'PushResult') this.heartbeats.noteSent(Date.now());
    const id = this.opts.identity;
    if (!id) return request;
    const hello = method === 'Hello';
    return signFleetRequest(request, method, {
      name: id.name, session: this.session, sequence: hello ? 0 : ++this.sequence, binding, key: id,
      nonce: hello ? new Uint8Array(randomBytes(16)) : new Uint8Array(0), now: Date.now(),
    });
  }

  /** How long the coordinator may hold a long poll for this node's next task. */
  private pollWaitMs(): number {
    return this.opts.pollWaitMs ?? 10_000;
  }

  /** One long-poll PullTask call. */
  private pull(): Promise<PullTaskReply__Output> {
    const waitMs = this.pollWaitMs();
    return unaryCall<PullTaskReply__Output>(
      (m, o, cb) => this.client.pullTask(this.signed('PullTask', { session: this.session, waitMs }), m, o, cb),
      waitMs + 15_000,
      this.abort.signal,
    );
  }

  /**
   * Runs until {@link stop} is called. After answering a task the node does not wait for the
   * PushResult's acknowledgement before asking for more: by default the PushResult itself asks the
   * coordinator to hold its reply until the next task, so the coordinator hands out the next step
   * the moment the stage's last reply arrives, with no other round trip (on a WAN link this halves
   * the time a secure sum's steps spend on the network) and one signed call per step.
   */
  async run(): Promise<void> {
    const { log } = this.opts;
    const signal = this.abort.signal;
    let backoff = 200;
    // The long poll started beside the last PushResult, if any: the next reply to wait for.
    let next: Promise<PullTaskReply__Output> | undefined;
    while (!signal.aborted) {
      try {
        if (!this.session) {
          // A poll of a replaced session gets nothing: the coordinator drops its waiters.
          next = undefined;
          await this.register();
        }
        const poll = next ?? this.pull();
        next = undefined;
        const reply = await poll;
        backoff = 200;
        if (reply.reregister) {
          log.warn('coordinator does not know this session; registering again');
          this.session = '';
        } else if (reply.hasTask && reply.task) {
          const answered = await this.execute(reply.task);
          next = answered.next;
          await answered.pushed;
        }
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof FleetRefusedError) {
          this.stop();
          throw err;
        }
        const code = (err as grpc.ServiceError).code;
        if (code === grpc.status.PERMISSION_DENIED) {
          // A certificate issued to another name, or a key the roster does not list: retrying cannot help.
          this.stop();
          throw new FleetRefusedError(`the coordinator refused this node: ${(err as grpc.ServiceError).details ?? (err as Error).message}`);
        }
        if (code === grpc.status.UNAUTHENTICATED) {
          // A later message of an expired or replaced session (e.g. after the process was paused
          // past the heartbeat timeout): a fresh Hello fixes it. A refused Hello never gets here.
          log.warn('the coordinator did not accept a signed message; registering again', { error: (err as grpc.ServiceError).details });
          this.session = '';
        } else if (!isTransient(err)) log.error('fleet call failed', { error: (err as Error).message });
        else this.logDialFailure(err as grpc.ServiceError, backoff);
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  /**
   * Logs why a call could not reach the coordinator: a TLS problem (wrong CA, host name, expired
   * certificate, refused client certificate) as a warning with what to check, once per change of
   * cause; a coordinator that is not up yet once at info, and each retry at debug.
   */
  private logDialFailure(err: grpc.ServiceError, backoffMs: number): void {
    const { log } = this.opts;
    const f = classifyDialFailure(err.details ?? err.message, this.opts.credentials?._isSecure() === true);
    if (f.kind !== this.lastDialFailure) {
      this.lastDialFailure = f.kind;
      if (f.tls) log.warn(describeDialFailure(f), { coordinator: this.opts.coordinator, cause: f.kind });
      else if (f.kind === 'unreachable') log.info('waiting for the coordinator (not up yet or unreachable); retrying', { coordinator: this.opts.coordinator, error: f.cause });
      else log.info(describeDialFailure(f), { coordinator: this.opts.coordinator });
    }
    log.debug('coordinator unreachable, retrying', { backoffMs, cause: f.kind });
  }

  /**
   * Asks the coordinator to relay a score request of a trained vertical job to its feature
   * parties (this node must be the job's label holder); resolves with their sealed parts and who
   * failed. Rejects when the coordinator refuses the request.
   */
  async score(r: { jobId: string; request: string; envelopes: Envelope[]; deadlineMs: number }): Promise<{ envelopes: Envelope[]; failures: Array<{ participant: string; reason: string }> }> {
    if (!this.session) await this.register();
    const req = this.signed(
      'Score',
      { session: this.session, jobId: r.jobId, requestId: r.request, envelopes: r.envelopes.map((e) => ({ peer: e.peer, data: Buffer.from(e.data) })), deadlineMs: r.deadlineMs },
      { jobId: r.jobId, round: 0, stage: 'score', run: r.request },
    );
    const reply = await unaryCall<ScoreReply__Output>((m, o, cb) => this.client.score(req, m, o, cb), r.deadlineMs + 10_000, this.abort.signal);
    return {
      envelopes: reply.envelopes.map((e) => ({ peer: e.peer, data: new Uint8Array(e.data) })),
      failures: reply.failures.map((f) => ({ participant: f.participant, reason: f.reason })),
    };
  }

  /** Stops polling and heartbeats and closes the channel. */
  stop(): void {
    this.abort.abort();
    this.heartbeats.stop();
    this.client.close();
    this.beats.close();
  }

  /** One signed heartbeat for `session`, on the heartbeat connection. */
  private sendHeartbeat(session: string, timeoutMs: number): Promise<HeartbeatReply__Output> {
    return unaryCall<HeartbeatReply__Output>((m, o, cb) => this.beats.heartbeat(this.signed('Heartbeat', { session }), m, o, cb), timeoutMs, this.abort.signal);
  }

  private async register(): Promise<void> {
    const o = this.opts;
    const hello = this.signed('Hello', { name: o.name, role: o.role, clientVersion: '0.1.0', protocolVersion: PROTOCOL_VERSION, schemaDigest: o.schemaDigest });
    let r: HelloReply__Output;
    try {
      r = await unaryCall<HelloReply__Output>((m, opts, cb) => this.client.hello(hello, m, opts, cb), o.callTimeoutMs ?? 10_000, this.abort.signal);
    } catch (err) {
      const code = (err as grpc.ServiceError).code;
      // Not a member, a key or certificate the roster does not match, an unsigned or stale Hello,
      // another protocol version: the same Hello would be refused again.
      if (code === grpc.status.PERMISSION_DENIED || code === grpc.status.UNAUTHENTICATED || code === grpc.status.FAILED_PRECONDITION) {
        throw new FleetRefusedError(`the coordinator refused this node: ${(err as grpc.ServiceError).details ?? (err as Error).message}`);
      }
      throw err;
    }
    if (r.protocolVersion !== PROTOCOL_VERSION) {
      throw new FleetRefusedError(`the coordinator speaks protocol version ${r.protocolVersion}; this node speaks version ${PROTOCOL_VERSION}`);
    }
    this.session = r.session;
    this.sequence = 0;
    this.lastDialFailure = undefined;
    o.log.info('registered with coordinator', { coordinator: o.coordinator, participantId: r.participantId });
    const session = r.session;
    this.heartbeats.start(
      r.heartbeatIntervalMs,
      // A session this node has given up (answered "unknown") gets no more heartbeats: the next Hello starts new ones.
      () => (this.session !== session
        ? Promise.resolve({ known: true })
        : this.sendHeartbeat(session, Math.max(1000, r.heartbeatIntervalMs * 2))),
      () => {
        if (this.session === session) this.session = '';
      },
    );
  }

  /**
   * Computes the answer to a task and sends it; returns the PushResult (`pushed`) and the next
   * task's long poll: the PushResult's own reply (a PullTask when that reply holds no task), or a
   * PullTask sent right behind the push or once it is answered ({@link NodeOptions.nextTask}).
   */
  private async execute(t: Task__Output): Promise<{ pushed: Promise<void>; next: Promise<PullTaskReply__Output> }> {
    const { log } = this.opts;
    const started = Date.now();
    const answer = await answerTask(t, { name: this.opts.name, handler: this.opts.handler, vertical: this.opts.vertical });
    const mode = this.opts.nextTask ?? 'push-reply';
    const waitMs = mode === 'push-reply' ? this.pollWaitMs() : 0;
    const req: PushResultRequest = { session: this.session, taskId: t.taskId, ...answer.fields, ...(waitMs > 0 ? { nextWaitMs: waitMs } : {}) };
    const summary = answer.summary;
    const ms = Date.now() - started;
    const push = this.push(req, t, waitMs);
    this.tasksSent++;
    let next: Promise<PullTaskReply__Output>;
    if (mode === 'pull-beside-push') next = this.pull();
    else if (mode === 'pull-after-push') next = push.then(() => this.pull());
    // A PullTask when the reply holds no task (its wait ran out, the answer went twice, the
    // coordinator does not hold replies) or the push failed (as a poll beside it would go on).
    else next = push.then((r) => (r?.hasTask && r.task ? { hasTask: true, task: r.task, reregister: false } : this.pull()), () => this.pull());
    // Awaited by run(), possibly only after the push failed: never an unhandled rejection.
    next.catch(() => undefined);
    // Logged as the answer goes out: a push's reply may be held until the next task comes.
    if (req.refusal) {
      // The reason names the rule (a policy field, the budget, the schema): the operator sees why
      // this node takes no part without reading the task's fields.
      log.warn(`refused a task of job ${t.jobId}: ${req.refusal.reason}`, { task: t.taskId, round: t.round, kind: t.kind, code: req.refusal.code });
    } else {
      // A vertical job runs hundreds of short steps: they are logged at debug level.
      log[t.kind === 'VERTICAL' ? 'debug' : 'info']('task answered', { task: t.taskId, job: t.jobId, round: t.round, kind: t.kind, ms, result: summary });
    }
    const pushed = push.then(() => {
      this.tasksDone++;
    });
    return { pushed, next };
  }

  /**
   * Sends the answer to `t`, again if the connection drops under it (participant/resend.ts);
   * resolves with the coordinator's reply (undefined when a resent copy found the answer already
   * in). With `waitMs` > 0 the reply may be held that long for the next task.
   */
  private push(req: PushResultRequest, t: Task__Output, waitMs: number): Promise<PushResultReply__Output | undefined> {
    const timeoutMs = Math.max(this.opts.callTimeoutMs ?? 60_000, waitMs + 15_000);
    return sendWithResend(
      () => {
        // Signed afresh for every copy: each needs its own sequence number.
        const signedReq = this.signed('PushResult', req, taskBinding(t));
        return unaryCall<PushResultReply__Output>((m, o, cb) => this.client.pushResult(signedReq, m, o, cb), timeoutMs, this.abort.signal);
      },
      {
        deadlineMs: t.deadlineUnixMs > 0 ? t.deadlineUnixMs : Date.now() + 60_000, signal: this.abort.signal, log: this.opts.log, task: t.taskId,
        sessionKnown: async () => {
          const session = req.session ?? '';
          return (await this.sendHeartbeat(session, 5000)).known;
        },
      },
    );
  }
}
