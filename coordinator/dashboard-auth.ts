/**
 * Who may read the coordinator's dashboard: the holders of an operator token — the same tokens
 * the Control API accepts (the roster's `operators[].tokenSha256`), plus, when configured, one
 * explicit dashboard token (the only way to run a dashboard on a coordinator without a roster).
 * A token is compared by its SHA-256 in constant time. A browser presents it once (`?token=`) and
 * gets a random session id in an HttpOnly SameSite=Strict cookie; any client can instead send
 * `Authorization: Bearer <token>` on every request.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A dashboard that no token could open: refused at start. */
export class DashboardConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DashboardConfigError';
  }
}

/** The session cookie's name. */
export const SESSION_COOKIE = 'fedcredit_dashboard';
/** How long a browser session lasts. */
export const SESSION_MS = 12 * 60 * 60 * 1000;
/** Sessions kept at most (the oldest is dropped beyond). */
const MAX_SESSIONS = 1000;
/** Longest token or session id looked at. */
const MAX_CREDENTIAL_CHARS = 512;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** One accepted token: whose it is and its SHA-256. */
export interface AcceptedToken {
  name: string;
  sha256: Buffer;
}

/** The accepted tokens of a dashboard; throws {@link DashboardConfigError} when there is none. */
export function acceptedTokens(operators: readonly { name: string; tokenSha256: string }[], dashboardToken?: string): AcceptedToken[] {
  const out = operators.map((o) => ({ name: o.name, sha256: Buffer.from(o.tokenSha256, 'hex') }));
  if (dashboardToken !== undefined) {
    if (dashboardToken.length < 16) throw new DashboardConfigError('the dashboard token must have at least 16 characters');
    out.push({ name: 'dashboard-token', sha256: sha256(dashboardToken) });
  }
  if (!out.length) {
    throw new DashboardConfigError(
      'the dashboard needs an operator token, and this coordinator has none: without a roster (insecure mode) or with a roster that lists no operators, give a dashboard token (--dashboard-token-file FILE)',
    );
  }
  return out;
}

/** The credential checks and browser sessions of one dashboard. */
export class DashboardAuth {
  private readonly sessions = new Map<string, { operator: string; expires: number }>();

  constructor(private readonly tokens: AcceptedToken[], private readonly now: () => number = Date.now) {}

  /** The operator a token belongs to, or undefined; every accepted digest is compared, in constant time. */
  operatorOfToken(token: string): string | undefined {
    if (token.length === 0 || token.length > MAX_CREDENTIAL_CHARS) return undefined;
    const digest = sha256(token);
    let found: string | undefined;
    for (const t of this.tokens) if (timingSafeEqual(t.sha256, digest) && found === undefined) found = t.name;
    return found;
  }

  /** Starts a browser session for `operator`; returns the session id for the cookie. */
  startSession(operator: string): string {
    const id = randomBytes(32).toString('base64url');
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(sha256(id).toString('hex'), { operator, expires: this.now() + SESSION_MS });
    return id;
  }

  /** The `Set-Cookie` value of a session id. */
  static cookie(id: string): string {
    return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_MS / 1000}`;
  }

  /** The operator a request is authenticated as (Bearer token or session cookie), or undefined. */
  operatorOf(req: IncomingMessage): string | undefined {
    const header = req.headers.authorization;
    if (typeof header === 'string') {
      const token = /^Bearer (\S+)$/.exec(header)?.[1];
      return token === undefined ? undefined : this.operatorOfToken(token);
    }
    const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (id === undefined || id.length > MAX_CREDENTIAL_CHARS) return undefined;
    const key = sha256(id).toString('hex');
    const s = this.sessions.get(key);
    if (!s) return undefined;
    if (s.expires <= this.now()) {
      this.sessions.delete(key);
      return undefined;
    }
    return s.operator;
  }
}

/** The value of cookie `name` in a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}
