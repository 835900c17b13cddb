/**
 * The round benchmark's consortium (bench/secagg-round.ts): the synthetic parties' CSV files, a
 * coordinator with one real ParticipantNode per party (the production handler chain, all in this
 * process), and running one job on it through the Control API.
 */
import path from 'node:path';
import { startCoordinator } from '../coordinator/server.ts';
import { createLogger } from '../platform/log.ts';
import type { JobSpec } from '../core/job.ts';
import type { DataSchema } from '../core/data/schema.ts';
import { schemaDigest } from '../core/data/schema-digest.ts';
import { writeCsvFile } from '../sim/csv.ts';
import { generateConsortium } from '../sim/synthetic/generate.ts';
import { loadTable } from '../participant/data/load.ts';
import { chain, errorToRefusalMod, schemaCheckMod } from '../participant/handler.ts';
import { localHandler } from '../participant/local-handler.ts';
import { ParticipantNode, type NextTaskMode } from '../participant/node.ts';
import { secAggMod } from '../participant/secagg-mod.ts';
import { ControlClient } from '../client/control-client.ts';
import { loadCredentials } from '../trust/files.ts';
import { memberKeys } from '../trust/format.ts';
import { clientCredentials } from '../trust/tls.ts';
import type { JobStatus__Output } from '../proto/generated/fedcredit/v1/JobStatus.ts';
import type { JobEvent__Output } from '../proto/generated/fedcredit/v1/JobEvent.ts';
import { waitForMembers } from '../sim/wan/wan-fleet.ts';
import { processCpuSeconds, processRss, startCoordinatorProcess, stopCoordinatorProcess } from '../test/coordinator-process.ts';

/** Where the benchmark's coordinators run: each in a process of its own, or in this one. */
export type CoordinatorLayout = 'process' | 'in-process';

/**
 * Writes the synthetic consortium as `parties` CSV files, so institutions stay non-IID. With at
 * least 4 parties, party j takes a contiguous slice of source institution j mod 4 (platform,
 * bank-a, bank-b, customs); with fewer, party j holds every source s with s mod parties = j
 * whole, so every source's columns (customs' trade columns among them) reach some party.
 */
export function writeParties(dir: string, parties: number, scale: number, seed: number): { name: string; file: string }[] {
  const sources = generateConsortium({ seed, scale }).parties;
  const out: { name: string; file: string }[] = [];
  if (parties < sources.length) {
    for (let j = 0; j < parties; j++) {
      const mine = sources.filter((_, s) => s % parties === j);
      const name = mine.map((m) => m.name).join('.');
      out.push({ name, file: writeCsvFile(path.join(dir, `${name}.csv`), mine[0]!.header, mine.flatMap((m) => m.rows)) });
    }
    return out;
  }
  sources.forEach((src, s) => {
    const pieces = Array.from({ length: parties }, (_, j) => j).filter((j) => j % sources.length === s).length;
    for (let p = 0; p < pieces; p++) {
      const from = Math.floor((p * src.rows.length) / pieces);
      const to = Math.floor(((p + 1) * src.rows.length) / pieces);
      const name = `${src.name}-${p + 1}`;
      out.push({ name, file: writeCsvFile(path.join(dir, `${name}.csv`), src.header, src.rows.slice(from, to)) });
    }
  });
  return out;
}

/** Submits `job`, follows it to the end and returns its final status and wall time; a job that does not succeed throws. */
export async function runJob(control: ControlClient, job: JobSpec, schema: DataSchema, onEvent: (e: JobEvent__Output) => void = () => undefined): Promise<{ status: JobStatus__Output; wallSeconds: number }> {
  const t0 = performance.now();
  const jobId = await control.submit(job, schema);
  const status = await control.follow(jobId, onEvent);
  const wallSeconds = (performance.now() - t0) / 1000;
  if (status.state !== 'SUCCEEDED') throw new Error(`benchmark job ${job.name} (${jobId}) ended ${status.state}: ${status.error}`);
  return { status, wallSeconds };
}

/**
 * The members a job lost on the way, one line per distinct reason (a lost member changes the
 * sums' member sets, and a member then refuses to release the same exact statistics over another
 * set in a later job: the reason is worth seeing before that happens).
 */
export function lostMembers(status: JobStatus__Output): string[] {
  const byReason = new Map<string, string[]>();
  for (const r of status.rounds) {
    for (const f of r.failures) {
      const why = `round ${r.round}, ${f.stage}: ${f.reason.length > 200 ? `${f.reason.slice(0, 200)}…` : f.reason}`;
      byReason.set(why, [...(byReason.get(why) ?? []), f.participant]);
    }
  }
  return [...byReason].map(([why, who]) => `${who.length} member(s) (${who.slice(0, 5).join(', ')}${who.length > 5 ? ', …' : ''}) lost at ${why}`);
}

/** A coordinator, its participant nodes and a Control client; filled in as it starts, so a failed start still stops what ran. */
export interface Fleet {
  coord?: { address: string; stop(): Promise<unknown>; rss?(): number | undefined; cpuSeconds?(): number | undefined };
  control?: ControlClient;
  nodes: ParticipantNode[];
  runs: Promise<void>[];
  rows: number;
}

/**
 * Starts a coordinator and one node per file. Without `trust`: plaintext, no roster, unsigned
 * nodes that allow plain jobs. With `trust` (a createConsortium directory): mutual TLS and the
 * roster, nodes with their certificates and identity keys (and their own copy of the roster for
 * the secure sums' signed adverts), and an operator's certificate and token on the Control API.
 */
export async function startFleet(f: Fleet, at: { host: string; port: number; layout: CoordinatorLayout }, stateDir: string, files: { name: string; file: string }[], schema: DataSchema, digest: string, trust?: string, nextTask?: NextTaskMode, cpuProfileDir?: string): Promise<void> {
  // All nodes share this process's one event loop: while each of n nodes trains (yielding every
  // 50 ms), a node's heartbeat can wait n × 50 ms to be read — 15 s at n = 300, past the default
  // 10 s timeout. On separate machines that wait does not exist.
  const heartbeatTimeoutMs = Math.max(10_000, files.length * 200);
  if (at.layout === 'process') {
    const c = await startCoordinatorProcess(at.port, stateDir, [], {
      host: at.host, heartbeatTimeoutMs,
      ...(trust ? { credentials: path.join(trust, 'coordinator') } : {}),
      // One profile file per thread (CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile); the largest is the main thread's.
      ...(cpuProfileDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] } : {}),
    });
    const pid = c.child.pid!;
    f.coord = { address: c.address, stop: () => stopCoordinatorProcess(c), rss: () => processRss(pid), cpuSeconds: () => processCpuSeconds(pid) };
  } else {
    const c = trust ? loadCredentials(path.join(trust, 'coordinator'), 'coordinator') : undefined;
    f.coord = await startCoordinator({
      port: at.port, host: at.host, stateDir, logLevel: 'error', heartbeatTimeoutMs,
      ...(c ? { tls: { ca: c.ca, cert: c.cert, key: c.key }, roster: c.roster } : {}),
    });
  }
  for (const file of files) {
    const { table } = loadTable(file.file, schema);
    f.rows += table.n;
    const creds = trust ? loadCredentials(path.join(trust, 'participants', file.name), 'participant') : undefined;
    const handler = chain(localHandler(file.name, table), [
      errorToRefusalMod,
      schemaCheckMod(digest, schemaDigest),
      // Every node accepts plain jobs (the benchmark's baselines); secure jobs on the roster's nodes stay authenticated.
      secAggMod({ name: file.name, allowPlain: true, ...(creds ? { identity: { secretKey: creds.identity.secretKey, peers: memberKeys(creds.roster) } } : {}) }),
    ]);
    const node = new ParticipantNode({
      coordinator: f.coord.address, name: file.name, role: creds?.identity.role ?? 'bench', schemaDigest: digest, handler,
      log: createLogger(`participant:${file.name}${trust ? ':auth' : ''}`, 'error'),
      ...(creds ? { credentials: clientCredentials(creds), identity: creds.identity } : {}),
      ...(nextTask ? { nextTask } : {}),
    });
    f.nodes.push(node);
    f.runs.push(node.run());
  }
  const op = trust ? loadCredentials(path.join(trust, 'operators', 'bench'), 'operator') : undefined;
  f.control = new ControlClient(f.coord.address, op ? { credentials: clientCredentials(op), token: op.token } : {});
  await waitForMembers(f.control, files.length, 30_000);
}

