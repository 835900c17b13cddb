/**
 * An authenticated consortium whose members reach the coordinator over shaped links: a throwaway
 * CA, certificates, identity keys and roster (trust/certs.ts), a coordinator with mutual TLS and
 * that roster on 127.0.0.1, one {@link startShapedLink} per member in front of it, and one
 * in-process participant node per member (the production handler chain: error-to-refusal, schema
 * check, authenticated secure aggregation, the local tfjs trainer) dialling its own link. Members
 * without a link shape dial the coordinator directly (loopback), so the same job can run both
 * ways. Everything travels over real TCP, TLS and gRPC; only the links are simulated.
 */
import path from 'node:path';
import { startCoordinator } from '../../coordinator/server.ts';
import type { CoordinatorHandle } from '../../coordinator/server.ts';
import { ControlClient } from '../../client/control-client.ts';
import type { DataSchema } from '../../core/data/schema.ts';
import { schemaDigest } from '../../core/data/schema-digest.ts';
import { loadTable } from '../../participant/data/load.ts';
import { chain, errorToRefusalMod, schemaCheckMod } from '../../participant/handler.ts';
import { localHandler } from '../../participant/local-handler.ts';
import { ParticipantNode, type NextTaskMode } from '../../participant/node.ts';
import { secAggMod } from '../../participant/secagg-mod.ts';
import { createLogger } from '../../platform/log.ts';
import type { Level } from '../../platform/log.ts';
import { createConsortium } from '../../trust/certs.ts';
import { loadCredentials } from '../../trust/files.ts';
import { memberKeys } from '../../trust/format.ts';
import { clientCredentials } from '../../trust/tls.ts';
import type { LinkShape } from './link-schedule.ts';
import { startShapedLink } from './shaped-link.ts';
import type { LinkDirection, ShapedLink } from './shaped-link.ts';

/** A member's link: both directions' shapes, and when (ms after the fleet started) it flaps. */
export interface MemberLink {
  up: LinkShape;
  down: LinkShape;
  flapAtMs?: number[];
  /** Every chunk as it enters the link (see ShapedLinkOptions.onSend). */
  onSend?: (direction: LinkDirection, atMs: number, bytes: number) => void;
}

/** Settings of {@link startWanFleet}. */
export interface WanFleetOptions {
  /** Working directory: consortium credentials and coordinator state go below it. */
  dir: string;
  /** The members and their CSV files (header as in `schema`). */
  members: Array<{ name: string; file: string }>;
  schema: DataSchema;
  /** The link of each member; undefined = the member dials the coordinator directly. */
  link: (member: string) => MemberLink | undefined;
  /** Every delivered chunk of every link (performance.now() ms). */
  onDeliver?: (member: string, direction: LinkDirection, atMs: number, bytes: number) => void;
  logLevel?: Level;
  /** Passed to every node (participant/node.ts NodeOptions): how it gets its next task after answering one. */
  nextTask?: NextTaskMode;
  /** How long to wait for every member to register (default 30 s). */
  connectTimeoutMs?: number;
  /** The coordinator's `heartbeatTimeoutMs` (default its default, 10 s). */
  heartbeatTimeoutMs?: number;
}

/** A running WAN fleet. */
export interface WanFleet {
  coordinator: CoordinatorHandle;
  /** An operator's Control client (certificate and token). */
  control: ControlClient;
  /** The shaped link of each member that has one. */
  links: Map<string, ShapedLink>;
  nodes: Map<string, ParticipantNode>;
  /** Rows each member loaded. */
  rows: Map<string, number>;
  /** Stops the nodes, the links, the Control client and the coordinator. */
  stop(): Promise<void>;
}

const OPERATOR = 'wan-operator';

/** Waits until `n` members are connected to the coordinator behind `control`; throws after `timeoutMs`. */
export async function waitForMembers(control: ControlClient, n: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const connected = (await control.participants()).filter((p) => p.connected).length;
    if (connected >= n) return;
    if (Date.now() > until) throw new Error(`only ${connected} of ${n} members registered within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts the consortium; see the module header. Stops what it started if the start fails. */
export async function startWanFleet(o: WanFleetOptions): Promise<WanFleet> {
  const trust = path.join(o.dir, 'consortium');
  const level = o.logLevel ?? 'error';
  await createConsortium({ out: trust, participants: o.members.map((m) => ({ name: m.name, role: 'bank' as const })), operators: [OPERATOR], consortium: 'wan-consortium', force: true });
  const c = loadCredentials(path.join(trust, 'coordinator'), 'coordinator');
  const links = new Map<string, ShapedLink>();
  const nodes = new Map<string, ParticipantNode>();
  const runs: Promise<void>[] = [];
  const rows = new Map<string, number>();
  let control: ControlClient | undefined;
  const coordinator = await startCoordinator({ port: 0, host: '127.0.0.1', stateDir: path.join(o.dir, 'coordinator'), logLevel: level, tls: { ca: c.ca, cert: c.cert, key: c.key }, roster: c.roster, ...(o.heartbeatTimeoutMs !== undefined ? { heartbeatTimeoutMs: o.heartbeatTimeoutMs } : {}) });
  const stop = async () => {
    for (const n of nodes.values()) n.stop();
    await Promise.allSettled(runs);
    control?.close();
    await Promise.allSettled([...links.values()].map((l) => l.close()));
    await coordinator.stop();
  };
  try {
    const digest = schemaDigest(o.schema);
    for (const m of o.members) {
      const shape = o.link(m.name);
      if (shape) {
        const onDeliver = o.onDeliver;
        links.set(m.name, await startShapedLink({ target: coordinator.address, ...shape, ...(onDeliver ? { onDeliver: (d, at, bytes) => onDeliver(m.name, d, at, bytes) } : {}) }));
      }
      const { table } = loadTable(m.file, o.schema);
      rows.set(m.name, table.n);
      const creds = loadCredentials(path.join(trust, 'participants', m.name), 'participant');
      const handler = chain(localHandler(m.name, table), [
        errorToRefusalMod,
        schemaCheckMod(digest, schemaDigest),
        secAggMod({ name: m.name, identity: { secretKey: creds.identity.secretKey, peers: memberKeys(creds.roster) } }),
      ]);
      const node = new ParticipantNode({
        coordinator: links.get(m.name)?.address ?? coordinator.address,
        name: m.name, role: creds.identity.role, schemaDigest: digest, handler,
        log: createLogger(`participant:${m.name}`, level),
        credentials: clientCredentials(creds), identity: creds.identity,
        ...(o.nextTask !== undefined ? { nextTask: o.nextTask } : {}),
      });
      nodes.set(m.name, node);
      // A node the coordinator refuses stops; the wait below then names who is missing.
      const run = node.run();
      run.catch(() => undefined);
      runs.push(run);
    }
    const op = loadCredentials(path.join(trust, 'operators', OPERATOR), 'operator');
    control = new ControlClient(coordinator.address, { credentials: clientCredentials(op), token: op.token });
    await waitForMembers(control, o.members.length, o.connectTimeoutMs ?? 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { coordinator, control, links, nodes, rows, stop };
}
