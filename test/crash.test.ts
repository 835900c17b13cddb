/**
 * Crash safety of the coordinator (issue 5): a real coordinator process is killed with SIGKILL at
 * 20 random points of a multi-round securely aggregated job and restarted on the same state dir
 * and port; real participant processes reconnect on their own. Every restart resumes the job from
 * its last stored round, the number of completed rounds never goes backwards, the job completes,
 * and the record of every message the coordinator received shows that no secure-aggregation key
 * (hence no mask) was used twice across all the interrupted and repeated attempts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { loadSchemaFile } from '../participant/data/load';
import { Control } from '../cli/control-client';
import { JobSpecSchema } from '../core/job';
import { seededRng, uniform01 } from '../core/random';
import { BIN, SYNTHETIC_SCHEMA, runCli, startParticipant, stopAll, syntheticParties, tempDir } from './helpers';
import type { ParticipantProcess } from './helpers';

const KILLS = 20;
const ROUNDS = 60;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Starts the coordinator CLI and resolves once it listens. */
function startCoordinatorProcess(port: number, stateDir: string, record: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'coordinator', '--insecure', '--port', String(port), '--state-dir', stateDir, '--record-messages', record,
    '--heartbeat-timeout-ms', '3000', '--log-level', 'error'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('coordinator listening')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`coordinator exited with ${code}: ${err}`)));
  });
}

describe('coordinator crash safety', () => {
  const tmp = tempDir('crash');
  const parties = syntheticParties(tmp.dir, 0.2, 9);
  const schema = loadSchemaFile(SYNTHETIC_SCHEMA);
  const stateDir = path.join(tmp.dir, 'coord');
  const record = path.join(tmp.dir, 'messages.jsonl');
  let coordinator: ChildProcess | undefined;
  let parts: ParticipantProcess[] = [];

  afterAll(async () => {
    coordinator?.kill('SIGKILL');
    await stopAll(parts);
    tmp.cleanup();
  });

  it(`resumes a job after SIGKILL at ${KILLS} random points, never losing a round or reusing a mask`, async () => {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    coordinator = await startCoordinatorProcess(port, stateDir, record);
    parts = parties.map((p) => startParticipant(p.name, p.path, address));
    const job = JobSpecSchema.parse({
      name: 'crash', rounds: ROUNDS, minParticipants: parties.length, seed: 3, evaluation: { bins: 100 },
      train: { batchSize: 64, learningRate: 0.2 }, deadlines: { waitForParticipantsMs: 60_000, stageMs: 20_000 }, secureAggregation: { stepMs: 10_000 },
    });
    // Channels to one address share a subchannel, which may still be backing off right after a
    // restart: a status query retries UNAVAILABLE for a while, as any client of a restarting server would.
    const status = async () => {
      for (let attempt = 0; ; attempt++) {
        const control = new Control(address);
        try {
          return await control.status(jobId, 10_000);
        } catch (err) {
          if ((err as { code?: number }).code !== 14 || attempt >= 40) throw err;
          await sleep(250);
        } finally {
          control.close();
        }
      }
    };
    const submitter = new Control(address);
    const jobId = await submitter.submit(job, schema, 30_000);
    submitter.close();

    // A data scientist following the job (as `fedcredit run` does) re-attaches after every restart.
    const watcher = new Control(address);
    let reattached = 0;
    const watched = watcher.watch(jobId, () => undefined, { onReattach: () => reattached++ });

    const rng = seededRng(2024);
    let completed = 0;
    const seen: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      await sleep(300 + 2200 * uniform01(rng));
      const before = await status();
      expect(before.roundsCompleted).toBeGreaterThanOrEqual(completed);
      completed = before.roundsCompleted;
      const exited = new Promise((r) => coordinator!.once('exit', r));
      coordinator!.kill('SIGKILL');
      await exited;
      coordinator = await startCoordinatorProcess(port, stateDir, record);
      const after = await status();
      // Whatever was completed before the kill is still there after the restart.
      expect(after.roundsCompleted, `kill ${kill}`).toBeGreaterThanOrEqual(completed);
      seen.push(after.roundsCompleted);
      expect(after.state === 'SUCCEEDED', `the job finished before kill ${kill + 1}; raise ROUNDS`).toBe(false);
    }
    let final = await status();
    for (let i = 0; i < 600 && final.state !== 'SUCCEEDED' && final.state !== 'FAILED'; i++) {
      await sleep(250);
      final = await status();
    }
    expect(final.state, final.error).toBe('SUCCEEDED');
    const followed = await watched;
    watcher.close();
    expect(followed.state).toBe('SUCCEEDED');
    expect(followed.roundsCompleted).toBe(ROUNDS);
    expect(reattached).toBeGreaterThanOrEqual(KILLS);
    expect(final.roundsCompleted).toBe(ROUNDS);
    expect(final.rounds.map((r) => r.round)).toEqual(Array.from({ length: ROUNDS + 1 }, (_, i) => i));
    expect(seen.length).toBe(KILLS);
    for (let r = 0; r <= ROUNDS; r++) expect(existsSync(path.join(stateDir, 'jobs', jobId, 'rounds', `${String(r).padStart(4, '0')}.json`))).toBe(true);

    // Every key pair advertised in any attempt of any secure sum is fresh, so every pairwise mask
    // was derived once; every masked vector differs. Lines torn by a SIGKILL are skipped.
    const keys: string[] = [];
    const masked: string[] = [];
    let torn = 0;
    for (const line of readFileSync(record, 'utf8').split('\n').filter(Boolean)) {
      let m: { rpc: string; message: { secagg?: { message: string; cPk: string; sPk: string; maskedInput: { values: string } | null } | null } };
      try {
        m = JSON.parse(line);
      } catch {
        torn++;
        continue;
      }
      const s = m.rpc === 'PushResult' ? m.message.secagg : undefined;
      if (s?.message === 'advertise-keys') keys.push(s.cPk, s.sPk);
      if (s?.message === 'masked-input' && s.maskedInput) masked.push(s.maskedInput.values);
    }
    expect(torn).toBeLessThanOrEqual(KILLS);
    // stats + (rounds + 1) evaluations + rounds trainings, each with 2 keys per participant at least.
    expect(keys.length).toBeGreaterThanOrEqual(2 * parties.length * (2 * ROUNDS + 2));
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(masked).size).toBe(masked.length);

    // The audit log's chain survived every SIGKILL (torn tails are moved aside and recorded).
    const audit = await runCli(['audit', 'verify', '--log', path.join(stateDir, 'audit.jsonl'), '--json']);
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
  }, 420_000);
});
