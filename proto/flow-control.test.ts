import * as grpc from '@grpc/grpc-js';
import http2 from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { FLOW_CONTROL_WINDOW, widenServerWindows } from './flow-control.ts';
import { channelOptions } from './load.ts';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

async function boundServer(): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  cleanup.push(() => server.forceShutdown());
  return { server, port };
}

/**
 * What a plain HTTP/2 client (Node's own, not grpc-js) is told by the server within `ms`: the
 * largest stream window any of the server's SETTINGS frames announced, and the connection window
 * it may send into.
 */
async function announced(port: number, ms = 300): Promise<{ streamWindow: number; connectionWindow: number }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  cleanup.push(() => session.destroy());
  let streamWindow = 0;
  session.on('remoteSettings', (s) => {
    streamWindow = Math.max(streamWindow, s.initialWindowSize ?? 0);
  });
  session.on('error', () => undefined);
  await new Promise((r) => setTimeout(r, ms));
  return { streamWindow, connectionWindow: session.state.remoteWindowSize ?? 0 };
}

describe('HTTP/2 flow-control windows', () => {
  it('a server left alone announces 64 KiB windows (the default the widening exists for)', async () => {
    const { port } = await boundServer();
    expect(await announced(port)).toEqual({ streamWindow: 65_535, connectionWindow: 65_535 });
  });

  it('widenServerWindows makes every new session announce the wide stream and connection windows', async () => {
    const { server, port } = await boundServer();
    expect(widenServerWindows(server)).toBe(true);
    const seen = await announced(port);
    expect(seen.streamWindow).toBe(FLOW_CONTROL_WINDOW);
    expect(seen.connectionWindow).toBe(FLOW_CONTROL_WINDOW);
  });

  it('a server not bound yet has nothing to widen and says so', () => {
    const server = new grpc.Server();
    cleanup.push(() => server.forceShutdown());
    expect(widenServerWindows(server)).toBe(false);
  });

  it('clients ask for the same window', () => {
    expect(channelOptions()['grpc-node.flow_control_window']).toBe(FLOW_CONTROL_WINDOW);
  });
});
