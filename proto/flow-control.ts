/**
 * HTTP/2 flow-control windows for long links. HTTP/2 lets a sender have at most one window of
 * unacknowledged bytes in flight per stream and per connection; Node's default is 64 KiB, so a
 * message crosses a link at no more than 64 KiB per round trip — 1.6 MB/s on a 40 ms link,
 * whatever its bandwidth. Measured through sim/wan's shaped link (40 ms RTT, 100 Mbit/s), one
 * 600 kB message took about 660 ms instead of about 90 (docs/wan.md).
 *
 * Clients take the window as the channel option `grpc-node.flow_control_window` (see
 * {@link channelOptions}). grpc-js 1.14 servers ignore that option, so {@link widenServerWindows}
 * sets it on each session a bound server accepts: the stream window in the server's SETTINGS and
 * the connection window by a WINDOW_UPDATE. The window only bounds bytes in flight; a unary
 * message is buffered whole either way, so a wider window costs no memory a message did not.
 */
import type * as http2 from 'node:http2';
import type * as grpc from '@grpc/grpc-js';

/** The window, per stream and per connection: above a 100 Mbit/s × 100 ms link's bandwidth-delay product (1.25 MB). */
export const FLOW_CONTROL_WINDOW = 4 * 1024 * 1024;

/** The part of grpc-js's Server this reaches into: its bound HTTP/2 servers (a private field in grpc-js 1.14). */
interface WithHttp2Servers {
  http2Servers?: Map<http2.Http2Server | http2.Http2SecureServer, unknown>;
}

/**
 * Widens the receive windows of every session `server` (bound already) accepts from now on.
 * Returns false, changing nothing, when the grpc-js in use keeps its HTTP/2 servers elsewhere.
 */
export function widenServerWindows(server: grpc.Server, window: number = FLOW_CONTROL_WINDOW): boolean {
  const servers = (server as unknown as WithHttp2Servers).http2Servers;
  if (!(servers instanceof Map) || servers.size === 0) return false;
  for (const h2 of servers.keys()) {
    if (typeof (h2 as { on?: unknown }).on !== 'function') return false;
    h2.on('session', (session: http2.ServerHttp2Session) => {
      try {
        session.settings({ initialWindowSize: window });
        session.setLocalWindowSize(window);
      } catch {
        // A session that closed before its settings were sent: nothing to widen.
      }
    });
  }
  return true;
}
