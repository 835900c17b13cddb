/**
 * The coordinator's checks of who sent a Fleet message:
 *
 * - Hello: the name must be a roster member; the TLS client certificate (when the transport is
 *   TLS) must be issued to that name; the message must be signed by the member's roster key, with
 *   a timestamp within 5 minutes and a nonce never seen before.
 * - Every later message (PullTask, Heartbeat, PushResult): signed by the same key over the
 *   session token and a sequence number that is accepted once (trust/signing.ts ReplayWindow).
 * - PushResult: the job, round, stage and secure-sum run it is signed for must be those of the
 *   open task it answers; a reply to a task that is already closed is stale.
 *
 * Statuses: not a member or a key the roster does not list → PERMISSION_DENIED; a certificate
 * issued to another name → PERMISSION_DENIED; missing or bad signature, replay, stale Hello →
 * UNAUTHENTICATED; a reply signed for another round or stage, or to a closed task →
 * FAILED_PRECONDITION. Without a roster (an `--insecure` test network) nothing is checked.
 */
import * as grpc from '@grpc/grpc-js';
import type { Roster } from '../trust/format.ts';
import { memberKeys } from '../trust/format.ts';
import type { SignedFields, WireAuth } from '../trust/signing.ts';
import { HelloNonces, ReplayWindow, verifyRequest } from '../trust/signing.ts';
import type { MessageAuth__Output } from '../proto/generated/fedcredit/v1/MessageAuth.ts';
import type { ParticipantEntry } from './fleet-grid.ts';
import type { ClosedTask, QueuedTask } from './fleet-tasks.ts';
import { stageName } from './fleet-tasks.ts';

/** A refusal: the gRPC status and what is wrong. */
export interface AuthFailure {
  code: grpc.status;
  details: string;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function wireAuth(a: MessageAuth__Output): WireAuth {
  return { sequence: a.sequence, timestampMs: a.timestampMs, nonce: a.nonce, signature: a.signature, jobId: a.jobId, round: a.round, stage: a.stage, run: a.run };
}

/** Message authentication against a roster (or none, without one). */
export class FleetAuth {
  private readonly keys?: Map<string, Uint8Array>;
  private readonly roles?: Map<string, string>;
  private readonly hellos = new HelloNonces();
  private readonly sessions = new WeakMap<ParticipantEntry, { key: Uint8Array; window: ReplayWindow }>();

  constructor(
    readonly roster: Roster | undefined,
    private readonly now: () => number = Date.now,
  ) {
    if (roster) {
      this.keys = memberKeys(roster);
      this.roles = new Map(roster.members.map((m) => [m.name, m.role]));
    }
  }

  /** The roster's member keys (name → Ed25519 public key), undefined without a roster. */
  get memberKeys(): ReadonlyMap<string, Uint8Array> | undefined {
    return this.keys;
  }

  /** True when messages must be signed (a roster is loaded). */
  get enforced(): boolean {
    return this.keys !== undefined;
  }

  /**
   * Checks a Hello. Returns the member's role from the roster (undefined without a roster), or
   * the refusal.
   */
  hello(req: { name: string; auth?: MessageAuth__Output | null }, peerName: string | undefined, request: object): { role?: string } | AuthFailure {
    const certProblem = this.certificate(req.name, peerName);
    if (certProblem) return certProblem;
    if (!this.keys || !this.roles) return {};
    const key = this.keys.get(req.name);
    if (!key) return { code: grpc.status.PERMISSION_DENIED, details: `"${req.name}" is not a member of consortium "${this.roster!.consortium}" (not in the coordinator's roster)` };
    const a = req.auth;
    if (!a || a.signature.length === 0) {
      return { code: grpc.status.UNAUTHENTICATED, details: `Hello from ${req.name} is not signed; this coordinator requires signed messages (start the participant with --credentials, which holds its identity key)` };
    }
    if (a.publicKey.length > 0 && hex(a.publicKey) !== hex(key)) {
      return { code: grpc.status.PERMISSION_DENIED, details: `Hello from ${req.name} is signed with key ${hex(a.publicKey).slice(0, 16)}…, which the roster does not list for ${req.name} (its key is ${hex(key).slice(0, 16)}…)` };
    }
    if (!verifyRequest(request, 'Hello', req.name, wireAuth(a), key)) {
      return { code: grpc.status.UNAUTHENTICATED, details: `Hello from ${req.name}: the signature does not verify under ${req.name}'s roster key (tampered message or wrong identity file)` };
    }
    const fresh = this.hellos.accept(a.timestampMs, a.nonce, this.now());
    if (fresh) return { code: grpc.status.UNAUTHENTICATED, details: `Hello from ${req.name}: ${fresh}` };
    return { role: this.roles.get(req.name) };
  }

  /** Binds a new session to the member's key (call after a successful Hello). */
  bind(entry: ParticipantEntry): void {
    const key = this.keys?.get(entry.name);
    if (key) this.sessions.set(entry, { key, window: new ReplayWindow() });
  }

  /** Checks a session message's certificate name, signature and sequence number. */
  message(
    entry: ParticipantEntry,
    method: Exclude<SignedFields['method'], 'Hello'>,
    auth: MessageAuth__Output | null | undefined,
    peerName: string | undefined,
    request: object,
  ): AuthFailure | null {
    const certProblem = this.certificate(entry.name, peerName);
    if (certProblem) return certProblem;
    if (!this.keys) return null;
    const s = this.sessions.get(entry);
    if (!s) return { code: grpc.status.UNAUTHENTICATED, details: `${method}: the session of ${entry.name} has no identity key; call Hello again` };
    if (!auth || auth.signature.length === 0) return { code: grpc.status.UNAUTHENTICATED, details: `${method} from ${entry.name} is not signed` };
    if (!verifyRequest(request, method, entry.session, wireAuth(auth), s.key)) {
      return { code: grpc.status.UNAUTHENTICATED, details: `${method} from ${entry.name}: the signature does not verify under ${entry.name}'s roster key for this session (tampered or forged message)` };
    }
    const replay = s.window.accept(auth.sequence);
    if (replay) return { code: grpc.status.UNAUTHENTICATED, details: `${method} from ${entry.name}: ${replay}` };
    return null;
  }

  /**
   * Checks that a signed PushResult answers the task it names: the job, round, stage and run it
   * is signed for are the open task's. A refusal (nothing else in the reply) may be signed with an
   * empty run: a node that cannot read a step's configuration does not know the run, and a signed
   * refusal can only take its own sender out of the task. Without a roster, only whether the task
   * is open.
   */
  task(
    entry: ParticipantEntry,
    auth: MessageAuth__Output | null | undefined,
    info: { open: QueuedTask; participant: string } | { closed: ClosedTask } | undefined,
    taskId: string,
    refusalOnly = false,
  ): AuthFailure | null {
    if (info && 'closed' in info) {
      const c = info.closed;
      return { code: grpc.status.FAILED_PRECONDITION, details: `stale reply from ${entry.name}: task ${taskId} (${c.jobId} round ${c.round}, ${c.stage}) is closed (${c.why})` };
    }
    if (!this.keys || !auth || !info) return null;
    const q = info.open;
    const expected = { jobId: q.jobId, round: q.task.round, stage: stageName(q.task), run: q.task.secagg?.config.run ?? '' };
    if (auth.round !== expected.round && auth.jobId === expected.jobId) {
      return { code: grpc.status.FAILED_PRECONDITION, details: `stale round: ${entry.name} signed this reply for round ${auth.round}, but task ${taskId} is round ${expected.round} of ${q.jobId}` };
    }
    for (const k of ['jobId', 'round', 'stage', 'run'] as const) {
      if (k === 'run' && refusalOnly && auth.run === '') continue;
      if (auth[k] !== expected[k]) {
        return { code: grpc.status.FAILED_PRECONDITION, details: `${entry.name} signed this reply for ${k} "${auth[k]}", but task ${taskId} is ${k} "${expected[k]}"` };
      }
    }
    return null;
  }

  private certificate(name: string, peerName: string | undefined): AuthFailure | null {
    if (peerName === undefined || peerName === name) return null;
    return { code: grpc.status.PERMISSION_DENIED, details: `the TLS client certificate was issued to "${peerName}", but the message claims to come from "${name}"` };
  }
}
