import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startShapedLink } from './shaped-link.ts';
import type { ShapedLink } from './shaped-link.ts';

/** An echo server on loopback. */
async function echoServer(): Promise<{ address: string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

function dial(address: string): Promise<net.Socket> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port: Number(port) }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Sends `payload` through the echo path and resolves with what came back and when the last byte arrived. */
function roundTrip(s: net.Socket, payload: Buffer): Promise<{ back: Buffer; ms: number }> {
  const t0 = performance.now();
  const parts: Buffer[] = [];
  let got = 0;
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      parts.push(d);
      got += d.length;
      if (got >= payload.length) {
        s.off('data', onData);
        resolve({ back: Buffer.concat(parts), ms: performance.now() - t0 });
      }
    };
    s.on('data', onData);
    s.once('error', reject);
    s.write(payload);
  });
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('startShapedLink', () => {
  it('adds the configured delay each way and keeps the bytes in order', async () => {
    const echo = await echoServer();
    cleanup.push(echo.close);
    const link = await startShapedLink({ target: echo.address, up: { latencyMs: 30, bandwidthBps: 1e9 }, down: { latencyMs: 30, bandwidthBps: 1e9 } });
    cleanup.push(link.close);
    const s = await dial(link.address);
    cleanup.push(() => void s.destroy());
    const rtts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const ping = Buffer.from(`ping ${i}`);
      const { back, ms } = await roundTrip(s, ping);
      expect(back.toString()).toBe(`ping ${i}`);
      rtts.push(ms);
    }
    // 60 ms is the floor; a loaded machine adds time, never removes it.
    for (const ms of rtts) expect(ms).toBeGreaterThanOrEqual(59);
    expect(Math.min(...rtts)).toBeLessThan(300);
    const t = link.traffic();
    expect(t).toMatchObject({ connections: 1, bytesUp: 18, bytesDown: 18, flaps: 0 });
  });

  it('limits throughput to the configured bandwidth and delivers a large transfer intact', async () => {
    const echo = await echoServer();
    cleanup.push(echo.close);
    // 1 MiB at 40 Mbit/s is 210 ms on the wire. The echo sends each piece back as it arrives, so
    // the two directions overlap: the floor is one direction's 210 ms plus both delays.
    const shape = { latencyMs: 5, bandwidthBps: 40e6 };
    const link = await startShapedLink({ target: echo.address, up: shape, down: shape });
    cleanup.push(link.close);
    const s = await dial(link.address);
    cleanup.push(() => void s.destroy());
    const payload = randomBytes(1 << 20);
    const { back, ms } = await roundTrip(s, payload);
    expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'));
    const floorMs = ((1 << 20) * 8 * 1000) / 40e6 + 10;
    expect(ms).toBeGreaterThanOrEqual(floorMs - 1);
    expect(ms).toBeLessThan(floorMs * 8);
  });

  it('holds deliveries during a stall', async () => {
    const echo = await echoServer();
    cleanup.push(echo.close);
    // Stalls cover 0..400 ms of every 500 ms: a ping sent at once cannot come back before 400 ms.
    const stalled = { latencyMs: 1, bandwidthBps: 1e9, stall: { everyMs: 500, forMs: 400 } };
    const link = await startShapedLink({ target: echo.address, up: stalled, down: { latencyMs: 1, bandwidthBps: 1e9 } });
    cleanup.push(link.close);
    const s = await dial(link.address);
    cleanup.push(() => void s.destroy());
    const { back, ms } = await roundTrip(s, Buffer.from('stalled'));
    expect(back.toString()).toBe('stalled');
    expect(ms).toBeGreaterThanOrEqual(300);
  });

  it('resets every connection on a flap and accepts new ones afterwards', async () => {
    const echo = await echoServer();
    cleanup.push(echo.close);
    const fast = { latencyMs: 1, bandwidthBps: 1e9 };
    const link: ShapedLink = await startShapedLink({ target: echo.address, up: fast, down: fast });
    cleanup.push(link.close);
    const s = await dial(link.address);
    const closed = new Promise<string>((resolve) => {
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      s.on('close', () => resolve('closed'));
    });
    await roundTrip(s, Buffer.from('before'));
    link.flap();
    expect(await closed).toMatch(/ECONNRESET|closed/);
    const again = await dial(link.address);
    cleanup.push(() => void again.destroy());
    expect((await roundTrip(again, Buffer.from('after'))).back.toString()).toBe('after');
    expect(link.traffic()).toMatchObject({ connections: 2, flaps: 1 });
  });

  it('refuses a target that is not host:port', async () => {
    await expect(startShapedLink({ target: 'nowhere', up: { latencyMs: 1, bandwidthBps: 1 }, down: { latencyMs: 1, bandwidthBps: 1 } })).rejects.toThrow(/"nowhere" is not host:port/);
  });
});
