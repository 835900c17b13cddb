/**
 * An orderly stop pauses the running job instead of failing it: a real coordinator process gets
 * SIGTERM in the middle of a securely aggregated job that a real `fedcredit run` process follows,
 * with real participant processes. The coordinator exits promptly (code 0), leaving the job as a
 * crash would — status RUNNING with a "paused" stage, no job-finished record in the audit log —
 * and the coordinator restarted on the same state dir and port resumes it from its last stored
 * round; the participants reconnect and `fedcredit run` re-attaches on its own; the job succeeds.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { verifyAuditLog } from '../coordinator/audit-format.ts';
import { BIN, SYNTHETIC_SCHEMA, startParticipant, stopAll, syntheticParties, tempDir } from './helpers.ts';
import type { ParticipantProcess } from './helpers.ts';
import { freePort, startCoordinatorProcess, statusOf } from './coordinator-process.ts';
import type { CoordinatorProcess } from './coordinator-process.ts';

const ROUNDS = 4;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SIGTERM pauses the running job; a restart resumes it', () => {
  const tmp = tempDir('shutdown');
  const parties = syntheticParties(tmp.dir, 0.2);
  const stateDir = path.join(tmp.dir, 'coord');
  let coordinator: CoordinatorProcess | undefined;
  let parts: ParticipantProcess[] = [];

  afterAll(async () => {
    coordinator?.child.kill('SIGKILL');
    await stopAll(parts);
    tmp.cleanup();
  });

  it('stops within seconds, the job stays resumable, and `fedcredit run` sees it succeed after the restart', async () => {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    coordinator = await startCoordinatorProcess(port, stateDir);
    parts = parties.map((p) => startParticipant(p.name, p.path, address));
    const jobFile = path.join(tmp.dir, 'job.json');
    writeFileSync(jobFile, JSON.stringify({
      // Each round's evaluation as a stage of its own: the test stops in round 2 with round 1 stored.
      name: 'shutdown', schema: SYNTHETIC_SCHEMA, rounds: ROUNDS, minParticipants: parties.length, seed: 4, evaluation: { bins: 50, carried: false },
      train: { batchSize: 64, learningRate: 0.2 }, deadlines: { waitForParticipantsMs: 60_000, stageMs: 30_000 },
    }));
    const run = spawn(process.execPath, [BIN, 'run', '--coordinator', address, '--insecure', '--job', jobFile, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let runOut = '';
    let runErr = '';
    run.stdout.on('data', (d: Buffer) => (runOut += d.toString()));
    run.stderr.on('data', (d: Buffer) => (runErr += d.toString()));
    const runExited = new Promise<number | null>((resolve) => run.on('exit', (code) => resolve(code)));

    let jobId = '';
    for (let i = 0; i < 600 && !jobId; i++) {
      jobId = /submitted job (\S+)/.exec(runErr)?.[1] ?? '';
      if (!jobId) await sleep(50);
    }
    expect(jobId, runErr).not.toBe('');
    // Stop in the middle of round 2, with round 1 stored.
    let before = await statusOf(address, jobId);
    for (let i = 0; i < 1200 && !(before.roundsCompleted >= 1 && before.stage.startsWith('round 2')); i++) {
      await sleep(50);
      before = await statusOf(address, jobId);
    }
    expect(before.stage, JSON.stringify(before)).toMatch(/^round 2: /);
    const signalled = Date.now();
    coordinator.child.kill('SIGTERM');
    const { code } = await coordinator.exited;
    const stopMs = Date.now() - signalled;
    expect(code, coordinator.output()).toBe(0);
    expect(stopMs).toBeLessThan(8000);

    // Left as a crash leaves it, so that a restart resumes it.
    const jobDir = path.join(stateDir, 'jobs', jobId);
    const stored = JSON.parse(readFileSync(path.join(jobDir, 'status.json'), 'utf8')) as { state: string; stage: string; error: string };
    expect(stored).toMatchObject({ state: 'RUNNING', error: '' });
    expect(stored.stage).toMatch(/^paused: the coordinator is stopping; the job resumes when the coordinator restarts$/);
    const audit = () => readFileSync(path.join(stateDir, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit().filter((r) => r.kind === 'job-finished')).toEqual([]);

    coordinator = await startCoordinatorProcess(port, stateDir);
    const summaryCode = await runExited;
    expect(summaryCode, runErr).toBe(0);
    const summary = JSON.parse(runOut) as { jobId: string; state: string; rounds: { round: number }[] };
    expect(summary.jobId).toBe(jobId);
    expect(summary.state).toBe('SUCCEEDED');
    expect(summary.rounds.map((r) => r.round)).toEqual(Array.from({ length: ROUNDS + 1 }, (_, i) => i));
    expect(runErr).toMatch(/lost the coordinator .*re-attaching to job/);

    const records = audit();
    const resumed = records.filter((r) => r.kind === 'job-resumed' && r.jobId === jobId);
    expect(resumed).toHaveLength(1);
    expect(resumed[0]!.afterRound).toBeGreaterThanOrEqual(1);
    expect(records.filter((r) => r.kind === 'job-finished').map((r) => [r.jobId, r.state])).toEqual([[jobId, 'SUCCEEDED']]);
    expect(verifyAuditLog(readFileSync(path.join(stateDir, 'audit.jsonl'))).problems).toEqual([]);
  }, 180_000);
});
