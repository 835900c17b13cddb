/**
 * The dashboard a real coordinator serves (startCoordinator with `dashboard`), over HTTP on
 * loopback: who gets in (the roster's operator token, as a Bearer header or once as ?token=
 * for a session cookie), what everyone else gets (401 and no data), that nothing can be written,
 * the security headers, and the refusal to start a dashboard no token could open.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../platform/log.ts';
import { operatorTokenHash } from '../trust/files.ts';
import { RosterSchema } from '../trust/format.ts';
import { DashboardConfigError } from './dashboard-auth.ts';
import type { CoordinatorHandle } from './server.ts';
import { startCoordinator } from './server.ts';

const TOKEN = 'operator-token-for-the-dashboard-test';
const dir = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-dashboard-'));
const logger = createLogger('coordinator', 'silent');
const roster = RosterSchema.parse({
  format: 'fedcredit-roster', version: 1, consortium: 'dashboard-test',
  members: [{ name: 'bank-a', role: 'bank', publicKey: '11'.repeat(32) }],
  operators: [{ name: 'ops', tokenSha256: operatorTokenHash(TOKEN) }],
});

describe('coordinator dashboard over HTTP', () => {
  let c: CoordinatorHandle;
  let url: string;
  beforeAll(async () => {
    c = await startCoordinator({ port: 0, stateDir: path.join(dir, 'a'), roster, logger, dashboard: { port: 0 } });
    url = c.dashboard!.url;
  });
  afterAll(async () => {
    await c?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on loopback and answers 401 without data to anyone without the token', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    for (const [where, headers] of [
      ['/', {}],
      ['/api/state', {}],
      ['/api/state', { authorization: 'Bearer not-the-token' }],
      ['/api/state', { cookie: 'fedcredit_dashboard=made-up-session' }],
      ['/?token=not-the-token', {}],
    ] as const) {
      const res = await fetch(new URL(where, url), { headers, redirect: 'manual' });
      expect(res.status, where).toBe(401);
      const body = await res.text();
      expect(body, where).not.toContain('participants');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('set-cookie')).toBeNull();
    }
  });

  it('serves the state to a Bearer token and the page with its security headers', async () => {
    const res = await fetch(new URL('/api/state', url), { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const state = (await res.json()) as { participants: unknown[]; current: unknown; recent: unknown[] };
    expect(state).toMatchObject({ participants: [], current: null, recent: [] });
    const page = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/connect-src 'self'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('turns ?token= into an HttpOnly SameSite=Strict session cookie and drops it from the address', async () => {
    const res = await fetch(new URL(`/?token=${TOKEN}`, url), { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^fedcredit_dashboard=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\//);
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(';')[0]!;
    expect((await fetch(new URL('/api/state', url), { headers: { cookie: session } })).status).toBe(200);
  });

  it('has no write endpoint and nothing else', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await fetch(new URL('/api/state', url), { method, headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('GET');
    }
    expect((await fetch(new URL('/jobs', url), { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
  });

  it('refuses a dashboard on a coordinator without operator tokens unless one is given', async () => {
    await expect(startCoordinator({ port: 0, stateDir: path.join(dir, 'b'), logger, dashboard: { port: 0 } })).rejects.toThrow(DashboardConfigError);
    const open = await startCoordinator({ port: 0, stateDir: path.join(dir, 'c'), logger, dashboard: { port: 0, token: 'a-dashboard-token-of-some-length' } });
    try {
      expect((await fetch(new URL('/api/state', open.dashboard!.url))).status).toBe(401);
      expect((await fetch(new URL('/api/state', open.dashboard!.url), { headers: { authorization: 'Bearer a-dashboard-token-of-some-length' } })).status).toBe(200);
    } finally {
      await open.stop();
    }
  });
});
