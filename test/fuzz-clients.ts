/**
 * The fuzz test's gRPC calls (test/fuzz.test.ts), which resolve with a status instead of
 * throwing: through the typed clients, or through a generic client with identity (Buffer)
 * serializers that puts arbitrary bytes on the wire; and a pool that keeps several in flight.
 */
import * as grpc from '@grpc/grpc-js';
import { channelOptions, loadProto } from '../proto/load.ts';

/** How a call ended: the status code (0 = OK), its details and, on success, the reply. */
export interface Outcome {
  code: grpc.status;
  details: string;
  value?: unknown;
}

/** The RPCs of both services, with their full paths and whether they stream replies. */
export const METHODS = [
  { service: 'Fleet', name: 'Hello', stream: false },
  { service: 'Fleet', name: 'PullTask', stream: false },
  { service: 'Fleet', name: 'PushResult', stream: false },
  { service: 'Fleet', name: 'Heartbeat', stream: false },
  { service: 'Fleet', name: 'Score', stream: false },
  { service: 'Control', name: 'SubmitJob', stream: false },
  { service: 'Control', name: 'GetJobStatus', stream: false },
  { service: 'Control', name: 'WatchJob', stream: true },
  { service: 'Control', name: 'FetchModel', stream: true },
  { service: 'Control', name: 'ListParticipants', stream: false },
] as const;
export type MethodName = (typeof METHODS)[number]['name'];

type AnyClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

/** The client method of an RPC: "Hello" → `hello`; throws when the client has none (a typo in {@link METHODS}). */
function methodOf(client: AnyClient, rpc: string, name: string): (...a: unknown[]) => unknown {
  const fn = client[name];
  if (fn === undefined) throw new Error(`the client has no method ${name} for the RPC ${rpc}`);
  return fn.bind(client);
}
const typedName = (rpc: MethodName) => rpc.charAt(0).toLowerCase() + rpc.slice(1);

/** Typed and raw clients of one coordinator. */
export class FuzzClients {
  readonly fleet: AnyClient;
  readonly control: AnyClient;
  private readonly raw: AnyClient;
  private readonly serializers = new Map<string, (v: unknown) => Buffer>();

  constructor(address: string, readonly callMs = 5000) {
    const P = loadProto().fedcredit.v1;
    const creds = grpc.credentials.createInsecure();
    this.fleet = new P.Fleet(address, creds, channelOptions()) as unknown as AnyClient;
    this.control = new P.Control(address, creds, channelOptions()) as unknown as AnyClient;
    const id = (b: Buffer) => b;
    const def: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
    for (const m of METHODS) {
      def[m.name] = {
        path: `/fedcredit.v1.${m.service}/${m.name}`,
        requestStream: false,
        responseStream: m.stream,
        requestSerialize: id,
        requestDeserialize: id,
        responseSerialize: id,
        responseDeserialize: id,
      };
      const svc = (m.service === 'Fleet' ? P.Fleet.service : P.Control.service) as unknown as Record<string, { requestSerialize: (v: unknown) => Buffer }>;
      const serialize = svc[m.name]?.requestSerialize;
      if (serialize === undefined) throw new Error(`the ${m.service} service has no RPC ${m.name}`);
      this.serializers.set(m.name, serialize);
    }
    const Raw = grpc.makeGenericClientConstructor(def as grpc.ServiceDefinition, 'Raw');
    this.raw = new Raw(address, creds, channelOptions()) as unknown as AnyClient;
  }

  /** The valid protobuf encoding of `request` for `method`. */
  encode(method: MethodName, request: unknown): Buffer {
    return this.serializers.get(method)!(request);
  }

  /**
   * The deadline of a call: `callMs`, and 30 s for requests over 64 KiB (megabyte messages cross
   * HTTP/2 flow-control windows, which take longer while both processes are busy).
   */
  private deadline(size: number): Date {
    return new Date(Date.now() + (size > 65_536 ? Math.max(30_000, this.callMs) : this.callMs));
  }

  /** A unary call through the typed client (`method` as in the service, e.g. "Hello"). */
  unary(method: MethodName, request: unknown): Promise<Outcome> {
    const service = METHODS.find((m) => m.name === method)!.service === 'Fleet' ? this.fleet : this.control;
    const fn = methodOf(service, method, typedName(method));
    return new Promise((resolve) => {
      fn(request, new grpc.Metadata(), { deadline: this.deadline(this.encode(method, request).length) }, (err: grpc.ServiceError | null, value: unknown) =>
        resolve(err ? { code: err.code, details: err.details ?? '' } : { code: grpc.status.OK, details: '', value }),
      );
    });
  }

  /** A server-streaming call through the typed client; `cancelOnData` ends it after the first message (status CANCELLED). */
  stream(method: 'WatchJob' | 'FetchModel', request: unknown, cancelOnData = false): Promise<Outcome & { messages: number }> {
    const fn = methodOf(this.control, method, typedName(method));
    return collect(fn(request, new grpc.Metadata(), { deadline: this.deadline(this.encode(method, request).length) }) as grpc.ClientReadableStream<unknown>, cancelOnData);
  }

  /** Arbitrary bytes as the request of `method` (identity serializers: nothing checks them client-side). */
  rawCall(method: MethodName, bytes: Buffer, cancelOnData = true): Promise<Outcome & { messages?: number }> {
    const m = METHODS.find((x) => x.name === method)!;
    const fn = methodOf(this.raw, method, method);
    const deadline = this.deadline(bytes.length);
    if (m.stream) return collect(fn(bytes, new grpc.Metadata(), { deadline }) as grpc.ClientReadableStream<unknown>, cancelOnData);
    return new Promise((resolve) => {
      fn(bytes, new grpc.Metadata(), { deadline }, (err: grpc.ServiceError | null, value: unknown) =>
        resolve(err ? { code: err.code, details: err.details ?? '' } : { code: grpc.status.OK, details: '', value }),
      );
    });
  }

  close(): void {
    this.fleet.close();
    this.control.close();
    this.raw.close();
  }
}

function collect(call: grpc.ClientReadableStream<unknown>, cancelOnData: boolean): Promise<Outcome & { messages: number }> {
  return new Promise((resolve) => {
    let messages = 0;
    let done = false;
    const finish = (o: Outcome) => {
      if (done) return;
      done = true;
      resolve({ ...o, messages });
    };
    call.on('data', () => {
      messages++;
      if (cancelOnData && messages === 1) call.cancel();
    });
    call.on('error', (err: grpc.ServiceError) => finish({ code: err.code, details: err.details ?? '' }));
    call.on('status', (s: grpc.StatusObject) => finish({ code: s.code, details: s.code === grpc.status.OK ? '' : s.details }));
  });
}

/** Runs `next()` jobs with at most `concurrency` in flight until it returns null. */
export async function pool(concurrency: number, next: () => (() => Promise<void>) | null): Promise<void> {
  const worker = async () => {
    for (let job = next(); job; job = next()) await job();
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
