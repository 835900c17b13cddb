/**
 * `npm run bench:wan`: a secure, authenticated job across WAN-shaped links, against the same job
 * on loopback and against the network's floor.
 *
 *   npm run bench:wan -- [--members 4] [--rtt 40] [--mbps 100] [--stall 100/2000]
 *                        [--lr-rounds 4] [--mlp-rounds 3] [--passes 2] [--hidden 300,300]
 *                        [--scale 1] [--separate-evaluation] [--keys-ahead N] [--json] [--out wan-results.json]
 *
 * Three fleets run side by side (sim/wan/wan-fleet.ts), each a coordinator with mutual TLS and a
 * roster and the same members as in-process participant nodes over real gRPC: "loopback" (members
 * dial the coordinator directly), "wan" (every member dials its own shaped link,
 * sim/wan/shaped-link.ts: half the RTT each way and the given bandwidth each way; the last
 * member's link also stalls, `--stall F/E`: nothing is delivered for F ms of every E ms, like a
 * burst of loss TCP recovers from) and "wan, poll after reply" (the same links, nodes with
 * `nextTask: 'pull-after-push'`: each waits for its PushResult's reply before a PullTask for its
 * next task, as nodes did before). Jobs: logistic regression and an MLP (`--hidden`), `--passes` times per fleet,
 * interleaved, after an unmeasured warm-up job. First, one 600 kB gRPC message up and down a link
 * of the same shape with 64 KiB and with widened HTTP/2 windows (bench/wan-window.ts).
 *
 * Per round (rounds ≥ 1 of every pass): time on the WAN and on loopback (medians, and the fastest
 * rounds, less sensitive to a shared machine's load), bytes the busiest member's link carried
 * (counted at the proxy), the tasks each member answered (the protocol's sequential steps: each is
 * at least one task down and one result up, one RTT), the bursts of requests on the members'
 * uplinks (counted at the proxy: each is a wait for the coordinator), the floor = loopback time +
 * steps × RTT + bytes / bandwidth, and WAN / floor (target ≤ 1.5). The jobs carry each round's
 * evaluation in the next round's training stage (`evaluation.carried`, the job default), one
 * secure sum per round; `--separate-evaluation` gives each evaluation a secure sum of its own
 * (`--carried`, the default now, is still accepted). The jobs keep the default key setup (one round ahead).
 * `--keys-ahead N`: the same jobs with `secureAggregation.keysAhead` = N run beside them, on
 * loopback and on the WAN (interleaved with the others); `--keys-ahead 0` shows what setting up
 * every sum's keys in the sum itself costs in round trips.
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
import type { NextTaskMode } from '../participant/node.ts';
import type { WanFleet } from '../sim/wan/wan-fleet.ts';
import type { LinkShape } from '../sim/wan/link-schedule.ts';
import { parameterCount, SCHEMA_FILE } from './secagg-round.ts';
import { inputDim } from '../core/data/schema.ts';
import type { DataSchema } from '../core/data/schema.ts';
import { modelLayout } from '../core/model/layout.ts';
import { layoutSize } from '../core/types.ts';
import { type ModelRow, modelRow, wanTable, windowTable } from './wan-report.ts';
import { BurstCounter, runMeasuredJob } from './wan-job.ts';
import { runWindowBench } from './wan-window.ts';
import type { JobRun } from './wan-job.ts';

interface Options {
  members: number;
  rttMs: number;
  mbps: number;
  stall: { forMs: number; everyMs: number } | undefined;
  lrRounds: number;
  mlpRounds: number;
  passes: number;
  hidden: number[];
  scale: number;
  seed: number;
  carried: boolean;
  keysAhead?: number;
  json: boolean;
  out: string | undefined;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { members: 4, rttMs: 40, mbps: 100, stall: { forMs: 100, everyMs: 2000 }, lrRounds: 4, mlpRounds: 3, passes: 2, hidden: [300, 300], scale: 1, seed: 7, carried: true, json: false, out: undefined };
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
    else if (a === '--passes') o.passes = Math.round(num(1));
    else if (a === '--hidden') o.hidden = value().split(',').map(Number);
    else if (a === '--scale') o.scale = num(0.01);
    else if (a === '--carried') o.carried = true;
    else if (a === '--separate-evaluation') o.carried = false;
    else if (a === '--keys-ahead') o.keysAhead = Math.round(num(0));
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

function jobOf(name: string, model: JobSpec['model'], rounds: number, members: number, seed: number, carried: boolean, keysAhead?: number): JobSpec {
  return JobSpecSchema.parse({
    ...(keysAhead !== undefined ? { secureAggregation: { keysAhead } } : {}),
    name, model, rounds, minParticipants: members, seed,
    train: { localEpochs: 1, batchSize: 64, optimizer: 'sgd', learningRate: 0.05, classWeights: 'none' },
    evaluation: { holdout: 0.25, ...(carried ? {} : { carried: false }) },
    aggregation: 'secagg',
  });
}

function logisticParameters(schema: DataSchema): number {
  return layoutSize(modelLayout({ type: 'logistic' }, inputDim(schema)));
}

/** A WAN fleet and its members' uplink burst counters. */
interface Measured {
  fleet: WanFleet;
  uplinks: Map<string, BurstCounter>;
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
    const shape = (m: string): LinkShape => ({ latencyMs: o.rttMs / 2, bandwidthBps: o.mbps * 1e6, ...(m === lossy && o.stall ? { stall: o.stall } : {}) });
    const start = async (name: string, shaped: boolean, nextTask: NextTaskMode): Promise<Measured> => {
      // A gap of a quarter RTT on the uplink separates two waves of requests (see BurstCounter).
      const uplinks = new Map(shaped ? members.map((m) => [m.name, new BurstCounter(o.rttMs / 4)]) : []);
      const fleet = await startWanFleet({
        dir: path.join(dir, name), members, schema, nextTask,
        link: (m) => (shaped ? { up: shape(m), down: shape(m) } : undefined),
        onDeliver: (m, direction, at) => (direction === 'up' ? uplinks.get(m)?.delivered(at) : undefined),
      });
      fleets.push(fleet);
      return { fleet, uplinks };
    };
    const loop = await start('loopback', false, 'push-reply');
    const wan = await start('wan', true, 'push-reply');
    const wanAfterReply = await start('wan-poll-after-reply', true, 'pull-after-push');
    log(`wan bench: ${o.members} members (${[...wan.fleet.rows.values()].reduce((a, b) => a + b, 0)} rows), RTT ${o.rttMs} ms, ${o.mbps} Mbit/s each way, ${o.stall ? `${lossy}'s link stalls ${o.stall.forMs} ms every ${o.stall.everyMs} ms` : 'no stalls'}, tfjs ${backend}`);

    const window = await runWindowBench({ bytes: 600_000, rttMs: o.rttMs, mbps: o.mbps, reps: 4 });
    log(`  one 600 kB message: 64 KiB windows up ${window.defaultWindow.uploadMs.toFixed(0)} / down ${window.defaultWindow.downloadMs.toFixed(0)} ms, wide windows up ${window.wideWindow.uploadMs.toFixed(0)} / down ${window.wideWindow.downloadMs.toFixed(0)} ms (floor ${window.floorMs.toFixed(0)} ms)`);
    const lr: JobSpec['model'] = { type: 'logistic' };
    const mlp = { type: 'mlp', hidden: o.hidden } as JobSpec['model'];
    const order = [loop, wan, wanAfterReply];
    for (const f of order) await runMeasuredJob(f.fleet, jobOf('wan-warm-up', lr, 1, o.members, o.seed, o.carried), schema);
    const rows: ModelRow[] = [];
    const runs: Record<string, Record<string, JobRun[]>> = {};
    const models = [['logistic regression', lr, o.lrRounds, logisticParameters(schema)], [`MLP [${o.hidden.join(', ')}]`, mlp, o.mlpRounds, parameterCount(o.hidden, schema)]] as const;
    for (const [label, model, rounds, parameters] of models) {
      const job = jobOf(`wan-${label}`, model, rounds, o.members, o.seed, o.carried);
      const ahead = jobOf(`wan-${label}-keys-ahead`, model, rounds, o.members, o.seed, o.carried, o.keysAhead);
      const got = { loop: [] as JobRun[], wan: [] as JobRun[], wanAfterReply: [] as JobRun[], loopAhead: [] as JobRun[], wanAhead: [] as JobRun[] };
      const keys = o.keysAhead !== undefined ? (['loop', 'wan', 'wanAfterReply', 'loopAhead', 'wanAhead'] as const) : (['loop', 'wan', 'wanAfterReply'] as const);
      // Each fleet's jobs interleaved with the others', so a change in the machine's load hits all alike.
      for (let pass = 0; pass < o.passes; pass++) {
        for (const key of pass % 2 === 0 ? keys : [...keys].reverse()) {
          const f = { loop, wan, wanAfterReply, loopAhead: loop, wanAhead: wan }[key];
          const run = await runMeasuredJob(f.fleet, key.endsWith('Ahead') ? ahead : job, schema, f.uplinks);
          if (!run.authenticated) throw new Error(`${label} on ${key}: a measured round was not an authenticated secure sum`);
          got[key].push(run);
          log(`  ${label.padEnd(20)} ${key.padEnd(14)} rounds ${run.rounds.map((r) => r.seconds.toFixed(2)).join(' ')} s`);
        }
      }
      runs[label] = got;
      const link = { rttMs: o.rttMs, mbps: o.mbps };
      rows.push(modelRow(`${label}, next task in the push reply`, parameters, { loop: got.loop, wan: got.wan }, link));
      rows.push(modelRow(`${label}, poll after reply`, parameters, { loop: got.loop, wan: got.wanAfterReply }, link));
      if (o.keysAhead !== undefined) rows.push(modelRow(o.keysAhead ? `${label}, keys set up ${o.keysAhead} rounds ahead` : `${label}, every sum sets up its own keys`, parameters, { loop: got.loopAhead, wan: got.wanAhead }, link));
    }
    const result = { machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version, backend, load: os.loadavg() }, options: { ...o, lossy }, rows, window, runs };
    if (o.out) writeFileSync(o.out, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(o.json ? `${JSON.stringify(result, null, 2)}\n` : `${wanTable(rows, { rttMs: o.rttMs, mbps: o.mbps, members: o.members, lossy, stall: o.stall })}\n\n${windowTable(window)}\n`);
  } finally {
    for (const f of fleets) await f.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:wan failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
