/**
 * Replies of plain jobs that decode and fit their shape yet make no sense, found by an external
 * fuzzer, against an in-process coordinator over real gRPC with hand-driven members
 * (test/plain-members.ts):
 *  - an evaluation whose row count n is 0.5 is that member's failure, refused at delivery with the
 *    reason, and the job goes on without it (it used to fail the whole job with "internal error:
 *    refusing to write an invalid round-completed record");
 *  - FedAvg weights of 1e-300 from every member overflow the model to non-finite weights, and
 *    finite updates can sum beyond the float64 range: either fails the round with a reason that
 *    names the vector and coordinate, and nothing of it is stored (such a job used to SUCCEED
 *    with a model of infinities).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ControlClient } from '../client/control-client.ts';
import { startCoordinator } from '../coordinator/server.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import { DataSchemaSchema } from '../core/data/schema.ts';
import { JobSpecSchema } from '../core/job.ts';
import type { JobStatus__Output } from '../proto/generated/fedcredit/v1/JobStatus.ts';
import { tempDir } from './helpers.ts';
import { PlainMember, TINY_SCHEMA } from './plain-members.ts';
import type { Rewrite } from './plain-members.ts';

const MEMBERS = ['pm-a', 'pm-b', 'pm-c'];

describe('plain replies that make no sense fail their sender, or the round, never the coordinator', () => {
  const tmp = tempDir('plain-replies');
  const stateDir = path.join(tmp.dir, 'state');
  let coord: CoordinatorHandle;
  let control: ControlClient;
  let members: PlainMember[] = [];

  beforeAll(async () => {
    coord = await startCoordinator({ port: 0, stateDir, logLevel: 'silent' });
    control = new ControlClient(coord.address);
  });
  afterEach(async () => {
    await Promise.all(members.map((m) => m.stop()));
    members = [];
  });
  afterAll(async () => {
    control.close();
    await coord.stop();
    tmp.cleanup();
  });

  /** Runs a one-round plain job over the three members, `rewrite` applied to each member's replies. */
  async function runPlain(name: string, rewrite: (member: string) => Rewrite | undefined): Promise<JobStatus__Output> {
    members = MEMBERS.map((m) => new PlainMember(coord.address, m, rewrite(m)));
    await Promise.all(members.map((m) => m.start()));
    const job = JobSpecSchema.parse({
      // Each round's evaluation as a stage of its own, so a bad evaluation reply is one stage's failure.
      name, participants: MEMBERS, minParticipants: 2, rounds: 1, seed: 1, aggregation: 'plain', evaluation: { bins: 10, carried: false },
      deadlines: { waitForParticipantsMs: 10_000, stageMs: 10_000 },
    });
    const jobId = await control.submit(job, DataSchemaSchema.parse(TINY_SCHEMA));
    return control.follow(jobId, () => undefined);
  }

  it('an evaluation with n = 0.5 fails that member\'s task with the reason; the job succeeds without it', async () => {
    const final = await runPlain('half-row', (m) =>
      m === 'pm-c' ? (kind, round, v) => (kind === 'EVALUATE' && round === 1 ? { ...v, loss: Float64Array.of(0.2, 0.1, 0.5, 0) } : v) : undefined,
    );
    expect(final.state, final.error).toBe('SUCCEEDED');
    const refused = members[2]!.pushes.find((p) => p.kind === 'EVALUATE' && p.round === 1)!;
    expect(refused.outcome).toMatchObject({ ok: false, code: 3 });
    expect(!refused.outcome.ok && refused.outcome.details).toMatch(/PushResult from pm-c: vector "loss" element 2 \(rows n\) is 0\.5: a count must be a non-negative whole number/);
    const last = final.rounds.at(-1)!;
    expect(last.round).toBe(1);
    expect(last.failures).toEqual([
      expect.objectContaining({ participant: 'pm-c', stage: 'round 1: evaluate', reason: expect.stringMatching(/^malformed reply rejected: vector "loss" element 2 \(rows n\) is 0\.5/) }),
    ]);
    expect(last.metrics?.n).toBe(40); // pm-a and pm-b: 20 rows each
  });

  it('FedAvg weights of 1e-300 fail the round: the model would not be finite, and it is not stored', async () => {
    const final = await runPlain('tiny-weights', () => (kind, _round, v) => (kind === 'TRAIN' ? { ...v, weight: Float64Array.of(1e-300) } : v));
    expect(final.state).toBe('FAILED');
    expect(final.error).toMatch(/^round 1 train: the aggregated model is not finite: vector "weights" coordinate \d+ is -?Infinity \(\d+ of its \d+ coordinates are not finite\); the round is not stored$/);
    expect(final.rounds.map((r) => r.round)).toEqual([0]);
    const dir = path.join(stateDir, 'jobs', final.jobId);
    expect(existsSync(path.join(dir, 'weights', '0000.f32'))).toBe(true);
    expect(existsSync(path.join(dir, 'weights', '0001.f32'))).toBe(false);
    const model = await control.fetchModel(final.jobId); // the last stored model: round 0's, finite
    expect(model.weights.every(Number.isFinite)).toBe(true);
  });

  it('finite updates that sum beyond the float64 range fail the round, naming the vector and coordinate', async () => {
    const final = await runPlain('overflow', () => (kind, _round, v) => {
      if (kind !== 'TRAIN') return v;
      const update = Float64Array.from(v.update!);
      update[2] = 1.5e308;
      return { ...v, update };
    });
    expect(final.state).toBe('FAILED');
    expect(final.error).toMatch(/^round 1 train: the aggregate over \[pm-a, pm-b, pm-c\] is not finite: vector "update" coordinate 2 is Infinity$/);
    expect(final.rounds.map((r) => r.round)).toEqual([0]);
  });
});
