/**
 * Dropouts during secure aggregation, in process (sim/simulate.ts): the coordinator's real job
 * manager, round engine and secure-aggregation server, and each member's real handler chain
 * (schema check, secure sum with its release guard, trainer), over the in-memory grid. A member
 * is lost at each step of round 1's training sum — it stops answering from that step on, as a
 * killed process would, having answered every earlier step — and is restarted between rounds 1
 * and 2 (a fresh handler chain over the same data and state dir). Two members lost at once leave
 * fewer than t survivors: the round aborts and nothing is unmasked. Every job has n = 4, t = 3.
 *
 * What is checked: the round completes with the survivors (or aborts cleanly), the failure names
 * the member and the step, later steps no longer ask it, the restarted member takes part in the
 * next round, and the coordinator runs the next job after an abort. How a real coordinator
 * notices a dead node (step deadline, heartbeat timeout) and how long it holds a round up are the
 * process-level half, in stragglers.test.ts; the exact sum over the survivors at every step is
 * checked in secure-sum.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { JobSpecSchema } from '../core/job.ts';
import type { VanishStep } from '../sim/memory-grid.ts';
import { GridProbe } from './support/grid-probe.ts';
import { consortium, roundOf, sorted, stateDirs, syntheticConsortium } from './support/simulation.ts';

const parties = syntheticConsortium(0.3, 5);
const NAMES = sorted(parties.map((p) => p.name));
const dirs = stateDirs('dropouts');
afterAll(() => dirs.cleanup());

/** A secure-aggregation job over the four members: n = 4, t = 3. */
const spec = (name: string, rounds: number, seed: number) =>
  JobSpecSchema.parse({
    name, rounds, minParticipants: 3, seed,
    // Each round's evaluation as a stage of its own, a secure sum of its own that members can drop out of.
    train: { localEpochs: 1, batchSize: 32, learningRate: 0.1 }, evaluation: { bins: 100, carried: false },
    // Every sum sets up its own keys, so round 1's training sum runs each step of the protocol
    // itself (keys set up ahead move its first steps into the statistics sum's calls).
    secureAggregation: { threshold: 3, keysAhead: 0 },
  });

/** Round 1's training sum: where the members are lost. */
const inTraining = (step: VanishStep) => ({ step, round: 1, kind: 'train' as const });

describe('dropouts during secure aggregation: rounds finish with the survivors, or abort with nothing unmasked', () => {
  // One member lost during each step of the round-1 training sum. Without a roster (as the
  // participant processes of stragglers.test.ts run) a secure sum has four steps; with one (the
  // simulator's default) the survivors also sign U3 in a consistency check, and only the signers
  // are asked to unmask.
  const KILLS: { step: VanishStep; victim: string; authenticated: boolean }[] = [
    { step: 'advertise-keys', victim: 'bank-b', authenticated: false },
    { step: 'share-keys', victim: 'customs', authenticated: false },
    { step: 'masked-input', victim: 'platform', authenticated: false },
    { step: 'unmasking', victim: 'bank-a', authenticated: false },
    { step: 'consistency-check', victim: 'customs', authenticated: true },
    { step: 'unmasking', victim: 'bank-b', authenticated: true },
  ];
  KILLS.forEach(({ step, victim, authenticated }, i) => {
    const mode = authenticated ? 'with a roster' : 'without a roster';
    it(`a member lost during ${step} (${mode}): the round completes with the survivors; it rejoins after a restart`, async () => {
      const others = NAMES.filter((n) => n !== victim);
      const sim = await consortium(parties, dirs.dir(), { [victim]: inTraining(step) }, { seed: 20 + i, authenticated });
      const probe = new GridProbe(sim.grid);
      const before = sim.participants.get(victim);
      // Between rounds 1 and 2 the victim is restarted (same name, data and state dir): round 2 must take it back.
      let restarted = false;
      const final = await sim.run(spec(`lost-at-${step}`, 2, 11 + i), {
        onUpdate: (u) => {
          if (u.round?.round !== 1) return;
          sim.restart(victim);
          restarted = true;
        },
      });
      expect(final.error).toBe('');
      expect(final.state).toBe('SUCCEEDED');
      expect(restarted).toBe(true);
      expect(sim.participants.get(victim)).not.toBe(before);

      // The step it vanished in: it was asked with the others, the others answered, it failed.
      const reply = step === 'consistency-check' ? 'consistency-signature' : step;
      const lost = probe.step(1, 'train', reply);
      expect(lost.participants).toEqual(NAMES);
      expect(lost.answered).toEqual(others);
      expect(lost.failed).toEqual([victim]);
      // Every step before it asked and heard all four; later steps of that sum no longer ask it.
      const steps = probe.stage(1, 'train');
      expect(steps.map((s) => s.step)).toEqual(['advertise-keys', 'share-keys', 'masked-input', ...(authenticated ? ['consistency-signature'] : []), 'unmasking']);
      for (const s of steps.slice(0, steps.indexOf(lost))) expect(s.answered).toEqual(NAMES);
      for (const s of steps.slice(steps.indexOf(lost) + 1)) expect(s.participants).not.toContain(victim);
      if (step !== 'unmasking') expect(steps.at(-1)!.participants).toEqual(others);

      // Its failure, named with the step, is the only one of the round: once gone, it is not
      // asked to evaluate round 1.
      const r1 = roundOf(final, 1);
      expect(r1.failures).toEqual([{ participant: victim, stage: `round 1: train (secagg ${reply})`, reason: 'vanished' }]);
      expect(probe.stage(1, 'evaluate').length).toBeGreaterThan(0);
      for (const s of probe.stage(1, 'evaluate')) expect(s.participants).toEqual(others);
      const secure = { participants: 4, threshold: 3, ...(authenticated ? { authenticated: true } : {}) };
      if (step === 'consistency-check' || step === 'unmasking') {
        // It sent its masked input, so it is in U3: its input is in the sum, and its self-mask is
        // removed with the t = 3 shares of b_u the three others revealed. It counts as a survivor.
        expect(sorted(r1.participants)).toEqual(NAMES);
        expect(r1.secure).toMatchObject({ ...secure, survivors: 4 });
      } else {
        // Lost before its masked input: the sum is over the three survivors (once it has shared its
        // keys, its pairwise masks are in their inputs, removed with their shares of its masking key).
        expect(sorted(r1.participants)).toEqual(others);
        expect(r1.secure).toMatchObject({ ...secure, survivors: 3 });
      }
      expect(r1.metrics.auc).toBeGreaterThan(0.6);

      // Rejoin: restarted between rounds 1 and 2, it takes part in round 2 again, with its
      // release history (read back from its state dir) intact.
      const r2 = roundOf(final, 2);
      expect(sorted(r2.participants)).toEqual(NAMES);
      expect(r2.secure).toMatchObject({ ...secure, survivors: 4 });
      expect(r2.failures).toEqual([]);
      for (const s of probe.stage(2, 'train')) expect(s.answered).toEqual(NAMES);
      const released = sim.participants.get(victim)!.releases.history().filter((r) => r.kind === 'release').map((r) => `${r.stage}/${r.round}`);
      expect(released).toEqual(expect.arrayContaining(['stats/0', 'evaluate/0', 'train/2', 'evaluate/2']));
    });
  });

  it('two of four lost at masked-input (t = 3): the round aborts cleanly, nothing is unmasked, the job fails with the reason; the coordinator keeps serving', async () => {
    const victims = ['customs', 'platform'];
    const stateDir = dirs.dir();
    const sim = await consortium(parties, stateDir, Object.fromEntries(victims.map((v) => [v, inTraining('masked-input')])), { seed: 30 });
    const probe = new GridProbe(sim.grid);
    const final = await sim.run(spec('quorum-lost', 2, 31));

    expect(final.state).toBe('FAILED');
    expect(final.error).toMatch(/^round 1 train: secure aggregation aborted, nothing was unmasked: masked-input: only 2 of the required 3 participants sent masked inputs \(/);
    // Members that failed for the same reason share one entry: "customs, platform: vanished".
    expect(/([a-z-]+(?:, [a-z-]+)*): vanished/.exec(final.error)?.[1]?.split(', ').sort()).toEqual(victims);
    // The engine does not retry the round: one attempt, no consistency check or unmasking request, no later stage.
    expect(probe.stage(1, 'train').map((s) => s.step)).toEqual(['advertise-keys', 'share-keys', 'masked-input']);
    expect(probe.steps.filter((s) => s.round > 1 || (s.kind === 'evaluate' && s.round === 1))).toEqual([]);
    expect(final.rounds.map((r) => r.round)).toEqual([0]);
    const masked = probe.step(1, 'train', 'masked-input');
    expect(masked.participants).toEqual(NAMES);
    expect(masked.answered).toEqual(['bank-a', 'bank-b']);
    expect(masked.failed).toEqual(victims);
    // Nothing was unmasked: no member recorded a release of round 1's update, and the coordinator
    // stored no survivor set for it (it does so just before asking for shares).
    for (const [name, p] of sim.participants) {
      const about = p.releases.about({ jobId: final.jobId, stage: 'train', round: 1 });
      expect(about.filter((r) => r.kind === 'release'), name).toEqual([]);
    }
    expect(existsSync(path.join(stateDir, 'coordinator', 'jobs', final.jobId, 'releases', 'train-0001.json'))).toBe(false);

    // The coordinator keeps serving: with the two restarted, a new job succeeds with all four.
    for (const v of victims) sim.restart(v);
    const after = await sim.run(spec('after-abort', 1, 32));
    expect(after.error).toBe('');
    expect(after.state).toBe('SUCCEEDED');
    expect(sorted(roundOf(after, 1).participants)).toEqual(NAMES);
    expect(roundOf(after, 1).failures).toEqual([]);
  });
});
