/**
 * Stragglers over real gRPC (issue acceptance criterion): what only a real coordinator and real
 * participant processes show — how a node that stops answering is noticed, and how long it holds
 * a round up. A participant that hangs (SIGSTOP: no replies, no heartbeats) is dropped at its
 * heartbeat timeout and rejoins after SIGCONT; a live node that heartbeats and pulls its tasks but
 * never answers holds each stage up only until the step deadline. The coordinator runs in this
 * process on 127.0.0.1 (port 0); the participants are real `fedcredit participant` processes on
 * the synthetic consortium.
 *
 * The moment of a stop is exact: a probe on the coordinator's Grid (support/grid-probe.ts) sends
 * the signal just before a step's tasks are queued, so the victim has answered every earlier step.
 * Every job uses n = 4, t = 3 and short deadlines. Members lost at each secure-aggregation step
 * (the round completing with the survivors, or aborting with nothing unmasked) and rejoining after
 * a restart run in process, in dropouts.test.ts.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { startCoordinator } from '../coordinator/server.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import { ControlClient } from '../client/control-client.ts';
import { schemaDigest } from '../core/data/schema-digest.ts';
import { JobSpecSchema } from '../core/job.ts';
import { loadSchemaFile } from '../participant/data/load.ts';
import type { JobStatus__Output } from '../proto/generated/fedcredit/v1/JobStatus.ts';
import type { RoundReport__Output } from '../proto/generated/fedcredit/v1/RoundReport.ts';
import { SYNTHETIC_SCHEMA, startParticipant, stopAll, syntheticParties, tempDir } from './helpers.ts';
import type { ParticipantProcess } from './helpers.ts';
import { SilentNode, holdAfterRound, waitUntil } from './straggler-helpers.ts';
import { GridProbe } from './support/grid-probe.ts';

/** Deadline of the key-exchange and unmasking steps (secureAggregation.stepMs). */
const STEP_MS = 4000;
/** Deadline of a stage; the masked-input step (which waits for local training) uses it. */
const STAGE_MS = 20_000;
const HEARTBEAT_INTERVAL_MS = 250;
/** Above STEP_MS, so that a hung node misses a key-exchange step by its deadline, and a masked-input step by its heartbeat. */
const HEARTBEAT_TIMEOUT_MS = 6000;
/** A step's timer may fire late on a loaded machine: allowed lateness. */
const TIMER_SLACK_MS = 5000;
/** Local training, evaluation, cryptography and gRPC of one round on a loaded 2-core machine. */
const ROUND_SLACK_MS = 20_000;
/** Starting a participant process (tsx, tfjs, data) on a loaded machine. */
const START_MS = 60_000;

const names = (xs: string[]) => [...xs].sort();

describe('stragglers over gRPC: a node that stops answering holds a round up only until its heartbeat timeout or the step deadline', () => {
  const tmp = tempDir('stragglers');
  const parties = syntheticParties(tmp.dir, 0.3, 5);
  const NAMES = names(parties.map((p) => p.name));
  const schema = loadSchemaFile(SYNTHETIC_SCHEMA);
  const procs: ParticipantProcess[] = [];
  let coord: CoordinatorHandle;
  let probe: GridProbe | undefined;
  let ghost: SilentNode | undefined;
  /** Measured wall times, printed at the end. */
  const timings: string[] = [];

  const dataOf = (name: string) => parties.find((p) => p.name === name)!.path;
  const running = (p: ParticipantProcess) => p.child.exitCode === null && p.child.signalCode === null;
  /** The current process of a participant. */
  const proc = (name: string) => procs.filter((p) => p.name === name).at(-1)!;
  const registrations = (p: ParticipantProcess) => p.output().split('registered with coordinator').length - 1;

  /** Starts (or restarts) a participant and resolves once this process has registered. */
  async function start(name: string): Promise<ParticipantProcess> {
    const p = startParticipant(name, dataOf(name), coord.address);
    procs.push(p);
    await waitUntil(() => registrations(p) > 0 && coord.grid.available().includes(name), START_MS, `${name} to register\n${p.output()}`);
    return p;
  }

  /**
   * A secure-aggregation job over the four participants: n = 4, t = 3, short deadlines. Each job
   * has its own seed: the nodes refuse to release identical inputs (same data, split and initial
   * model) over a survivor set other than the first one's, which reruns of one seed would be.
   */
  let jobs = 0;
  const spec = (name: string, rounds: number, participants = NAMES) =>
    JobSpecSchema.parse({
      name, rounds, minParticipants: 3, participants, seed: 11 + jobs++,
      // Each round's evaluation as a stage of its own: the expected task sequences list both stages.
      train: { localEpochs: 1, batchSize: 32, learningRate: 0.1 }, evaluation: { bins: 100, carried: false },
      deadlines: { stageMs: STAGE_MS, waitForParticipantsMs: 20_000 },
      secureAggregation: { stepMs: STEP_MS, threshold: 3 },
    });

  /** Follows a job to its end (WatchJob), then reads its status (GetJobStatus). */
  async function finish(jobId: string): Promise<JobStatus__Output> {
    const control = new ControlClient(coord.address);
    try {
      await control.follow(jobId, () => undefined);
      return await control.status(jobId);
    } finally {
      control.close();
    }
  }

  const round = (s: JobStatus__Output, r: number): RoundReport__Output => {
    const found = s.rounds.find((x) => x.round === r);
    if (!found) throw new Error(`round ${r} is not in the job status (rounds: ${s.rounds.map((x) => x.round).join(', ')}; error: ${s.error})`);
    return found;
  };

  beforeAll(async () => {
    coord = await startCoordinator({
      port: 0, stateDir: path.join(tmp.dir, 'state'), logLevel: 'silent',
      heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS, heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
    });
    await Promise.all(NAMES.map((n) => start(n)));
  }, START_MS + 30_000);

  beforeEach(async () => {
    // Every test starts with the four participants connected (restarting any that are gone).
    for (const n of NAMES) {
      const p = proc(n);
      if (running(p) && coord.grid.available().includes(n)) continue;
      if (running(p)) {
        p.child.kill('SIGCONT');
        p.child.kill('SIGKILL');
        await p.exited;
      }
      await start(n);
    }
    probe = new GridProbe(coord.grid);
  }, START_MS + 10_000);

  afterEach(async () => {
    probe?.uninstall();
    probe = undefined;
    await ghost?.stop();
    ghost = undefined;
    for (const p of procs) if (running(p)) p.child.kill('SIGCONT');
  });

  afterAll(async () => {
    for (const p of procs) if (running(p)) p.child.kill('SIGCONT');
    await stopAll(procs);
    await coord?.stop();
    tmp.cleanup();
    console.log(`stragglers: measured wall times (step deadline ${STEP_MS} ms, stage deadline ${STAGE_MS} ms, heartbeat timeout ${HEARTBEAT_TIMEOUT_MS} ms)\n  ${timings.join('\n  ')}`);
  });

  it('a participant that hangs (SIGSTOP: no replies, no heartbeats) is dropped at its heartbeat timeout; after SIGCONT it rejoins', async () => {
    const victim = 'customs';
    const others = NAMES.filter((n) => n !== victim);
    const p = proc(victim);
    const before = registrations(p);
    const jobId = coord.jobs.submit(spec('hang-sigstop', 2), schema);
    let stoppedAt = 0;
    probe!.at(1, 'train', 'masked-input', (rec) => {
      if (!rec.participants.includes(victim)) return;
      stoppedAt = Date.now();
      p.child.kill('SIGSTOP');
    });
    holdAfterRound(coord, jobId, 1, async () => {
      p.child.kill('SIGCONT');
      // Its next heartbeat is answered "unknown session": it registers again.
      await waitUntil(() => registrations(p) > before && coord.grid.available().includes(victim), START_MS, `${victim} to register again after SIGCONT\n${p.output()}`);
    });
    const final = await finish(jobId);

    expect(stoppedAt).toBeGreaterThan(0);
    expect(final.error).toBe('');
    expect(final.state).toBe('SUCCEEDED');
    const hung = probe!.step(1, 'train', 'masked-input');
    expect(hung.answered).toEqual(others);
    expect(hung.failed).toEqual([victim]);
    expect(hung.ms!).toBeLessThanOrEqual(STAGE_MS + TIMER_SLACK_MS);
    const r1 = round(final, 1);
    expect(r1.failures.find((f) => f.participant === victim)).toEqual({
      participant: victim, stage: 'round 1: train (secagg masked-input)', reason: `disconnected: no heartbeat for ${HEARTBEAT_TIMEOUT_MS} ms`,
    });
    expect(r1.failures.filter((f) => f.participant !== victim)).toEqual([]);
    expect(names(r1.participants)).toEqual(others);
    expect(r1.secure).toMatchObject({ participants: 4, survivors: 3, threshold: 3 });
    expect(r1.seconds * 1000).toBeLessThanOrEqual(STAGE_MS + ROUND_SLACK_MS);
    // The same process, resumed, is back in round 2.
    expect(running(p)).toBe(true);
    const r2 = round(final, 2);
    expect(names(r2.participants)).toEqual(NAMES);
    expect(r2.failures).toEqual([]);
    timings.push(`SIGSTOP during masked-input: that step ${hung.ms} ms (stage deadline ${STAGE_MS} ms, heartbeat timeout ${HEARTBEAT_TIMEOUT_MS} ms), round 1 ${Math.round(r1.seconds * 1000)} ms, round 2 after SIGCONT ${Math.round(r2.seconds * 1000)} ms`);
  }, 120_000);

  it('a node that heartbeats and pulls its tasks but never answers holds each stage up only until the step deadline', async () => {
    // The digest of the job's schema, so that the job selects it.
    ghost = new SilentNode(coord.address, 'ghost', schemaDigest(schema));
    await ghost.start();
    await waitUntil(() => coord.grid.available().includes('ghost'), 10_000, 'the silent node to register');
    const real = ['bank-a', 'customs', 'platform']; // the features of the consortium need customs and platform
    const jobId = coord.jobs.submit(spec('hang-silent', 1, [...real, 'ghost']), schema);
    const final = await finish(jobId);

    expect(final.error).toBe('');
    expect(final.state).toBe('SUCCEEDED');
    // It was handed every stage's first step (and held it), and nothing later.
    expect(ghost.handed()).toEqual(['STATS 0 begin', 'EVALUATE 0 begin', 'TRAIN 1 begin', 'EVALUATE 1 begin']);
    expect(coord.grid.available()).toContain('ghost'); // it heartbeats throughout
    const held = probe!.steps.filter((s) => s.step === 'advertise-keys');
    expect(held.length).toBe(4);
    for (const s of held) {
      expect(s.participants).toContain('ghost');
      expect(s.answered).toEqual(real);
      expect(s.failed).toEqual(['ghost']);
      expect(s.ms!).toBeLessThanOrEqual(STEP_MS + TIMER_SLACK_MS);
    }
    for (const s of probe!.steps.filter((x) => x.step !== 'advertise-keys')) expect(s.participants).toEqual(real);
    const r1 = round(final, 1);
    expect(names(r1.participants)).toEqual(real);
    expect(r1.secure).toMatchObject({ participants: 4, survivors: 3, threshold: 3 });
    const reason = `no reply within the ${STEP_MS} ms stage deadline`;
    expect(r1.failures).toEqual([
      { participant: 'ghost', stage: 'round 1: train (secagg advertise-keys)', reason },
      { participant: 'ghost', stage: 'round 1: evaluate (secagg advertise-keys)', reason },
    ]);
    // Two stages (train, evaluate), each held up by one step deadline.
    expect(r1.seconds * 1000).toBeLessThanOrEqual(2 * STEP_MS + ROUND_SLACK_MS);
    timings.push(`silent node: advertise-keys steps ${held.map((s) => s.ms).join(', ')} ms (deadline ${STEP_MS} ms), round 1 ${Math.round(r1.seconds * 1000)} ms`);
  }, 120_000);
});
