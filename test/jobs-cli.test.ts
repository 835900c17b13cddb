/**
 * Job management against a restarted coordinator: a job trained with three participant nodes (in
 * this process, over real gRPC) and a queued job that waits for a member who never comes; the
 * coordinator stops and starts again on the same state dir; then the `fedcredit` command (the
 * built CLI, a real process) lists both with `jobs`, cancels the waiting one with `cancel`, and
 * fetches the trained model with `fetch`: `fedcredit score` with that package on the rows the
 * members held out reproduces the coordinator's AUC.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { ControlClient } from '../client/control-client.ts';
import { jobsTable } from '../cli/jobs-cmd.ts';
import { startCoordinator } from '../coordinator/server.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import { JobSpecSchema, MAX_DEADLINE_MS } from '../core/job.ts';
import { existsSync } from 'node:fs';
import { loadSchemaFile, loadTable } from '../participant/data/load.ts';
import { writeHeldOutRows } from '../scoring/holdout.ts';
import { createParticipant } from '../participant/create.ts';
import type { Participant } from '../participant/create.ts';
import { createLogger } from '../platform/log.ts';
import { runCli, SYNTHETIC_SCHEMA, syntheticParties, tempDir } from './helpers.ts';

const trained = JobSpecSchema.parse({ name: 'listed-lr', rounds: 2, minParticipants: 3, seed: 4, train: { batchSize: 100_000, learningRate: 0.5 }, evaluation: { bins: 100 } });
const waiting = JobSpecSchema.parse({ name: 'waits-for-nobody', participants: ['nobody'], minParticipants: 1, rounds: 1, deadlines: { waitForParticipantsMs: MAX_DEADLINE_MS } });

describe('jobs, cancel and fetch against a restarted coordinator', () => {
  const tmp = tempDir('jobs-cli');
  const stateDir = path.join(tmp.dir, 'coord');
  const schema = loadSchemaFile(SYNTHETIC_SCHEMA);
  const parties = syntheticParties(tmp.dir).filter((p) => p.name !== 'bank-b');
  let coord: CoordinatorHandle | undefined;
  const nodes: Participant[] = [];
  const runs: Promise<void>[] = [];
  let trainedId = '';
  let waitingId = '';
  let trainedAuc = Number.NaN;

  beforeAll(async () => {
    coord = await startCoordinator({ port: 0, stateDir, logLevel: 'silent', heartbeatIntervalMs: 250, heartbeatTimeoutMs: 3000 });
    for (const p of parties) {
      const node = createParticipant({ name: p.name, table: loadTable(p.path, schema).table, schema, stateDir: path.join(tmp.dir, 'nodes', p.name), coordinator: coord.address, log: createLogger(p.name, 'silent') });
      nodes.push(node);
      runs.push(node.run());
    }
    for (let i = 0; i < 300 && coord.grid.available().length < 3; i++) await new Promise((r) => setTimeout(r, 100));
    const control = new ControlClient(coord.address);
    trainedId = await control.submit(trained, schema);
    const final = await control.follow(trainedId, () => undefined);
    expect(final.error).toBe('');
    trainedAuc = final.rounds[final.rounds.length - 1]!.metrics!.auc;
    waitingId = await control.submit(waiting, schema);
    control.close();
    for (const n of nodes) n.stop();
    await Promise.allSettled(runs);
    await coord.stop();
    coord = await startCoordinator({ port: 0, stateDir, logLevel: 'silent' });
  });
  afterAll(async () => {
    await coord?.stop();
    tmp.cleanup();
  });

  const cli = (...args: string[]) => runCli([...args, '--coordinator', coord!.address, '--insecure'], 60_000);

  it('lists both jobs after the restart, newest first, with state, rounds, model and AUC', async () => {
    const r = await cli('jobs', '--json');
    expect(r.code, r.stderr).toBe(0);
    const listed = JSON.parse(r.stdout) as { total: number; jobs: { jobId: string; name: string; state: string; roundsCompleted: number; roundsTotal: number; model: string; metrics?: { auc: number; round: number } }[] };
    expect(listed.total).toBe(2);
    expect(listed.jobs.map((j) => j.jobId)).toEqual([waitingId, trainedId]);
    const [w, t] = listed.jobs;
    expect(t).toMatchObject({ name: 'listed-lr', state: 'SUCCEEDED', roundsCompleted: 2, roundsTotal: 2, model: 'logistic' });
    expect(t!.metrics!.auc).toBe(trainedAuc);
    expect(t!.metrics!.round).toBe(2);
    // Resumed after the restart: queued or waiting for its member again.
    expect(['PENDING', 'RUNNING']).toContain(w!.state);
    expect(w!.metrics).toBeUndefined();

    // The table `fedcredit jobs` prints, from the same listing through the library.
    const control = new ControlClient(coord!.address);
    const { jobs, total } = await control.jobs();
    control.close();
    expect(jobsTable(jobs, total).join('\n')).toMatch(new RegExp(`${trainedId}\\s+listed-lr\\s+SUCCEEDED\\s+2/2\\s+logistic\\s+${trainedAuc.toFixed(3)}`));
  });

  it('cancels the waiting job on the restarted coordinator; a state filter lists it alone', async () => {
    const r = await cli('cancel', '--job', waitingId, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ jobId: waitingId, state: 'CANCELLED' });
    const control = new ControlClient(coord!.address);
    const cancelled = await control.jobs({ state: 'CANCELLED' });
    control.close();
    expect(cancelled.total).toBe(1);
    expect(cancelled.jobs.map((j) => j.jobId)).toEqual([waitingId]);
  });

  it('fetches the trained model after the restart; scoring the held-out rows with it reproduces the coordinator\'s AUC', async () => {
    const out = path.join(tmp.dir, 'fetched');
    const r = await cli('fetch', '--job', trainedId, '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const saved = JSON.parse(r.stdout) as { dir: string; files: string[]; auc: number };
    expect(saved).toMatchObject({ dir: out, files: ['model.json', 'weights.bin', 'metadata.json'], auc: trainedAuc });
    for (const f of saved.files) expect(existsSync(path.join(out, f))).toBe(true);

    const holdout = writeHeldOutRows(parties.map((p) => ({ name: p.name, file: p.path })), trained, schema, path.join(tmp.dir, 'holdout.csv'));
    const scored = await runCli(['score', '--model', out, '--data', holdout.file, '--json'], 60_000);
    expect(scored.code, scored.stderr).toBe(0);
    const m = (JSON.parse(scored.stdout) as { metrics: { auc: number; n: number } }).metrics;
    expect(m.n).toBe(holdout.rows);
    expect(Math.abs(m.auc - trainedAuc)).toBeLessThanOrEqual(1e-6);

    const waitingJob = await cli('fetch', '--job', waitingId, '--out', path.join(tmp.dir, 'none'));
    expect(waitingJob.code).toBe(2);
    expect(waitingJob.stderr).toMatch(/is CANCELLED: cancelled by .*only a succeeded job has a final model to fetch/);
  });
});
