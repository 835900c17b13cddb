/**
 * A hand-driven Fleet client for tests of the coordinator's checks: it speaks the real protocol
 * over real gRPC (optionally mutual TLS) and signs like a participant node (trust/signing.ts),
 * but every request can be altered, re-sent or signed for the wrong task before it goes out.
 */
import * as grpc from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { tlsChannelOptions } from '../trust/tls.ts';
import { channelOptions, loadProto, PROTOCOL_VERSION } from '../proto/load.ts';
import type { FleetClient } from '../proto/generated/fedcredit/v1/Fleet.ts';
import type { Task__Output } from '../proto/generated/fedcredit/v1/Task.ts';
import type { Identity } from '../trust/format.ts';
import type { Binding, SignedFields, WireAuth } from '../trust/signing.ts';
import { signFleetRequest } from '../trust/signing.ts';
import { taskBinding } from '../participant/node.ts';

type Method = 'hello' | 'pullTask' | 'pushResult' | 'heartbeat';

/** The outcome of one call: the reply, or the gRPC status code and details. */
export type Outcome = { ok: true; reply: Record<string, unknown> } | { ok: false; code: number; details: string };

/** A Fleet client whose requests the test controls. */
export class ManualNode {
  readonly client: FleetClient;
  session = '';
  sequence = 0;

  constructor(
    address: string,
    readonly name: string,
    readonly identity?: Identity,
    credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
  ) {
    const Fleet = loadProto().fedcredit.v1.Fleet;
    this.client = new Fleet(address, credentials, { ...channelOptions(), ...tlsChannelOptions(address) });
  }

  /** Sends a request as is. */
  call(method: Method, request: object, timeoutMs = 10_000): Promise<Outcome> {
    return new Promise((resolve) => {
      const fn = (this.client[method] as unknown as (r: object, o: grpc.CallOptions, cb: grpc.requestCallback<Record<string, unknown>>) => void).bind(this.client);
      fn(request, { deadline: Date.now() + timeoutMs }, (err, reply) =>
        resolve(err ? { ok: false, code: err.code, details: err.details } : { ok: true, reply: reply as Record<string, unknown> }),
      );
    });
  }

  /** Signs a request as a node would (Hello: by name with a fresh nonce; later: by session and the next sequence number). */
  sign<T extends object>(method: SignedFields['method'], request: T, binding: Partial<Binding & Pick<SignedFields, 'sequence'>> = {}, key = this.identity): T & { auth: WireAuth & { publicKey?: Uint8Array } } {
    if (!key) throw new Error('no identity to sign with');
    const hello = method === 'Hello';
    return signFleetRequest(request, method, {
      name: this.name, session: this.session, sequence: binding.sequence ?? (hello ? 0 : ++this.sequence), binding, key,
      nonce: new Uint8Array(randomBytes(16)), now: Date.now(),
    });
  }


  /** A Hello request for this node. */
  helloRequest(role = 'bank'): { name: string; role: string; clientVersion: string; protocolVersion: number; schemaDigest: string } {
    // No schema digest: the coordinator does not compare an empty one, so jobs select this node.
    return { name: this.name, role, clientVersion: 'test', protocolVersion: PROTOCOL_VERSION, schemaDigest: '' };
  }

  /** Registers (signed when the node has an identity); keeps the session. */
  async hello(): Promise<Outcome> {
    const req = this.helloRequest();
    const r = await this.call('hello', this.identity ? this.sign('Hello', req) : req);
    if (r.ok) {
      this.session = r.reply.session as string;
      this.sequence = 0;
    }
    return r;
  }

  /** Long-polls for a task until one arrives or `untilMs` passes. */
  async pullTask(untilMs = 20_000): Promise<Task__Output | undefined> {
    const end = Date.now() + untilMs;
    while (Date.now() < end) {
      const req = { session: this.session, waitMs: 1000 };
      const r = await this.call('pullTask', this.identity ? this.sign('PullTask', req) : req);
      if (!r.ok) throw new Error(`PullTask failed: ${r.details}`);
      if (r.reply.hasTask) return r.reply.task as Task__Output;
    }
    return undefined;
  }

  /** A signed refusal of `task` (a small, always well-formed reply), bound to the task unless overridden. */
  refusal(task: Task__Output, binding: Partial<Binding & Pick<SignedFields, 'sequence'>> = {}): object {
    const req = { session: this.session, taskId: task.taskId, refusal: { code: 'test', reason: 'a test refusal' } };
    return this.sign('PushResult', req, { ...taskBinding(task), ...binding });
  }

  close(): void {
    this.client.close();
  }
}
