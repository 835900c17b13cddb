/**
 * One measured job of the WAN benchmark (bench/wan.ts): submits a job to a {@link WanFleet},
 * follows it, and at every finished round snapshots what each member's link carried and how many
 * tasks each member answered, so bytes and protocol steps are attributed to rounds. Round times
 * are the coordinator's own round records (`seconds`: train stage, aggregation, strategy,
 * evaluation stage).
 */
import type { WanFleet } from '../sim/wan/wan-fleet.ts';
import type { JobSpec } from '../core/job.ts';
import type { DataSchema } from '../core/data/schema.ts';

/**
 * Counts bursts of one direction of a link: deliveries closer than `gapMs` to the previous one
 * belong to the same burst. On a member's uplink a burst is one wave of requests the member sent
 * together (a PushResult and the PullTask beside it, or a heartbeat): counted at the proxy, it
 * shows how many times per round a member had to wait for an answer before it could go on.
 */
export class BurstCounter {
  bursts = 0;
  private last = Number.NEGATIVE_INFINITY;

  constructor(private readonly gapMs: number) {}

  /** Records a delivery at `atMs`. */
  delivered(atMs: number): void {
    if (atMs - this.last > this.gapMs) this.bursts++;
    this.last = atMs;
  }
}

/** What one round of one job cost. */
export interface RoundSample {
  round: number;
  seconds: number;
  /** Bytes each member's link carried during the round (up + down); empty on loopback. */
  bytes: Record<string, { up: number; down: number }>;
  /** Tasks each member answered during the round: the round's sequential protocol steps. */
  tasks: Record<string, number>;
  /** Bursts of requests on each member's uplink during the round (see {@link BurstCounter}). */
  upBursts: Record<string, number>;
}

/** A measured job. */
export interface JobRun {
  jobId: string;
  /** Rounds ≥ 1 (round 0 only evaluates the initial model). */
  rounds: RoundSample[];
  wallSeconds: number;
  auc: number;
  /** Every round was an authenticated secure sum. */
  authenticated: boolean;
}

interface Snapshot {
  bytes: Record<string, { up: number; down: number }>;
  tasks: Record<string, number>;
  upBursts: Record<string, number>;
}

function snapshot(fleet: WanFleet, uplinks: ReadonlyMap<string, BurstCounter>): Snapshot {
  const bytes: Snapshot['bytes'] = {};
  for (const [name, link] of fleet.links) {
    const t = link.traffic();
    bytes[name] = { up: t.bytesUp, down: t.bytesDown };
  }
  const tasks: Snapshot['tasks'] = {};
  for (const [name, node] of fleet.nodes) tasks[name] = node.tasksSent;
  const upBursts: Snapshot['upBursts'] = {};
  for (const [name, c] of uplinks) upBursts[name] = c.bursts;
  return { bytes, tasks, upBursts };
}

function difference(a: Snapshot, b: Snapshot): Snapshot {
  const bytes: Snapshot['bytes'] = {};
  for (const name of Object.keys(b.bytes)) bytes[name] = { up: b.bytes[name]!.up - (a.bytes[name]?.up ?? 0), down: b.bytes[name]!.down - (a.bytes[name]?.down ?? 0) };
  const tasks: Snapshot['tasks'] = {};
  for (const name of Object.keys(b.tasks)) tasks[name] = b.tasks[name]! - (a.tasks[name] ?? 0);
  const upBursts: Snapshot['upBursts'] = {};
  for (const name of Object.keys(b.upBursts)) upBursts[name] = b.upBursts[name]! - (a.upBursts[name] ?? 0);
  return { bytes, tasks, upBursts };
}

/** Runs `job` on `fleet` and measures it (`uplinks`: each member's uplink burst counter, if any); throws when it does not succeed. */
export async function runMeasuredJob(fleet: WanFleet, job: JobSpec, schema: DataSchema, uplinks: ReadonlyMap<string, BurstCounter> = new Map()): Promise<JobRun> {
  const t0 = performance.now();
  const jobId = await fleet.control.submit(job, schema);
  // Snapshots at the end of each round, keyed by round number; the first is taken at submission.
  const marks = new Map<number, Snapshot>([[-1, snapshot(fleet, uplinks)]]);
  const status = await fleet.control.follow(jobId, (e) => {
    for (const r of e.status?.rounds ?? []) if (!marks.has(r.round)) marks.set(r.round, snapshot(fleet, uplinks));
  });
  const wallSeconds = (performance.now() - t0) / 1000;
  if (status.state !== 'SUCCEEDED') throw new Error(`job ${job.name} (${jobId}) ended ${status.state}: ${status.error}`);
  const rounds: RoundSample[] = [];
  for (const r of status.rounds) {
    if (r.round < 1) continue;
    const before = marks.get(r.round - 1);
    const after = marks.get(r.round);
    if (!before || !after) throw new Error(`job ${jobId}: no traffic snapshot around round ${r.round}`);
    rounds.push({ round: r.round, seconds: r.seconds, ...difference(before, after) });
  }
  return {
    jobId,
    rounds,
    wallSeconds,
    auc: status.rounds[status.rounds.length - 1]?.metrics?.auc ?? Number.NaN,
    authenticated: status.rounds.filter((r) => r.round >= 1).every((r) => r.secure?.authenticated === true),
  };
}
