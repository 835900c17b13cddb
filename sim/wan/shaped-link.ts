/**
 * A userspace WAN link for tests and benchmarks: a TCP proxy on 127.0.0.1 that forwards every
 * connection to a target (a coordinator) and delivers the bytes of each direction on the
 * schedule of {@link LinkSchedule} (latency, bandwidth, optional stalls), in order. It sees only
 * TCP bytes, so gRPC, HTTP/2 and TLS pass through untouched. `flap()` (or `flapAtMs`) resets every
 * connection through the link at once, like a link that goes down: what was in flight is lost
 * and both ends see a reset.
 *
 * What it does not model: TCP congestion control over the long path (the proxy reads each side
 * as fast as loopback allows and queues without limit, so there is no slow start and no window
 * limit but HTTP/2's own flow control, which travels end to end through the delays).
 */
import net from 'node:net';
import { LinkSchedule, parseLinkShape } from './link-schedule.ts';
import type { LinkShape } from './link-schedule.ts';

/** Which way bytes travel: from the member to the coordinator ("up") or back ("down"). */
export type LinkDirection = 'up' | 'down';

/** Settings of a shaped link. */
export interface ShapedLinkOptions {
  /** host:port the link forwards to. */
  target: string;
  /** Member → coordinator. */
  up: LinkShape;
  /** Coordinator → member. */
  down: LinkShape;
  /** Reset every connection this many ms after the link started (each entry once). */
  flapAtMs?: number[];
  /** Called for every chunk as it enters the link, before its delay (ms on performance.now()). */
  onSend?: (direction: LinkDirection, atMs: number, bytes: number) => void;
  /** Called for every chunk when it is delivered at the far end (ms on performance.now()). */
  onDeliver?: (direction: LinkDirection, atMs: number, bytes: number) => void;
}

/** Counters of a link since it started. */
export interface LinkTraffic {
  connections: number;
  /** Bytes delivered member → coordinator. */
  bytesUp: number;
  /** Bytes delivered coordinator → member. */
  bytesDown: number;
  /** Times the link was reset (flap). */
  flaps: number;
}

/** A running shaped link. */
export interface ShapedLink {
  /** 127.0.0.1:port: dial this instead of the target. */
  address: string;
  traffic(): LinkTraffic;
  /** Resets every connection through the link now. */
  flap(): void;
  /** Changes the shape of both directions for every connection, from now on. */
  reshape(up: LinkShape, down: LinkShape): void;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** Largest piece scheduled at once: big reads are cut so a long transfer streams instead of arriving in 64 KiB lumps. */
const PIECE_BYTES = 16 * 1024;

/** One direction of one connection: queues what `from` sends and writes it to `to` when due. */
class Pump {
  private readonly queue: Array<{ at: number; chunk: Buffer | null }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly schedule: LinkSchedule,
    private readonly to: net.Socket,
    private readonly delivered: (atMs: number, bytes: number) => void,
  ) {}

  /** Queues `data` for delivery. */
  send(data: Buffer): void {
    for (let i = 0; i < data.length; i += PIECE_BYTES) {
      const chunk = data.subarray(i, Math.min(data.length, i + PIECE_BYTES));
      this.queue.push({ at: this.schedule.deliveryTime(performance.now(), chunk.length), chunk });
    }
    this.arm();
  }

  /** Ends the far side after everything queued so far is delivered. */
  end(): void {
    const last = this.queue[this.queue.length - 1];
    this.queue.push({ at: last ? last.at : performance.now(), chunk: null });
    this.arm();
  }

  /** Drops what is queued. */
  discard(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }

  private arm(): void {
    if (this.timer || this.queue.length === 0) return;
    const wait = Math.max(0, this.queue[0]!.at - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  private flush(): void {
    // Timers fire up to a millisecond early or late; a piece due within half a millisecond goes now.
    const now = performance.now() + 0.5;
    while (this.queue.length > 0 && this.queue[0]!.at <= now) {
      const { chunk } = this.queue.shift()!;
      if (this.to.destroyed) return this.discard();
      if (chunk === null) this.to.end();
      else {
        this.to.write(chunk);
        this.delivered(performance.now(), chunk.length);
      }
    }
    this.arm();
  }
}

function parseTarget(target: string): { host: string; port: number } {
  const m = /^(?:\[(.+)\]|([^:]+)):(\d+)$/.exec(target);
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`shaped link target "${target}" is not host:port`);
  return { host: m[1] ?? m[2]!, port };
}

/** Starts a shaped link to `o.target` on 127.0.0.1 (a free port). */
export async function startShapedLink(o: ShapedLinkOptions): Promise<ShapedLink> {
  const target = parseTarget(o.target);
  let shapes = { up: o.up, down: o.down };
  for (const d of ['up', 'down'] as const) parseLinkShape(shapes[d]);
  const started = performance.now();
  const traffic: LinkTraffic = { connections: 0, bytesUp: 0, bytesDown: 0, flaps: 0 };
  const live = new Set<{ member: net.Socket; coordinator: net.Socket; pumps: Pump[]; schedules: { up: LinkSchedule; down: LinkSchedule } }>();

  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (member) => {
    traffic.connections++;
    const coordinator = net.connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true });
    const opened = performance.now();
    const schedules = { up: new LinkSchedule(shapes.up, opened), down: new LinkSchedule(shapes.down, opened) };
    const up = new Pump(schedules.up, coordinator, (at, bytes) => {
      traffic.bytesUp += bytes;
      o.onDeliver?.('up', at, bytes);
    });
    const down = new Pump(schedules.down, member, (at, bytes) => {
      traffic.bytesDown += bytes;
      o.onDeliver?.('down', at, bytes);
    });
    const conn = { member, coordinator, pumps: [up, down], schedules };
    live.add(conn);
    const teardown = () => {
      if (!live.delete(conn)) return;
      up.discard();
      down.discard();
      member.destroy();
      coordinator.destroy();
    };
    member.on('data', (d: Buffer) => {
      up.send(d);
      o.onSend?.('up', performance.now(), d.length);
    });
    coordinator.on('data', (d: Buffer) => {
      down.send(d);
      o.onSend?.('down', performance.now(), d.length);
    });
    member.on('end', () => up.end());
    coordinator.on('end', () => down.end());
    for (const s of [member, coordinator]) {
      s.on('error', teardown);
      s.on('close', () => {
        // Closed after both halves ended: the other side closes once its queue has drained.
        if (member.destroyed && coordinator.destroyed) live.delete(conn);
      });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => undefined);

  const flap = () => {
    traffic.flaps++;
    for (const c of [...live]) {
      live.delete(c);
      for (const p of c.pumps) p.discard();
      c.member.resetAndDestroy();
      c.coordinator.resetAndDestroy();
    }
  };
  const timers = (o.flapAtMs ?? []).map((ms) => setTimeout(flap, Math.max(0, started + ms - performance.now())));
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    traffic: () => ({ ...traffic }),
    flap,
    reshape: (up, down) => {
      shapes = { up, down };
      for (const c of live) {
        c.schedules.up.reshape(up);
        c.schedules.down.reshape(down);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        for (const c of [...live]) {
          for (const p of c.pumps) p.discard();
          c.member.destroy();
          c.coordinator.destroy();
        }
        live.clear();
        server.close(() => resolve());
      }),
  };
}
