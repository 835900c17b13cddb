/**
 * The coordinator's read-only dashboard over node:http, bound to 127.0.0.1 unless told otherwise:
 *   GET /            the page (./dashboard-page.ts); with `?token=` a valid token starts a
 *                    browser session (HttpOnly SameSite=Strict cookie) and redirects to `/`
 *   GET /api/state   the live snapshot as JSON (./dashboard-state.ts)
 * Every request must be authenticated (./dashboard-auth.ts); one that is not gets 401 and no
 * data. There is no write endpoint: any other method is 405, any other path 404. Every answer
 * carries a content-security policy, `Cache-Control: no-store` and headers against sniffing,
 * framing and referrer leaks. Plain HTTP: for access from another host, tunnel to the loopback
 * port (e.g. ssh -L) rather than binding to a public interface.
 */
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../platform/log.ts';
import { jsonForScript } from '../platform/html-page.ts';
import type { AcceptedToken } from './dashboard-auth.ts';
import { DashboardAuth } from './dashboard-auth.ts';
import { dashboardPage, UNAUTHORIZED_PAGE } from './dashboard-page.ts';
import type { DashboardSource } from './dashboard-state.ts';
import { dashboardState } from './dashboard-state.ts';

/** Where and for whom the dashboard serves. */
export interface DashboardOptions {
  port: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** The tokens that open it (acceptedTokens in ./dashboard-auth.ts). */
  tokens: AcceptedToken[];
  source: DashboardSource;
  log?: Logger;
}

/** A running dashboard. */
export interface DashboardHandle {
  port: number;
  /** Its URL, e.g. http://127.0.0.1:8080/ */
  url: string;
  stop(): Promise<void>;
}

const SECURITY_HEADERS: Record<string, string> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
const DENY_ALL_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}, csp = DENY_ALL_CSP): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Security-Policy': csp, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

/** Starts the dashboard; resolves once it listens. */
export async function startDashboard(o: DashboardOptions): Promise<DashboardHandle> {
  const auth = new DashboardAuth(o.tokens);
  const page = dashboardPage();
  const host = o.host ?? '127.0.0.1';
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    if (req.method !== 'GET') return send(res, 405, 'text/plain; charset=utf-8', 'the dashboard is read-only: GET only\n', { Allow: 'GET' });
    if (url.pathname !== '/' && url.pathname !== '/api/state') return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    const api = url.pathname === '/api/state';
    const token = url.searchParams.get('token');
    if (!api && token !== null) {
      const operator = auth.operatorOfToken(token);
      if (operator === undefined) {
        o.log?.warn('dashboard: refused a token', { remote: req.socket.remoteAddress });
        return send(res, 401, 'text/html; charset=utf-8', UNAUTHORIZED_PAGE);
      }
      o.log?.info('dashboard: session started', { operator, remote: req.socket.remoteAddress });
      // The token leaves the address bar: the cookie carries a session id from here on.
      return send(res, 303, 'text/plain; charset=utf-8', 'see /\n', { Location: '/', 'Set-Cookie': DashboardAuth.cookie(auth.startSession(operator)) });
    }
    if (auth.operatorOf(req) === undefined) {
      return api
        ? send(res, 401, 'application/json; charset=utf-8', '{"error":"not authorized: an operator token is needed"}\n', { 'WWW-Authenticate': 'Bearer realm="fedcredit-dashboard"' })
        : send(res, 401, 'text/html; charset=utf-8', UNAUTHORIZED_PAGE, { 'WWW-Authenticate': 'Bearer realm="fedcredit-dashboard"' });
    }
    if (api) return send(res, 200, 'application/json; charset=utf-8', jsonForScript(dashboardState(o.source)));
    return send(res, 200, 'text/html; charset=utf-8', page.html, {}, page.csp);
  };
  const server = http.createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      o.log?.error('dashboard: request failed', { error: (err as Error).message });
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
    }
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, host, () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
  const shown = host.includes(':') ? `[${host}]` : host;
  if (!['127.0.0.1', '::1', 'localhost'].includes(host)) o.log?.warn('dashboard: bound to a non-loopback interface over plain HTTP; tokens and data cross the network unencrypted', { host });
  return {
    port,
    url: `http://${shown}:${port}/`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
