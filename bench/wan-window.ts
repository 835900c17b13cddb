/**
 * The HTTP/2 flow-control window's effect on one large message across a shaped link (part of
 * `npm run bench:wan`): a bare gRPC service on 127.0.0.1 behind a sim/wan link, one unary call
 * carrying `bytes` up (request) and one carrying them down (response), with Node's default 64 KiB
 * windows and with the windows fedcredit sets (proto/flow-control.ts). Medians of `reps` calls.
 */
import * as grpc from '@grpc/grpc-js';
import { FLOW_CONTROL_WINDOW, widenServerWindows } from '../proto/flow-control.ts';
import type { LinkShape } from '../sim/wan/link-schedule.ts';
import { startShapedLink } from '../sim/wan/shaped-link.ts';
import { median } from './stats.ts';

/** Milliseconds of one upload and one download of the message, per window setting. */
export interface WindowBench {
  bytes: number;
  /** One RTT plus the message's serialization time at the link's bandwidth. */
  floorMs: number;
  defaultWindow: { uploadMs: number; downloadMs: number };
  wideWindow: { uploadMs: number; downloadMs: number };
}

const raw = (b: Buffer) => b;
const SERVICE = {
  send: { path: '/bench.Window/Send', requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw },
} as const;
const LIMITS = { 'grpc.max_receive_message_length': 1 << 28, 'grpc.max_send_message_length': 1 << 28 };

async function measure(bytes: number, shape: LinkShape, wide: boolean, reps: number): Promise<{ uploadMs: number; downloadMs: number }> {
  const server = new grpc.Server(LIMITS);
  // A large request gets a small answer; a small request gets `bytes` back.
  server.addService(SERVICE as unknown as grpc.ServiceDefinition, {
    send: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, call.request.length > 1 ? Buffer.alloc(1) : Buffer.alloc(bytes)),
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  if (wide && !widenServerWindows(server)) throw new Error('this grpc-js server cannot be widened');
  const link = await startShapedLink({ target: `127.0.0.1:${port}`, up: shape, down: shape });
  const Client = grpc.makeGenericClientConstructor(SERVICE as unknown as grpc.ServiceDefinition, 'Window');
  const client = new Client(link.address, grpc.credentials.createInsecure(), { ...LIMITS, ...(wide ? { 'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW } : {}) }) as unknown as {
    send: (b: Buffer, cb: (e: grpc.ServiceError | null) => void) => void;
    close: () => void;
  };
  const call = (b: Buffer) =>
    new Promise<number>((resolve, reject) => {
      const t0 = performance.now();
      client.send(b, (e) => (e ? reject(e) : resolve(performance.now() - t0)));
    });
  try {
    await call(Buffer.alloc(1)); // connects
    const up: number[] = [];
    const down: number[] = [];
    for (let i = 0; i < reps; i++) {
      up.push(await call(Buffer.alloc(bytes)));
      down.push(await call(Buffer.alloc(1)));
    }
    return { uploadMs: median(up), downloadMs: median(down) };
  } finally {
    client.close();
    await link.close();
    server.forceShutdown();
  }
}

/** Runs the window comparison over a link of `rttMs` and `mbps` each way. */
export async function runWindowBench(o: { bytes: number; rttMs: number; mbps: number; reps: number }): Promise<WindowBench> {
  const shape: LinkShape = { latencyMs: o.rttMs / 2, bandwidthBps: o.mbps * 1e6 };
  return {
    bytes: o.bytes,
    floorMs: o.rttMs + (o.bytes * 8 * 1000) / (o.mbps * 1e6),
    defaultWindow: await measure(o.bytes, shape, false, o.reps),
    wideWindow: await measure(o.bytes, shape, true, o.reps),
  };
}
