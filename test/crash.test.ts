/**
 * Crash safety of the coordinator: a real coordinator process is killed with SIGKILL at 20 points
 * of a multi-round securely aggregated job and restarted on the same state dir and port; three
 * real participant processes reconnect on their own. The kill points are chosen from the job's
 * observed progress, not from the clock, so the test neither runs out of job on a fast machine
 * nor out of time on a slow one: the test follows the job's stage ("round 3: train") and, through
 * the coordinator's record of received messages, the secure-sum step it is in, and kills when a
 * planned (round, stage, step) is reached — spread over the rounds, over the stages (statistics,
 * training, evaluation) and over the steps of the secure sum (its start, key adverts, key shares,
 * masked inputs, unmasking). Every restart resumes the job from its last stored round, the number
 * of completed rounds never goes backwards, the job completes, the record of every message shows
 * that no secure-aggregation key (hence no mask) was used twice across all the interrupted and
 * repeated attempts, and the audit log verifies. Restarts use a spare coordinator process that
 * has loaded its modules ahead of time (test/coordinator-spare.mjs), so that the test's time goes
 * into the job rather than into module loading.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import { loadSchemaFile } from '../participant/data/load.ts';
import { ControlClient } from '../client/control-client.ts';
import { JobSpecSchema } from '../core/job.ts';
import { SYNTHETIC_SCHEMA, runCli, startParticipant, stopAll, syntheticParties, tempDir } from './helpers.ts';
import type { ParticipantProcess } from './helpers.ts';
import { freePort, spareCoordinator, startCoordinatorProcess, statusOf } from './coordinator-process.ts';
import type { CoordinatorProcess, SpareCoordinator } from './coordinator-process.ts';

const KILLS = 13;
const ROUNDS = 8;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Where in a stage: its start (no secure-sum reply yet), then the step of the latest reply received. */
const STEPS = ['start', 'advertise-keys', 'share-keys', 'masked-input', 'unmasking'] as const;
type Step = (typeof STEPS)[number];
type Stage = 'stats' | 'train' | 'evaluate';
interface Point {
  round: number;
  stage: Stage;
  step: Step;
}

/** Progress as one number: rounds, then train (or statistics) before evaluate, then the step. */
const position = (p: Point) => 100 * p.round + (p.stage === 'evaluate' ? 10 : 0) + STEPS.indexOf(p.step);
const show = (p: Point) => `round ${p.round} ${p.stage}/${p.step}`;

/**
 * The kill plan: three in round 0 (statistics at its start and while unmasking, the baseline
 * evaluation at key shares), then two per round, one in training and one in evaluation, cycling
 * through the steps, up to round 5 — every (stage, step) pair of training and evaluation once;
 * rounds 6 to 8 leave room for a kill that comes late (the test must see the planned point
 * before it kills, and a busy machine may see it late).
 */
function plan(): Point[] {
  const points: Point[] = [{ round: 0, stage: 'stats', step: 'start' }, { round: 0, stage: 'stats', step: 'unmasking' }, { round: 0, stage: 'evaluate', step: 'share-keys' }];
  for (let i = 0; points.length < KILLS; i++) points.push({ round: 1 + Math.floor(i / 2), stage: i % 2 === 0 ? 'train' : 'evaluate', step: STEPS[i % STEPS.length]! });
  return points;
}

/** Reads the secure-sum replies the coordinator records (`--record-messages`) as they are appended. */
class RecordTail {
  private offset = 0;
  private rest = '';

  constructor(private readonly file: string) {}

  /** The steps of the secure-sum replies appended since the last call, in order. */
  steps(): Step[] {
    if (!existsSync(this.file)) return [];
    const fd = openSync(this.file, 'r');
    let text = this.rest;
    try {
      const size = fstatSync(fd).size;
      if (size <= this.offset) return [];
      const buf = Buffer.alloc(size - this.offset);
      this.offset += readSync(fd, buf, 0, buf.length, this.offset);
      text += buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    const out: Step[] = [];
    for (const line of lines) {
      // The reply's own "message" is the first one in its secagg object (nested objects have none).
      const step = /^\{"time":"[^"]*","rpc":"PushResult",.*?"secagg":\{.*?"message":"([a-z-]+)"/.exec(line)?.[1];
      if (step !== undefined && (STEPS as readonly string[]).includes(step)) out.push(step as Step);
    }
    return out;
  }
}

/**
 * Where the job is, from the stages its event stream announces and the secure-sum replies
 * recorded since the stage began. A stage's replies are recorded only after its announcement
 * (each needs a participant's round trip), so the replies read before an announcement belong to
 * the stage before it.
 */
class Progress {
  here?: Point;
  private stage = '';

  constructor(private readonly tail: RecordTail) {}

  /** Takes the job's current stage text from an event ("round 3: train", "waiting for participants", …). */
  onStage(stage: string): void {
    this.update();
    if (stage === this.stage) return;
    this.stage = stage;
    const m = /^round (\d+): (stats|train|evaluate)$/.exec(stage);
    this.here = m ? { round: Number(m[1]), stage: m[2] as Stage, step: 'start' } : undefined;
  }

  /** Reads the replies recorded since the last call into the current stage's step. */
  update(): void {
    for (const step of this.tail.steps()) if (this.here && STEPS.indexOf(step) > STEPS.indexOf(this.here.step)) this.here.step = step;
  }

  /** Forgets the stage (the coordinator was killed: a resumed job announces its stages again). */
  reset(): void {
    this.update();
    this.stage = '';
    this.here = undefined;
  }
}

describe('coordinator crash safety', () => {
  const tmp = tempDir('crash');
  // Three of the consortium's four members: enough for secure sums that survive a dropout, and
  // one process less to share the machine with.
  const parties = syntheticParties(tmp.dir, 0.2, 9).filter((p) => p.name !== 'bank-b');
  const schema = loadSchemaFile(SYNTHETIC_SCHEMA);
  const stateDir = path.join(tmp.dir, 'coord');
  const record = path.join(tmp.dir, 'messages.jsonl');
  let coordinator: CoordinatorProcess | undefined;
  const spares: SpareCoordinator[] = [];
  let parts: ParticipantProcess[] = [];
  let follower: ControlClient | undefined;

  afterAll(async () => {
    follower?.close();
    coordinator?.child.kill('SIGKILL');
    for (const s of spares) s.discard();
    await stopAll(parts);
    tmp.cleanup();
  });

  it(`resumes a job after SIGKILL at ${KILLS} points spread over its rounds, stages and secure-sum steps, never losing a round or reusing a mask`, async () => {
    const started = Date.now();
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const extra = ['--record-messages', record];
    // Participants start with the coordinator (they retry until it listens). Two spares warm up
    // at any time, so that the next one is ready when a kill comes soon after a restart.
    parts = parties.map((p) => startParticipant(p.name, p.path, address));
    coordinator = await startCoordinatorProcess(port, stateDir, extra);
    spares.push(spareCoordinator(port, stateDir, extra), spareCoordinator(port, stateDir, extra));
    const job = JobSpecSchema.parse({
      // Each round's evaluation as a stage of its own: the crash points include an evaluation sum's steps.
      name: 'crash', rounds: ROUNDS, minParticipants: parties.length, seed: 3, evaluation: { bins: 100, carried: false },
      train: { batchSize: 64, learningRate: 0.2 }, deadlines: { waitForParticipantsMs: 60_000, stageMs: 20_000 }, secureAggregation: { stepMs: 10_000 },
    });
    const submitter = new ControlClient(address);
    const jobId = await submitter.submit(job, schema, 30_000);
    submitter.close();

    // A data scientist following the job (as `fedcredit run` does) re-attaches after every
    // restart, on its own and with backoff. The test follows it too, over a stream it opens
    // again at once after each restart, whose events tell which stage the job is in.
    const watcher = new ControlClient(address);
    let reattached = 0;
    const watched = watcher.follow(jobId, () => undefined, { onReattach: () => reattached++ });
    const progress = new Progress(new RecordTail(record));
    let latest: { state: string; error: string; roundsCompleted: number } | undefined;
    const backwards: string[] = [];
    let completed = 0;
    const follow = () => {
      follower?.close();
      // A connection of its own: a channel sharing the killed coordinator's connection would wait
      // out gRPC's reconnect backoff (a second or more) before it saw the restarted one.
      const c = new ControlClient(address, { channel: { 'grpc.use_local_subchannel_pool': 1 } });
      follower = c;
      c.follow(jobId, (e) => {
        if (!e.status || follower !== c) return;
        latest = e.status;
        if (e.status.roundsCompleted < completed) backwards.push(`${e.status.roundsCompleted} after ${completed}`);
        completed = Math.max(completed, e.status.roundsCompleted);
        progress.onStage(e.status.stage);
      }).catch(() => undefined); // ends when the coordinator is killed or the channel closed
    };
    follow();

    const kills: { planned: Point; at: Point }[] = [];
    for (const target of plan()) {
      // Follow the job until it reaches the planned point (or has just passed it).
      for (;;) {
        progress.update();
        expect(latest?.state === 'SUCCEEDED' || latest?.state === 'FAILED', `the job ended (${latest?.state}: ${latest?.error}) before the kill at ${show(target)}`).toBe(false);
        if (progress.here && position(progress.here) >= position(target)) break;
        await sleep(5);
      }
      kills.push({ planned: target, at: { ...progress.here! } });
      const before = completed;
      const exited = coordinator.exited;
      coordinator.child.kill('SIGKILL');
      await exited;
      progress.reset();
      coordinator = await spares.shift()!.start();
      follow();
      spares.push(spareCoordinator(port, stateDir, extra));
      // Whatever was completed before the kill is still there after the restart.
      const after = await statusOf(address, jobId);
      expect(after.roundsCompleted, `kill ${kills.length} at ${show(kills.at(-1)!.at)}`).toBeGreaterThanOrEqual(before);
    }
    follower?.close();
    const killedAt = kills.map((k) => show(k.at));
    console.log(`crash test: ${KILLS} kills at ${killedAt.join(', ')}`);

    const final = await watched;
    watcher.close();
    expect(backwards).toEqual([]);
    expect(final.state, final.error).toBe('SUCCEEDED');
    expect(final.roundsCompleted).toBe(ROUNDS);
    expect(reattached).toBeGreaterThanOrEqual(KILLS);
    const stored = await statusOf(address, jobId);
    expect(stored.state).toBe('SUCCEEDED');
    expect(stored.rounds.map((r) => r.round)).toEqual(Array.from({ length: ROUNDS + 1 }, (_, i) => i));
    for (let r = 0; r <= ROUNDS; r++) expect(existsSync(path.join(stateDir, 'jobs', jobId, 'rounds', `${String(r).padStart(4, '0')}.json`))).toBe(true);
    // The kills were spread: every stage kind, most secure-sum steps, most rounds.
    expect(new Set(kills.map((k) => k.at.stage))).toEqual(new Set(['stats', 'train', 'evaluate']));
    expect(new Set(kills.map((k) => k.at.step)).size, killedAt.join(', ')).toBeGreaterThanOrEqual(4);
    expect(new Set(kills.filter((k) => k.at.stage !== 'stats').map((k) => `${k.at.stage}/${k.at.step}`)).size, killedAt.join(', ')).toBeGreaterThanOrEqual(7);
    expect(new Set(kills.map((k) => k.at.round)).size, killedAt.join(', ')).toBeGreaterThanOrEqual(5);

    // Every key pair advertised in any attempt of any secure sum is fresh, so every pairwise mask
    // was derived once; every masked vector differs. Lines torn by a SIGKILL are skipped.
    const keys: string[] = [];
    const masked: string[] = [];
    let torn = 0;
    for (const line of readFileSync(record, 'utf8').split('\n').filter(Boolean)) {
      let m: { rpc: string; message: { secagg?: { message: string; cPk: string; sPk: string; maskedInput: { values: string } | null } | null } };
      try {
        m = JSON.parse(line);
      } catch {
        torn++;
        continue;
      }
      const s = m.rpc === 'PushResult' ? m.message.secagg : undefined;
      if (s?.message === 'advertise-keys') keys.push(s.cPk, s.sPk);
      if (s?.message === 'masked-input' && s.maskedInput) masked.push(s.maskedInput.values);
    }
    expect(torn).toBeLessThanOrEqual(KILLS);
    // stats + (rounds + 1) evaluations + rounds trainings, each with 2 keys per participant at least.
    expect(keys.length).toBeGreaterThanOrEqual(2 * parties.length * (2 * ROUNDS + 2));
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(masked).size).toBe(masked.length);

    // The audit log's chain survived every SIGKILL (torn tails are moved aside and recorded).
    const audit = await runCli(['audit', 'verify', '--log', path.join(stateDir, 'audit.jsonl'), '--json']);
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
    console.log(`crash test: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 420_000);
});
