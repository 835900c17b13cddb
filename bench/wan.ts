/**
 * `npm run bench:wan`: a secure, authenticated job across WAN-shaped links, against the same job
 * on loopback and against the network's floor.
 *
 *   npm run bench:wan -- [--members 4] [--rtt 40] [--mbps 100] [--stall 100/2000]
 *                        [--lr-rounds 4] [--mlp-rounds 3] [--hidden 300,300] [--scale 1]
 *                        [--json] [--out wan-results.json]
 *
 * Two fleets run side by side (sim/wan/wan-fleet.ts): each a coordinator with mutual TLS and a
 * roster, and the same members as in-process participant nodes over real gRPC. In the WAN fleet
 * every member dials its own shaped link (sim/wan/shaped-link.ts: half the RTT each way, the given
 * bandwidth each way); the last member's link also stalls (`--stall F/E`: nothing is delivered for
 * F ms out of every E ms, like a burst of loss TCP recovers from). In the loopback fleet members
 * dial the coordinator directly. Jobs: logistic regression and an MLP (`--hidden`), each once per
 * fleet after an unmeasured warm-up job, then the logistic job once more on the WAN with twice
 * the RTT, which measures how many round trips a round really waits for:
 * (time at 2·RTT − time at RTT) / RTT.
 *
 * Per round (medians over rounds ≥ 1): time on the WAN and on loopback, bytes the busiest member's
 * link carried (counted at the proxy), the tasks each member answered (the protocol's sequential
 * steps: each is one task down and one result up, at least one RTT), the floor = loopback time +
 * steps × RTT + bytes / bandwidth, and WAN / floor (target ≤ 1.5).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JobSpecSchema } from '../core/job.ts';
import type { JobSpec } from '../core/job.ts';
import { loadSchemaFile } from '../participant/data/load.ts';
import { initBackend } from '../participant/trainer/backend.ts';
import { writeCsvFile } from '../sim/csv.ts';
import { generateConsortium } from '../sim/synthetic/generate.ts';
import { startWanFleet } from '../sim/wan/wan-fleet.ts';
import type { WanFleet } from '../sim/wan/wan-fleet.ts';
import type { LinkShape } from '../sim/wan/link-schedule.ts';
import { parameterCount, SCHEMA_FILE } from './secagg-round.ts';
import { inputDim } from '../core/data/schema.ts';
import type { DataSchema } from '../core/data/schema.ts';
import { modelLayout } from '../core/model/layout.ts';
import { layoutSize } from '../core/types.ts';
import { type ModelRow, modelRow, wanTable } from './wan-report.ts';
import { runMeasuredJob } from './wan-job.ts';
import type { JobRun } from './wan-job.ts';

interface Options {
  members: number;
  rttMs: number;
  mbps: number;
  stall: { forMs: number; everyMs: number } | undefined;
  lrRounds: number;
  mlpRounds: number;
  hidden: number[];
  scale: number;
  seed: number;
  json: boolean;
  out: string | undefined;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { members: 4, rttMs: 40, mbps: 100, stall: { forMs: 100, everyMs: 2000 }, lrRounds: 4, mlpRounds: 3, hidden: [300, 300], scale: 1, seed: 7, json: false, out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const num = (min: number) => {
      const v = Number(value());
      if (!Number.isFinite(v) || v < min) throw new Error(`${a} must be a number ≥ ${min}`);
      return v;
    };
    if (a === '--members') o.members = Math.round(num(2));
    else if (a === '--rtt') o.rttMs = num(0);
    else if (a === '--mbps') o.mbps = num(0.001);
    else if (a === '--stall') {
      const v = value();
      const m = /^(\d+)\/(\d+)$/.exec(v);
      if (v === 'none') o.stall = undefined;
      else if (m && Number(m[1]) < Number(m[2])) o.stall = { forMs: Number(m[1]), everyMs: Number(m[2]) };
      else throw new Error(`--stall expects FOR/EVERY in ms with FOR < EVERY (e.g. 100/2000) or "none", got "${v}"`);
    } else if (a === '--lr-rounds') o.lrRounds = Math.round(num(1));
    else if (a === '--mlp-rounds') o.mlpRounds = Math.round(num(1));
    else if (a === '--hidden') o.hidden = value().split(',').map(Number);
    else if (a === '--scale') o.scale = num(0.01);
    else if (a === '--json') o.json = true;
    else if (a === '--out') o.out = path.resolve(value());
    else throw new Error(`unknown option ${a}`);
  }
  if (!o.hidden.length || o.hidden.some((h) => !Number.isInteger(h) || h < 1)) throw new Error('--hidden expects positive integers, e.g. 300,300');
  return o;
}

/** The synthetic consortium's four institutions cut into `members` CSV files (contiguous slices, round robin over the sources). */
function writeMembers(dir: string, members: number, scale: number, seed: number): Array<{ name: string; file: string }> {
  const sources = generateConsortium({ seed, scale }).parties;
  return Array.from({ length: members }, (_, j) => {
    const src = sources[j % sources.length]!;
    const pieces = Math.ceil((members - (j % sources.length)) / sources.length);
    const p = Math.floor(j / sources.length);
    const rows = src.rows.slice(Math.floor((p * src.rows.length) / pieces), Math.floor(((p + 1) * src.rows.length) / pieces));
    const name = members <= sources.length ? src.name : `${src.name}-${p + 1}`;
    return { name, file: writeCsvFile(path.join(dir, `${name}.csv`), src.header, rows) };
  });
}

function jobOf(name: string, model: JobSpec['model'], rounds: number, members: number, seed: number): JobSpec {
  return JobSpecSchema.parse({
    name, model, rounds, minParticipants: members, seed,
    train: { localEpochs: 1, batchSize: 64, optimizer: 'sgd', learningRate: 0.05, classWeights: 'none' },
    evaluation: { holdout: 0.25 },
    aggregation: 'secagg',
  });
}

function logisticParameters(schema: DataSchema): number {
  return layoutSize(modelLayout({ type: 'logistic' }, inputDim(schema)));
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const schema = loadSchemaFile(SCHEMA_FILE);
  const backend = (await initBackend()).name;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-wan-'));
  const fleets: WanFleet[] = [];
  try {
    const members = writeMembers(path.join(dir, 'data'), o.members, o.scale, o.seed);
    const lossy = members[members.length - 1]!.name;
    const shape = (rttMs: number, stall: boolean): LinkShape => ({ latencyMs: rttMs / 2, bandwidthBps: o.mbps * 1e6, ...(stall && o.stall ? { stall: o.stall } : {}) });
    const wan = await startWanFleet({ dir: path.join(dir, 'wan'), members, schema, link: (m) => ({ up: shape(o.rttMs, m === lossy), down: shape(o.rttMs, m === lossy) }) });
    fleets.push(wan);
    const loop = await startWanFleet({ dir: path.join(dir, 'loopback'), members, schema, link: () => undefined });
    fleets.push(loop);
    log(`wan bench: ${o.members} members (${[...wan.rows.values()].reduce((a, b) => a + b, 0)} rows), RTT ${o.rttMs} ms, ${o.mbps} Mbit/s each way, ${o.stall ? `${lossy}'s link stalls ${o.stall.forMs} ms every ${o.stall.everyMs} ms` : 'no stalls'}, tfjs ${backend}`);

    const lr: JobSpec['model'] = { type: 'logistic' };
    const mlp = { type: 'mlp', hidden: o.hidden } as JobSpec['model'];
    for (const f of [loop, wan]) await runMeasuredJob(f, jobOf('wan-warm-up', lr, 1, o.members, o.seed), schema);
    const runs: Record<string, { wan: JobRun; loop: JobRun }> = {};
    for (const [label, model, rounds] of [['logistic', lr, o.lrRounds], [`mlp [${o.hidden.join(', ')}]`, mlp, o.mlpRounds]] as const) {
      const job = jobOf(`wan-${label}`, model, rounds, o.members, o.seed);
      const l = await runMeasuredJob(loop, job, schema);
      log(`  ${label} loopback: rounds ${l.rounds.map((r) => r.seconds.toFixed(2)).join(' ')} s`);
      const w = await runMeasuredJob(wan, job, schema);
      log(`  ${label} WAN:      rounds ${w.rounds.map((r) => r.seconds.toFixed(2)).join(' ')} s`);
      runs[label] = { wan: w, loop: l };
    }
    // Twice the delay and no stalls: the stalls' cost would otherwise blur the difference.
    for (const link of wan.links.values()) link.reshape(shape(2 * o.rttMs, false), shape(2 * o.rttMs, false));
    const slow = await runMeasuredJob(wan, jobOf('wan-logistic-2rtt', lr, o.lrRounds, o.members, o.seed), schema);
    log(`  logistic WAN at ${2 * o.rttMs} ms RTT: rounds ${slow.rounds.map((r) => r.seconds.toFixed(2)).join(' ')} s`);
    for (const r of Object.values(runs)) if (!r.wan.authenticated || !r.loop.authenticated) throw new Error('a measured round was not an authenticated secure sum');

    const params = { rttMs: o.rttMs, mbps: o.mbps };
    const rows: ModelRow[] = [
      modelRow('logistic regression', logisticParameters(schema), runs.logistic!, params, slow),
      modelRow(`MLP [${o.hidden.join(', ')}]`, parameterCount(o.hidden, schema), runs[`mlp [${o.hidden.join(', ')}]`]!, params),
    ];
    const result = { machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version, backend }, options: { ...o, lossy }, rows, runs, slowLogistic: slow };
    if (o.out) writeFileSync(o.out, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(o.json ? `${JSON.stringify(result, null, 2)}\n` : `${wanTable(rows, { ...params, members: o.members, lossy, stall: o.stall })}\n`);
  } finally {
    for (const f of fleets) await f.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:wan failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
