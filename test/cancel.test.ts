/**
 * Cancelling jobs and the bounds of the job queue, against an in-process coordinator over real
 * gRPC: a running job stuck waiting for participants (waitForParticipantsMs up to 2^31 − 1 ms
 * used to block the queue for good) is cancelled within a second and the next queued job starts;
 * a queued job is cancelled without ever running; the queue holds at most 64 jobs; job_json and
 * schema_json are bounded at 1 MiB each; `fedcredit cancel` is a thin layer over CancelJob; with
 * a roster, CancelJob needs an operator token like every other Control call, and the job's error
 * names the operator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ControlClient } from '../client/control-client.ts';
import { verifyAuditLog } from '../coordinator/audit-format.ts';
import { MAX_QUEUED_JOBS } from '../coordinator/job-queue.ts';
import { startCoordinator } from '../coordinator/server.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import { DataSchemaSchema } from '../core/data/schema.ts';
import { JobSpecSchema, MAX_DEADLINE_MS } from '../core/job.ts';
import type { JobStatus__Output } from '../proto/generated/fedcredit/v1/JobStatus.ts';
import { MAX_SUBMIT_JSON_BYTES } from '../proto/validate.ts';
import { channelOptions, loadProto } from '../proto/load.ts';
import { runCli, tempDir } from './helpers.ts';
import { TINY_SCHEMA } from './plain-members.ts';

const schema = DataSchemaSchema.parse(TINY_SCHEMA);
/** A job that waits (almost) forever for a participant that never comes. */
const stuck = (name: string) => JobSpecSchema.parse({ name, participants: ['nobody'], minParticipants: 1, rounds: 1, deadlines: { waitForParticipantsMs: MAX_DEADLINE_MS } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const refusal = (p: Promise<unknown>) => p.then(() => ({ code: grpc.status.OK, details: '' }), (e: grpc.ServiceError) => ({ code: e.code, details: e.details }));

/** Polls until the job's state is `state` (at most `ms`); resolves with the status. */
async function until(control: ControlClient, jobId: string, state: string, ms = 5000): Promise<JobStatus__Output> {
  const end = Date.now() + ms;
  for (;;) {
    const s = await control.status(jobId);
    if (s.state === state || Date.now() > end) return s;
    await sleep(20);
  }
}

describe('cancelling jobs and bounding the queue', () => {
  const tmp = tempDir('cancel');
  const stateDir = path.join(tmp.dir, 'state');
  let coord: CoordinatorHandle;
  let control: ControlClient;

  beforeAll(async () => {
    coord = await startCoordinator({ port: 0, stateDir, logLevel: 'silent' });
    control = new ControlClient(coord.address);
  });
  afterAll(async () => {
    control.close();
    await coord.stop();
    tmp.cleanup();
  });

  it('cancels the running job within a second, starts the next, and cancels a queued job before it ever runs', async () => {
    const a = await control.submit(stuck('a'), schema);
    const b = await control.submit(stuck('b'), schema);
    const c = await control.submit(stuck('c'), schema);
    expect((await until(control, a, 'RUNNING')).stage).toBe('waiting for participants');
    const statesOfC: string[] = [];
    const watchedC = control.follow(c, (e) => statesOfC.push(e.status?.state ?? ''));

    const started = Date.now();
    const cancelled = await control.cancel(a);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(cancelled).toMatchObject({ jobId: a, state: 'CANCELLED', stage: 'cancelled' });
    expect(cancelled.error).toMatch(/^cancelled by client \S+ \(no roster: the Control API is open\)$/);
    expect(cancelled.finishedUnixMs).toBeGreaterThan(0);
    expect((await until(control, b, 'RUNNING', 1000)).state).toBe('RUNNING');

    expect((await control.cancel(c)).state).toBe('CANCELLED');
    expect((await watchedC).state).toBe('CANCELLED');
    expect(statesOfC).not.toContain('RUNNING');
    expect(statesOfC[statesOfC.length - 1]).toBe('CANCELLED');
    expect((await control.cancel(b)).state).toBe('CANCELLED');
    expect((await control.cancel(a)).state).toBe('CANCELLED'); // again: the same answer

    const unknown = await refusal(control.cancel('20990101T000000-00000000'));
    expect(unknown).toMatchObject({ code: grpc.status.NOT_FOUND, details: expect.stringMatching(/no job with id/) });
    const empty = await refusal(control.cancel(''));
    expect(empty).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(/CancelJob: jobId: job id is missing/) });

    // The audit log records each end, with who cancelled; it still verifies.
    const log = readFileSync(path.join(stateDir, 'audit.jsonl'));
    const ends = log.toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.kind === 'job-finished');
    expect(ends.map((r) => [r.jobId, r.state])).toEqual([[a, 'CANCELLED'], [c, 'CANCELLED'], [b, 'CANCELLED']]);
    expect(ends.every((r) => typeof r.error === 'string' && r.error.startsWith('cancelled by client '))).toBe(true);
    const v = verifyAuditLog(log);
    expect(v.problems).toEqual([]);
    expect(v.jobs.filter((j) => [a, b, c].includes(j.jobId)).map((j) => j.state)).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED']);
  });

  it('a job that has already ended cannot be cancelled', async () => {
    const failed = await control.submit(JobSpecSchema.parse({ name: 'gone', participants: ['nobody'], minParticipants: 1, deadlines: { waitForParticipantsMs: 0 } }), schema);
    expect((await until(control, failed, 'FAILED')).state).toBe('FAILED');
    const r = await refusal(control.cancel(failed));
    expect(r.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(r.details).toMatch(/^CancelJob: job \S+ has already ended: FAILED \(quorum cannot be met/);
  });

  it('refuses job_json or schema_json beyond 1 MiB, naming the field and its size', async () => {
    const raw = new (loadProto().fedcredit.v1.Control)(coord.address, grpc.credentials.createInsecure(), channelOptions());
    const submit = (jobJson: string, schemaJson: string) =>
      refusal(new Promise((resolve, reject) => raw.submitJob({ jobJson, schemaJson }, (err, reply) => (err ? reject(err) : resolve(reply)))));
    const big = JSON.stringify({ pad: 'x'.repeat(MAX_SUBMIT_JSON_BYTES) });
    const job = JSON.stringify(stuck('big'));
    expect(await submit(job, big)).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details: `SubmitJob: schemaJson: schema_json is ${big.length} bytes, more than the limit of ${MAX_SUBMIT_JSON_BYTES} bytes (1 MiB)`,
    });
    expect((await submit(big, JSON.stringify(schema))).details).toMatch(/^SubmitJob: jobJson: job_json is \d+ bytes, more than the limit/);
    // Counted in bytes of UTF-8: 400,000 three-byte characters are 1.2 MB.
    expect((await submit(job, JSON.stringify({ pad: '€'.repeat(400_000) }))).details).toMatch(/schema_json is 1200010 bytes/);
    raw.close();
  });

  it('fedcredit cancel cancels a job and prints its final status; an unknown job is a clear error', async () => {
    const id = await control.submit(stuck('cli'), schema);
    const [ok, bad] = await Promise.all([
      runCli(['cancel', '--coordinator', coord.address, '--insecure', '--job', id, '--json'], 60_000),
      runCli(['cancel', '--coordinator', coord.address, '--insecure', '--job', 'no-such-job'], 60_000),
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ jobId: id, state: 'CANCELLED', error: expect.stringMatching(/^cancelled by client /) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/fedcredit: coordinator call failed: CancelJob: no job with id "no-such-job"/);
  });

  it(`holds at most ${MAX_QUEUED_JOBS} queued jobs; beyond, RESOURCE_EXHAUSTED says so`, async () => {
    const running = await control.submit(stuck('running'), schema);
    await until(control, running, 'RUNNING');
    const queued: string[] = [];
    for (let i = 0; i < MAX_QUEUED_JOBS; i++) queued.push(await control.submit(stuck(`q${i}`), schema));
    const full = await refusal(control.submit(stuck('one too many'), schema));
    expect(full.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(full.details).toBe(`SubmitJob: ${MAX_QUEUED_JOBS} jobs are already queued, the most this coordinator accepts; wait for one to finish or cancel one (fedcredit cancel)`);
    await control.cancel(queued[10]!);
    expect(typeof (await control.submit(stuck('fits again'), schema))).toBe('string');
  });
});

describe('with a roster, CancelJob needs an operator token', () => {
  const tmp = tempDir('cancel-roster');
  const token = randomBytes(24).toString('base64url');
  let coord: CoordinatorHandle;

  beforeAll(async () => {
    const roster = {
      format: 'fedcredit-roster' as const, version: 1 as const, consortium: 'test',
      members: [{ name: 'bank-a', role: 'bank' as const, publicKey: randomBytes(32).toString('hex') }],
      operators: [{ name: 'alice', tokenSha256: createHash('sha256').update(token).digest('hex') }],
    };
    coord = await startCoordinator({ port: 0, stateDir: path.join(tmp.dir, 'state'), logLevel: 'silent', roster });
  });
  afterAll(async () => {
    await coord.stop();
    tmp.cleanup();
  });

  it('refuses a call without the token, and records the operator who cancelled', async () => {
    const alice = new ControlClient(coord.address, { token });
    const anonymous = new ControlClient(coord.address);
    try {
      // bank-a is in the roster but never connects, so the job waits for it.
      const id = await alice.submit({ ...stuck('guarded'), participants: ['bank-a'] }, schema);
      const refused = await refusal(anonymous.cancel(id));
      expect(refused).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: expect.stringMatching(/requires an operator token/) });
      expect((await alice.status(id)).state).not.toBe('CANCELLED');
      expect(await alice.cancel(id)).toMatchObject({ state: 'CANCELLED', error: 'cancelled by operator alice' });
    } finally {
      alice.close();
      anonymous.close();
    }
  });
});
