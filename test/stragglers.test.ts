/**
 * Stragglers and dropouts over real gRPC (issue acceptance criterion): a participant killed during
 * each secure-aggregation step of a training round, a participant that hangs (SIGSTOP: no replies,
 * no heartbeats; and a live node that heartbeats and pulls tasks but never answers them), and a
 * quorum that cannot be met. The coordinator runs in this process on 127.0.0.1 (port 0); the
 * participants are real `fedcredit participant` processes on the synthetic consortium.
 *
 * The moment of a kill is exact: a probe on the coordinator's Grid (straggler-helpers.ts) sends
 * the signal just before a step's tasks are queued, so the victim has answered every earlier step
 * and is gone for this one. Every job uses n = 4, t = 3 and short deadlines; what is checked is
 * that the round completes with the survivors (or aborts cleanly), that the failure names the
 * participant and the step, that the lost participant held the round up no longer than the step's
 * deadline, and that a restarted (or resumed) participant takes part again in the next round.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { startCoordinator } from '../coordinator/server.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import { ControlClient } from '../client/control-client.ts';
import { JobSpecSchema } from '../core/job.ts';
import { loadSchemaFile } from '../participant/data/load.ts';
import type { JobStatus__Output } from '../proto/generated/fedcredit/v1/JobStatus.ts';
import type { RoundReport__Output } from '../proto/generated/fedcredit/v1/RoundReport.ts';
import { SYNTHETIC_SCHEMA, startParticipant, stopAll, syntheticParties, tempDir } from './helpers.ts';
import type { ParticipantProcess } from './helpers.ts';
import { GridProbe, SilentNode, holdAfterRound, waitUntil } from './straggler-helpers.ts';

/** Deadline of the key-exchange and unmasking steps (secureAggregation.stepMs). */
const STEP_MS = 4000;
/** Deadline of a stage; the masked-input step (which waits for local training) uses it. */
const STAGE_MS = 20_000;
const HEARTBEAT_INTERVAL_MS = 250;
/** Above STEP_MS, so that a dead node misses a key-exchange step by its deadline, and a masked-input step by its heartbeat. */
const HEARTBEAT_TIMEOUT_MS = 6000;
/** A step's timer may fire late on a loaded machine: allowed lateness. */
const TIMER_SLACK_MS = 5000;
/** Local training, evaluation, cryptography and gRPC of one round on a loaded 2-core machine. */
const ROUND_SLACK_MS = 20_000;
/** Starting a participant process (tsx, tfjs, data) on a loaded machine. */
const START_MS = 60_000;

const deadlineOf = (step: string) => (step === 'masked-input' ? STAGE_MS : STEP_MS);
const names = (xs: string[]) => [...xs].sort();

describe('stragglers and dropouts: rounds finish with the survivors within their deadlines', () => {
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
      train: { localEpochs: 1, batchSize: 32, learningRate: 0.1 }, evaluation: { bins: 100 },
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

  // One participant is killed during each of the four steps of the round-1 training sum.
  const KILLS = [
    { step: 'advertise-keys', victim: 'bank-b' },
    { step: 'share-keys', victim: 'customs' },
    { step: 'masked-input', victim: 'platform' },
    { step: 'unmasking', victim: 'bank-a' },
  ];
  for (const { step, victim } of KILLS) {
    it(`a participant killed during ${step}: the round completes with the survivors within the deadline; it rejoins after a restart`, async () => {
      const others = NAMES.filter((n) => n !== victim);
      const old = proc(victim);
      const jobId = coord.jobs.submit(spec(`kill-at-${step}`, 2), schema);
      let killedAt = 0;
      probe!.at(1, 'train', step, (rec) => {
        if (!rec.participants.includes(victim)) return;
        killedAt = Date.now();
        old.child.kill('SIGKILL');
      });
      // Between rounds 1 and 2 the victim is restarted (same name, same data): round 2 must take it back.
      holdAfterRound(coord, jobId, 1, async () => {
        await old.exited;
        await start(victim);
      });
      const final = await finish(jobId);

      expect(killedAt, 'the victim was killed at the step').toBeGreaterThan(0);
      expect(old.child.signalCode).toBe('SIGKILL');
      expect(final.error).toBe('');
      expect(final.state).toBe('SUCCEEDED');

      // The step it vanished in: the others answered, it failed, and the step lasted at most its deadline.
      const lost = probe!.step(1, 'train', step);
      expect(lost.participants).toEqual(NAMES);
      expect(lost.answered).toEqual(others);
      expect(lost.failed).toEqual([victim]);
      expect(lost.ms!).toBeLessThanOrEqual(deadlineOf(step) + TIMER_SLACK_MS);
      // Later steps of that secure sum no longer ask it (except for the unmasking shares, the last step).
      const steps = probe!.stage(1, 'train');
      expect(steps.slice(0, 3).map((s) => s.step)).toEqual(['advertise-keys', 'share-keys', 'masked-input']);
      expect(steps.at(-1)!.step).toBe('unmasking');
      for (const s of steps.slice(steps.indexOf(lost) + 1)) expect(s.participants).not.toContain(victim);

      const r1 = round(final, 1);
      const failure = r1.failures.find((f) => f.participant === victim && f.stage.startsWith('round 1: train'));
      expect(failure?.stage).toBe(`round 1: train (secagg ${step})`);
      // A dead node misses a key-exchange or unmasking step by the step deadline (it is shorter
      // than the heartbeat timeout), and the long masked-input step by its heartbeat.
      expect(failure?.reason).toBe(step === 'masked-input' ? `disconnected: no heartbeat for ${HEARTBEAT_TIMEOUT_MS} ms` : `no reply within the ${STEP_MS} ms stage deadline`);
      // Nobody else failed in that round (the victim may also fail round 1's evaluation, if still
      // counted as connected when it starts).
      expect(r1.failures.filter((f) => f.participant !== victim)).toEqual([]);
      if (step === 'unmasking') {
        // It sent its masked input, so it is in U3: its input is in the sum, and its self-mask
        // is removed with the t = 3 shares of b_u the three others revealed. It counts as a survivor.
        expect(names(r1.participants)).toEqual(NAMES);
        expect(r1.secure).toMatchObject({ participants: 4, survivors: 4, threshold: 3 });
      } else {
        // Lost before its masked input: the sum is over the three survivors (after masked-input, its
        // pairwise masks are removed with the survivors' shares of its masking key).
        expect(names(r1.participants)).toEqual(others);
        expect(r1.secure).toMatchObject({ participants: 4, survivors: 3, threshold: 3 });
      }
      expect(r1.metrics!.auc).toBeGreaterThan(0.6);
      // The round took at most the deadline of the step it vanished in, plus the first step of the
      // evaluation (where it may still be counted as connected), plus computation.
      expect(r1.seconds * 1000).toBeLessThanOrEqual(deadlineOf(step) + STEP_MS + ROUND_SLACK_MS);

      // Rejoin: restarted between rounds 1 and 2, it takes part in round 2 again.
      const r2 = round(final, 2);
      expect(names(r2.participants)).toEqual(NAMES);
      expect(r2.secure).toMatchObject({ participants: 4, survivors: 4, threshold: 3 });
      expect(r2.failures).toEqual([]);
      timings.push(
        `killed during ${step}: that step ${lost.ms} ms (deadline ${deadlineOf(step)} ms), round 1 ${Math.round(r1.seconds * 1000)} ms ` +
          `(bound ${deadlineOf(step) + STEP_MS + ROUND_SLACK_MS} ms), round 2 after rejoining ${Math.round(r2.seconds * 1000)} ms`,
      );
    }, 120_000);
  }

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
    ghost = new SilentNode(coord.address, 'ghost', createHash('sha256').update(JSON.stringify(schema)).digest('hex'));
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

  it('two of four killed at masked-input (t = 3): the round aborts cleanly, nothing is unmasked, the job fails with the reason; the coordinator keeps serving', async () => {
    const victims = ['customs', 'platform'];
    const olds = victims.map(proc);
    const jobId = coord.jobs.submit(spec('quorum-lost', 2), schema);
    let killedAt = 0;
    probe!.at(1, 'train', 'masked-input', () => {
      killedAt = Date.now();
      for (const p of olds) p.child.kill('SIGKILL');
    });
    const final = await finish(jobId);

    expect(killedAt).toBeGreaterThan(0);
    expect(final.state).toBe('FAILED');
    expect(final.error).toMatch(/^round 1 train: secure aggregation aborted, nothing was unmasked: masked-input: only 2 of the required 3 participants sent masked inputs \(/);
    for (const v of victims) expect(final.error).toContain(`${v}: disconnected: no heartbeat for ${HEARTBEAT_TIMEOUT_MS} ms`);
    // The engine does not retry the round: one attempt, no unmasking request, no later stage.
    expect(probe!.stage(1, 'train').map((s) => s.step)).toEqual(['advertise-keys', 'share-keys', 'masked-input']);
    expect(probe!.steps.filter((s) => s.round > 1 || (s.kind === 'evaluate' && s.round === 1))).toEqual([]);
    expect(final.roundsCompleted).toBe(0);
    expect(final.rounds.map((r) => r.round)).toEqual([0]);
    const masked = probe!.step(1, 'train', 'masked-input');
    expect(masked.answered).toEqual(['bank-a', 'bank-b']);
    expect(masked.ms!).toBeLessThanOrEqual(STAGE_MS + TIMER_SLACK_MS);
    expect(final.finishedUnixMs - killedAt).toBeLessThanOrEqual(STAGE_MS + TIMER_SLACK_MS);
    // The survivors are unharmed.
    for (const n of ['bank-a', 'bank-b']) expect(running(proc(n))).toBe(true);

    // The coordinator keeps serving: with the two restarted, a new job succeeds with all four.
    for (const v of victims) await start(v);
    const control = new ControlClient(coord.address);
    const next = await control.submit(spec('after-abort', 1), schema);
    control.close();
    const after = await finish(next);
    expect(after.error).toBe('');
    expect(after.state).toBe('SUCCEEDED');
    expect(names(round(after, 1).participants)).toEqual(NAMES);
    expect(round(after, 1).failures).toEqual([]);
    timings.push(`quorum lost at masked-input: that step ${masked.ms} ms (stage deadline ${STAGE_MS} ms), job failed ${final.finishedUnixMs - killedAt} ms after the kills`);
  }, 150_000);
});
