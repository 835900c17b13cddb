/**
 * The coordinator command's dashboard flags: `--dashboard PORT` serves the read-only dashboard
 * (coordinator/dashboard-server.ts) on 127.0.0.1 (or `--dashboard-host`); it opens with the
 * roster's operator tokens, and with the token in `--dashboard-token-file` — which a coordinator
 * without a roster (--insecure test networks) must give, or the dashboard is refused.
 */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { acceptedTokens, DashboardConfigError } from '../coordinator/dashboard-auth.ts';
import type { CoordinatorOptions } from '../coordinator/server.ts';
import { loadOperatorToken } from '../trust/files.ts';
import type { Roster } from '../trust/format.ts';
import { UsageError } from './errors.ts';

const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`--dashboard must be a TCP port 0–65535, got "${v}"`);
  return n;
};

/** Adds the dashboard flags to the coordinator command. */
export function addDashboardOptions(cmd: Command): Command {
  return cmd
    .option('--dashboard <port>', 'serve a read-only, token-protected dashboard on this HTTP port (0 = any free port); open it as http://HOST:PORT/?token=OPERATOR_TOKEN', port)
    .option('--dashboard-host <host>', 'interface the dashboard listens on (plain HTTP: keep it on loopback and tunnel)', '127.0.0.1')
    .option('--dashboard-token-file <file>', 'a token that also opens the dashboard (required when the coordinator has no roster, i.e. no operator tokens)');
}

/** The `dashboard` option of startCoordinator from the flags, or nothing; a dashboard no token could open is a usage error. */
export function dashboardFromFlags(o: { dashboard?: number; dashboardHost: string; dashboardTokenFile?: string }, roster: Roster | undefined): Pick<CoordinatorOptions, 'dashboard'> {
  if (o.dashboard === undefined) {
    if (o.dashboardTokenFile) throw new UsageError('--dashboard-token-file needs --dashboard PORT');
    return {};
  }
  const token = o.dashboardTokenFile ? loadOperatorToken(o.dashboardTokenFile) : undefined;
  try {
    acceptedTokens(roster?.operators ?? [], token);
  } catch (err) {
    if (err instanceof DashboardConfigError) throw new UsageError(err.message);
    throw err;
  }
  return { dashboard: { port: o.dashboard, host: o.dashboardHost, ...(token ? { token } : {}) } };
}
