/**
 * Failure handling over real gRPC: a participant killed mid-round, after it has shared its keys
 * for the secure sum (the round completes with the others once its heartbeat lapses, its masks
 * removed with the survivors' key shares), and a job whose quorum can never be met (fails with a
 * clear reason instead of hanging).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadSchemaFile } from '../participant/data/load.ts';
import { startCoordinator } from '../coordinator/server.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import { ControlClient } from '../client/control-client.ts';
import { JobSpecSchema } from '../core/job.ts';
import { SYNTHETIC_SCHEMA, startParticipant, stopAll, syntheticParties, tempDir } from './helpers.ts';
import type { ParticipantProcess } from './helpers.ts';

describe('participants that vanish, and quorums that cannot be met', () => {
  const tmp = tempDir('failures');
  let coord: CoordinatorHandle;
  let parts: ParticipantProcess[] = [];
  const parties = syntheticParties(tmp.dir, 0.4);
  const schema = loadSchemaFile(SYNTHETIC_SCHEMA);

  beforeAll(async () => {
    coord = await startCoordinator({ port: 0, stateDir: path.join(tmp.dir, 'state'), logLevel: 'silent', heartbeatIntervalMs: 250, heartbeatTimeoutMs: 4000 });
    parts = parties.map((p) => startParticipant(p.name, p.path, coord.address));
  });
  afterAll(async () => {
    await stopAll(parts);
    await coord.stop();
    tmp.cleanup();
  });

  it('finishes the job when a participant is killed mid-round', async () => {
    const job = JobSpecSchema.parse({
      name: 'dropout', rounds: 5, minParticipants: 3, seed: 9,
      train: { localEpochs: 2, batchSize: 16, learningRate: 0.05 }, evaluation: { bins: 100 }, deadlines: { stageMs: 60_000 },
    });
    const control = new ControlClient(coord.address);
    // Start only once all four nodes are connected, so that the victim is part of round 2.
    for (let i = 0; i < 300 && coord.grid.available().length < 4; i++) await new Promise((r) => setTimeout(r, 100));
    expect(coord.grid.available()).toEqual(['bank-a', 'bank-b', 'customs', 'platform']);
    const jobId = await control.submit(job, schema);
    const victim = parts.find((p) => p.name === 'bank-b')!;
    let killedInRound = 0;
    let stage = '';
    // Kill bank-b right after it has handed out its key shares in round 2's training aggregate:
    // its pairwise masks are then in the others' masked inputs, and the round can only finish
    // if the survivors' shares of its masking key let the coordinator remove them (Bonawitz et
    // al. 2017, the dropout case). Observing deliveries does not change them.
    const deliver = coord.grid.deliver.bind(coord.grid);
    coord.grid.deliver = (e, taskId, reply) => {
      const problem = deliver(e, taskId, reply);
      if (!killedInRound && e.name === 'bank-b' && stage === 'round 2: train' && 'secagg' in reply && reply.secagg.type === 'share-keys') {
        killedInRound = 2;
        victim.child.kill('SIGKILL');
      }
      return problem;
    };
    const final = await control.follow(jobId, (e) => {
      stage = e.status?.stage ?? stage;
    });
    control.close();
    expect(final.error).toBe('');
    expect(killedInRound).toBe(2);
    expect(final.state).toBe('SUCCEEDED');
    const r2 = final.rounds.find((r) => r.round === 2)!;
    expect(r2.participants).not.toContain('bank-b');
    expect(r2.participants.length).toBe(3);
    const failure = final.rounds.flatMap((r) => r.failures).find((f) => f.participant === 'bank-b');
    expect(failure?.reason).toMatch(/disconnected: no heartbeat for 4000 ms/);
    expect(failure?.stage).toBe('round 2: train (secagg masked-input)');
    expect(r2.secure).toMatchObject({ participants: 4, survivors: 3, threshold: 3 });
    // Later rounds go on without it, and the model keeps a sensible quality.
    expect(final.rounds[final.rounds.length - 1].round).toBe(5);
    expect(final.rounds[final.rounds.length - 1].participants).not.toContain('bank-b');
    expect(final.rounds[final.rounds.length - 1].metrics!.auc).toBeGreaterThan(0.7);
  });

  it('fails clearly when the quorum cannot be met', async () => {
    const job = JobSpecSchema.parse({ name: 'too-many', rounds: 2, minParticipants: 7, deadlines: { waitForParticipantsMs: 1000 } });
    const control = new ControlClient(coord.address);
    const started = Date.now();
    const jobId = await control.submit(job, schema);
    const final = await control.follow(jobId, () => undefined);
    control.close();
    expect(final.state).toBe('FAILED');
    expect(final.error).toMatch(/^quorum cannot be met: the job needs 7 participant\(s\), but 3 are connected after waiting 1000 ms \(connected: bank-a, customs, platform\)$/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('refuses a job whose schema differs from the nodes\' schema, with the reason', async () => {
    const other = { ...schema, numeric: schema.numeric.filter((f) => f.name !== 'age') };
    const job = JobSpecSchema.parse({ name: 'wrong-schema', rounds: 1, minParticipants: 3, deadlines: { waitForParticipantsMs: 5000 } });
    const control = new ControlClient(coord.address);
    const final = await control.follow(await control.submit(job, other), () => undefined);
    control.close();
    expect(final.state).toBe('FAILED');
    expect(final.error).toMatch(/round 0 stats: secure aggregation aborted, nothing was unmasked: advertise-keys: only 0 of the required 3 participants advertised keys/);
    expect(final.error).toMatch(/refused: the job's schema \(digest [0-9a-f]{12}\) differs from this node's schema/);
  });

  it('nodes refuse plain aggregation unless their operator allowed it', async () => {
    const job = JobSpecSchema.parse({ name: 'plain', rounds: 1, minParticipants: 3, aggregation: 'plain', deadlines: { waitForParticipantsMs: 5000 } });
    const control = new ControlClient(coord.address);
    const final = await control.follow(await control.submit(job, schema), () => undefined);
    control.close();
    expect(final.state).toBe('FAILED');
    expect(final.aggregation).toBe('plain');
    expect(final.error).toMatch(/round 0 stats: only 0 of the required 3 participant\(s\) delivered/);
    expect(final.error).toMatch(/refused: this node takes part only in secure aggregation, but job \S+ asks for plain aggregation .*--allow-plain-aggregation to permit it \[plain_refused\]/);
  });
});
