/**
 * Finished jobs live on disk, not in memory (an external fuzzer grew a coordinator from 143 to
 * 415 MB RSS with 8 jobs of 9.8 MB schemas, never released). Against an in-process coordinator:
 * after jobs with schemas of about 1 MB have finished, the job manager holds no more of them than
 * its bounded cache allows, yet the status, event stream and model of every finished job are
 * still served — read back from the store — and so they are after a restart, which loads no
 * finished job at all. (The manager's records are checked directly: RSS is too noisy to test.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { ControlClient } from '../client/control-client.ts';
import { startCoordinator } from '../coordinator/server.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import { DataSchemaSchema } from '../core/data/schema.ts';
import type { DataSchema } from '../core/data/schema.ts';
import { JobSpecSchema } from '../core/job.ts';
import { tempDir } from './helpers.ts';
import { PlainMember, TINY_SCHEMA } from './plain-members.ts';

const CACHED = 2;
const BIG_JOBS = 6;

/** A valid schema of about 1 MB: one categorical feature with 60,000 levels. */
function bigSchema(tag: number): DataSchema {
  const levels = Array.from({ length: 60_000 }, (_, i) => `${tag}-level-${String(i).padStart(5, '0')}`);
  return DataSchemaSchema.parse({ label: { column: 'y', positive: '1' }, numeric: [{ name: 'a' }], categorical: [{ name: 'c', levels }] });
}

describe('finished jobs are kept on disk, not in memory', () => {
  const tmp = tempDir('job-memory');
  const stateDir = path.join(tmp.dir, 'state');
  let coord: CoordinatorHandle;
  let control: ControlClient;
  const bigIds: string[] = [];
  let plainId = '';
  let model: Float32Array;

  beforeAll(async () => {
    coord = await startCoordinator({ port: 0, stateDir, logLevel: 'silent', jobLimits: { finishedCached: CACHED } });
    control = new ControlClient(coord.address);
  });
  afterAll(async () => {
    control.close();
    await coord.stop();
    tmp.cleanup();
  });

  it(`holds at most ${CACHED} finished jobs after ${BIG_JOBS} with ~1 MB schemas, and still answers for every one from the store`, async () => {
    const members = ['mem-a', 'mem-b'].map((m) => new PlainMember(coord.address, m));
    await Promise.all(members.map((m) => m.start()));
    try {
      const plain = JobSpecSchema.parse({ name: 'kept', participants: ['mem-a', 'mem-b'], rounds: 1, aggregation: 'plain', evaluation: { bins: 10 } });
      plainId = await control.submit(plain, DataSchemaSchema.parse(TINY_SCHEMA));
      const done = await control.follow(plainId, () => undefined);
      expect(done.state, done.error).toBe('SUCCEEDED');
      model = (await control.fetchModel(plainId)).weights;
    } finally {
      await Promise.all(members.map((m) => m.stop()));
    }

    // Jobs with big schemas that end at once (nobody to wait for).
    const quick = (i: number) => JobSpecSchema.parse({ name: `big-${i}`, participants: ['nobody'], minParticipants: 1, deadlines: { waitForParticipantsMs: 0 } });
    for (let i = 0; i < BIG_JOBS; i++) {
      const schema = bigSchema(i);
      expect(JSON.stringify(schema).length).toBeGreaterThan(900_000);
      bigIds.push(await control.submit(quick(i), schema));
    }
    await coord.jobs.idle();

    const held = () => coord.jobs.inMemory().map((r) => r.id);
    expect(held().length).toBeLessThanOrEqual(CACHED);
    expect(held()).toEqual(bigIds.slice(-CACHED)); // the most recently finished, nothing else
    const bigSchemasHeld = coord.jobs.inMemory().filter((r) => r.schema.categorical.length > 0).length;
    expect(bigSchemasHeld).toBeLessThanOrEqual(CACHED);

    for (const id of bigIds) {
      const s = await control.status(id);
      expect(s).toMatchObject({ jobId: id, state: 'FAILED', error: expect.stringMatching(/^quorum cannot be met/) });
      expect(held().length).toBeLessThanOrEqual(CACHED);
    }
    // The plain job's status, stream and model, read back from disk.
    expect(held()).not.toContain(plainId);
    const events: string[] = [];
    const watched = await control.follow(plainId, (e) => events.push(e.status?.state ?? ''));
    expect(watched).toMatchObject({ state: 'SUCCEEDED', roundsCompleted: 1, participants: ['mem-a', 'mem-b'] });
    expect(events).toEqual(['SUCCEEDED']);
    expect(watched.rounds.map((r) => r.round)).toEqual([0, 1]);
    for (const id of bigIds.slice(0, 3)) await control.status(id); // push the plain job out of the cache again
    expect(held()).not.toContain(plainId);
    expect((await control.fetchModel(plainId)).weights).toEqual(model);
  });

  it('after a restart, loads no finished job, and serves each from the store', async () => {
    await coord.stop();
    control.close();
    coord = await startCoordinator({ port: 0, stateDir, logLevel: 'silent', jobLimits: { finishedCached: CACHED } });
    control = new ControlClient(coord.address);
    expect(coord.jobs.inMemory()).toEqual([]);
    expect(await control.status(plainId)).toMatchObject({ state: 'SUCCEEDED', roundsCompleted: 1 });
    expect((await control.fetchModel(plainId)).weights).toEqual(model);
    for (const id of bigIds) expect((await control.status(id)).state).toBe('FAILED');
    expect(coord.jobs.inMemory().length).toBeLessThanOrEqual(CACHED);
  });
});
