/**
 * Promise wrapper for unary gRPC client calls with a deadline and cancellation: every call has a
 * deadline, and an AbortSignal cancels it.
 */
import * as grpc from '@grpc/grpc-js';

type Invoke<Res> = (
  meta: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res?: Res) => void,
) => grpc.ClientUnaryCall;

/**
 * Runs one unary call with a deadline, rejecting with the gRPC ServiceError on failure, e.g.
 * `unaryCall<HelloReply__Output>((m, o, cb) => client.hello(req, m, o, cb), 5000)`.
 */
export function unaryCall<Res>(invoke: Invoke<Res>, timeoutMs: number, signal?: AbortSignal): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('cancelled'));
    const call = invoke(new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(res as Res);
    });
    const onAbort = () => call.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
/** True for errors worth retrying after a pause (coordinator down or restarting, deadline hit). */
export function isTransient(err: unknown): boolean {
  const code = (err as grpc.ServiceError | undefined)?.code;
  return code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED || code === grpc.status.RESOURCE_EXHAUSTED;
}
