/**
 * Failure handling, in process (sim/simulate.ts: the real job manager, round engine, secure
 * aggregation and member handler chains over the in-memory grid): a member lost mid-round after
 * it has shared its keys for the secure sum (the round completes with the others, its masks
 * removed with the survivors' key shares, and the job goes on without it), a job whose quorum can
 * never be met (fails with a clear reason instead of hanging), and jobs the members refuse — a
 * schema other than the one their data was validated against, and plain aggregation their
 * operators did not allow — failing with the members' reasons. How a real coordinator notices a
 * dead process (heartbeat timeout) is in stragglers.test.ts; how long it waits for participants
 * (FleetGrid.waitFor) in coordinator/fleet-grid.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { JobSpecSchema } from '../core/job.ts';
import { GridProbe } from './support/grid-probe.ts';
import { consortium, roundOf, schema, stateDirs, syntheticConsortium } from './support/simulation.ts';

const NAMES = ['bank-a', 'bank-b', 'customs', 'platform'];
const dirs = stateDirs('failures');
afterAll(() => dirs.cleanup());

describe('members that vanish, quorums that cannot be met, and jobs the members refuse', () => {
  it('finishes the job when a participant is lost mid-round', async () => {
    // bank-b is lost right after it has handed out its key shares in round 2's training sum: its
    // pairwise masks are then in the others' masked inputs, and the round can only finish if the
    // survivors' shares of its masking key let the coordinator remove them (Bonawitz et al. 2017,
    // the dropout case).
    const sim = await consortium(syntheticConsortium(0.4), dirs.dir(), { 'bank-b': { step: 'masked-input', round: 2, kind: 'train' } }, { seed: 9 });
    const probe = new GridProbe(sim.grid);
    const job = JobSpecSchema.parse({
      name: 'dropout', rounds: 5, minParticipants: 3, seed: 9,
      train: { localEpochs: 2, batchSize: 16, learningRate: 0.05 }, evaluation: { bins: 100 },
      // Every sum sets up its own keys, so round 2's key shares are handed out in round 2 itself.
      secureAggregation: { keysAhead: 0 },
    });
    const final = await sim.run(job);
    expect(final.error).toBe('');
    expect(final.state).toBe('SUCCEEDED');
    expect(probe.step(2, 'train', 'share-keys').answered).toEqual(NAMES);
    const r2 = roundOf(final, 2);
    expect(r2.participants).not.toContain('bank-b');
    expect(r2.participants.length).toBe(3);
    // Its one failure, in round 2's masked-input step: once gone, it is asked nothing more.
    expect(final.rounds.flatMap((r) => r.failures)).toEqual([{ participant: 'bank-b', stage: 'round 2: train (secagg masked-input)', reason: 'vanished' }]);
    expect(r2.secure).toMatchObject({ participants: 4, survivors: 3, threshold: 3 });
    // Later rounds go on without it, and the model keeps a sensible quality.
    const last = final.rounds.at(-1)!;
    expect(last.round).toBe(5);
    expect(last.participants).not.toContain('bank-b');
    expect(last.metrics.auc).toBeGreaterThan(0.7);
  });

  it('fails clearly when the quorum cannot be met', async () => {
    const sim = await consortium(syntheticConsortium().filter((p) => p.name !== 'bank-b'), dirs.dir());
    const probe = new GridProbe(sim.grid);
    const started = Date.now();
    const final = await sim.run(JobSpecSchema.parse({ name: 'too-many', rounds: 2, minParticipants: 7, deadlines: { waitForParticipantsMs: 1000 } }));
    expect(final.state).toBe('FAILED');
    expect(final.error).toMatch(/^quorum cannot be met: the job needs 7 participant\(s\), but 3 are connected after waiting 1000 ms \(connected: bank-a, customs, platform\)$/);
    expect(Date.now() - started).toBeLessThan(15_000);
    // Nothing was asked of anyone, and no round was recorded.
    expect(probe.steps).toEqual([]);
    expect(final.rounds).toEqual([]);
  });

  it('refuses a job whose schema differs from the nodes\' schema, with the reason', async () => {
    const sim = await consortium(syntheticConsortium(), dirs.dir());
    // The members validated their data against `schema`; the job names another.
    const other = { ...schema, numeric: schema.numeric.filter((f) => f.name !== 'age') };
    const job = JobSpecSchema.parse({ name: 'wrong-schema', rounds: 1, minParticipants: 3 });
    const final = await sim.run(job, { schema: other });
    expect(final.state).toBe('FAILED');
    expect(final.error).toMatch(/round 0 stats: secure aggregation aborted, nothing was unmasked: advertise-keys: only 0 of the required 3 participants advertised keys/);
    expect(final.error).toMatch(/refused: the job's schema \(digest [0-9a-f]{12}\) differs from this node's schema/);
    // Every member refused for the same reason, said once for all of them.
    expect(/\(([a-z-]+(?:, [a-z-]+)*): refused: the job's schema/.exec(final.error)?.[1]?.split(', ').sort()).toEqual([...NAMES].sort());
    expect(final.rounds).toEqual([]);
  });

  it('nodes refuse plain aggregation unless their operator allowed it', async () => {
    const sim = await consortium(syntheticConsortium(), dirs.dir()); // no member was started with allowPlain
    const job = JobSpecSchema.parse({ name: 'plain', rounds: 1, minParticipants: 3, aggregation: 'plain' });
    const final = await sim.run(job);
    expect(final.state).toBe('FAILED');
    expect(sim.jobs.get(final.jobId)!.aggregation).toBe('plain');
    expect(final.error).toMatch(/round 0 stats: only 0 of the required 3 participant\(s\) delivered/);
    expect(final.error).toMatch(/refused: this node takes part only in secure aggregation, but job \S+ asks for plain aggregation .*--allow-plain-aggregation to permit it \[plain_refused\]/);
    expect(/\(([a-z-]+(?:, [a-z-]+)*): refused: this node takes part only in secure aggregation/.exec(final.error)?.[1]?.split(', ').sort()).toEqual([...NAMES].sort());
    expect(final.rounds).toEqual([]);
  });
});
