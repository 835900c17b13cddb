/**
 * A Control API client for an operator command, loaded when the command runs: gRPC, TLS and the
 * credential files are imported here, on first use, so that merely starting `fedcredit` (for
 * `--help`, `privacy`, `certs`…) does not load them.
 */
import type { ControlClient } from '../client/control-client.ts';
import type { TransportFlags } from './transport-options.ts';

/** Warnings about the transport go to stderr, one line each. */
const warn = (l: string) => process.stderr.write(`${l}\n`);

/** Opens a client to `coordinator` with the command's transport flags (mutual TLS, operator token). */
export async function connectControl(coordinator: string, o: TransportFlags): Promise<ControlClient> {
  const [{ ControlClient }, { controlOptionsFrom }] = await Promise.all([import('../client/control-client.ts'), import('./transport.ts')]);
  return new ControlClient(coordinator, controlOptionsFrom(o, warn));
}
