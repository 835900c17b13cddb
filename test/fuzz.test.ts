/**
 * Fuzzing a running coordinator: a real coordinator OS process (so a crash
 * shows as an exit) receives at least 10,000 random and mutated messages on every Fleet and
 * Control RPC — raw random bytes and mutated valid encodings (bit flips, truncation, appended
 * garbage, huge length prefixes, wrong wire types) through a generic client with Buffer
 * serializers; structured mutations through the typed clients (test/fuzz-messages.ts); and
 * garbage replies from registered fake participants to real open tasks of plain and securely
 * aggregated jobs (test/fuzz-driver.ts). Every call must end with a status of its expected set,
 * errors must say what is wrong, and no handler may answer INTERNAL or UNKNOWN.
 *
 * grpc-js itself answers bytes that do not parse as the method's message with INTERNAL "Error
 * deserializing request", before our handler runs: a clean error of the library that leaves the
 * server serving. Only raw-byte messages can draw it; it is counted separately.
 *
 * Afterwards the coordinator is still alive, its memory has not run away (VmRSS is logged), it
 * lists its participants, a normal secure-aggregation job with three real participant processes
 * succeeds with AUC > 0.6, and its audit log verifies.
 *
 * Reproduce a run with FEDCREDIT_FUZZ_SEED=<seed> (logged); FEDCREDIT_FUZZ_MESSAGES sets the count.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { JobSpecSchema } from '../core/job.ts';
import { loadSchemaFile } from '../participant/data/load.ts';
import type { JobStatus__Output } from '../proto/generated/fedcredit/v1/JobStatus.ts';
import { Rand } from './fuzz-bytes.ts';
import { FuzzClients, pool } from './fuzz-clients.ts';
import { S, Tally } from './fuzz-tally.ts';
import { Driver } from './fuzz-driver.ts';
import { randomCall } from './fuzz-messages.ts';
import type { FuzzContext } from './fuzz-messages.ts';
import { startCoordinatorProcess } from './coordinator-process.ts';
import { SYNTHETIC_SCHEMA, runCli, startParticipant, stopAll, syntheticParties, tempDir } from './helpers.ts';
import type { ParticipantProcess } from './helpers.ts';
import { PROTOCOL_VERSION } from '../proto/load.ts';

const SEED = Number(process.env.FEDCREDIT_FUZZ_SEED ?? 20_240_611);
const MESSAGES = Number(process.env.FEDCREDIT_FUZZ_MESSAGES ?? 10_000);
const CONCURRENCY = 32;
const CALL_MS = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resident set size of a process in MiB, from /proc (NaN where /proc is not available). */
function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

describe('fuzzing a running coordinator', () => {
  const tmp = tempDir('fuzz');
  let coordinator: ChildProcess | undefined;
  let parts: ParticipantProcess[] = [];
  let clients: FuzzClients | undefined;

  afterAll(async () => {
    clients?.close();
    await stopAll(parts);
    coordinator?.kill('SIGKILL');
    tmp.cleanup();
  });

  it(`answers ${MESSAGES} malformed and mutated messages with clean errors, keeps serving, then runs a normal job`, async () => {
    const started = Date.now();
    const stateDir = path.join(tmp.dir, 'coordinator');
    // Plaintext (--insecure): the fuzzer speaks to the Fleet and Control services directly.
    const coord = await startCoordinatorProcess(0, stateDir, [], { heartbeatTimeoutMs: 10_000 });
    coordinator = coord.child;
    const pid = coordinator.pid!;
    const c = (clients = new FuzzClients(coord.address, CALL_MS));
    const tally = new Tally();
    const rssBefore = rssMiB(pid);
    console.log(`fuzz seed ${SEED} (FEDCREDIT_FUZZ_SEED=${SEED} reproduces the message sequence), ${MESSAGES} messages, coordinator pid ${pid} at ${coord.address}`);

    // A registered session that is never given a task, kept alive for the whole run.
    const keeperHello = await c.unary('Hello', { name: 'keeper', role: 'other', clientVersion: '0', protocolVersion: PROTOCOL_VERSION, schemaDigest: '' });
    expect(keeperHello.code, keeperHello.details).toBe(S.OK);
    const ctx: FuzzContext = { c, tally, keeper: (keeperHello.value as { session: string }).session, stale: [], registered: new Map(), jobIds: [] };
    let fuzzing = true;
    const keepAlive = (async () => {
      while (fuzzing) {
        await c.unary('Heartbeat', { session: ctx.keeper });
        await sleep(500);
      }
    })();

    const driver = new Driver(c, tally, new Rand(SEED + 1), ctx.jobIds);
    const driven = driver.run(() => !fuzzing);
    const r = new Rand(SEED);
    await pool(CONCURRENCY, () => (tally.fuzzed < MESSAGES ? randomCall(ctx, r) : null));
    fuzzing = false;
    await Promise.all([driven, keepAlive]);
    const fuzzSeconds = (Date.now() - started) / 1000;
    const rssAfter = rssMiB(pid);
    console.log(`${tally.fuzzed} random, mutated or garbage messages (${tally.total} calls in all) in ${fuzzSeconds.toFixed(1)} s; library parse rejections ${tally.libraryParse}; coordinator VmRSS ${rssBefore.toFixed(0)} MiB before, ${rssAfter.toFixed(0)} MiB after\n${tally.table()}`);

    // Every call ended with an expected status; errors said what was wrong.
    expect(tally.problems.slice(0, 25), `${tally.problems.length} problem(s)`).toEqual([]);
    expect(tally.fuzzed).toBeGreaterThanOrEqual(MESSAGES);
    expect(tally.byCode.get('INTERNAL') ?? 0).toBe(0);
    expect(tally.byCode.get('UNKNOWN') ?? 0).toBe(0);
    // Wrong-length vectors were refused at delivery, naming expected and actual length.
    expect(driver.fitRejections.some((d) => /masked input has \d+ words, expected \d+/.test(d)), driver.fitRejections.join('\n')).toBe(true);
    expect(driver.fitRejections.some((d) => /vector "\w+" has \d+ elements, expected \d+/.test(d)), driver.fitRejections.join('\n')).toBe(true);
    // Driven jobs ended cleanly: never an internal error; plain ones succeeded, and a victim's garbage is its recorded failure.
    console.log(`driven jobs:\n${driver.outcomes.map(({ plan, status }) => `  ${plan.aggregation} victim at ${plan.victimAt ?? '-'}: ${status.state} ${status.error.slice(0, 160)}`).join('\n')}`);
    expect(driver.outcomes.length).toBeGreaterThanOrEqual(8);
    for (const { plan, status } of driver.outcomes) {
      expect(status.error, JSON.stringify(plan)).not.toMatch(/internal error/);
      if (plan.aggregation === 'plain') {
        expect(status.state, `${JSON.stringify(plan)}: ${status.error}`).toBe('SUCCEEDED');
        const reasons = status.rounds.flatMap((x) => x.failures.map((f) => f.reason));
        if (plan.victimAt) expect(reasons.some((x) => x.startsWith('malformed reply rejected: ')), reasons.join('\n')).toBe(true);
      }
    }

    // The coordinator is alive, its memory is bounded, and it still answers.
    expect(coordinator.exitCode, coord.output()).toBeNull();
    expect(coordinator.signalCode).toBeNull();
    if (Number.isFinite(rssAfter)) expect(rssAfter).toBeLessThan(1536);
    const list = await c.unary('ListParticipants', {});
    expect(list.code, list.details).toBe(S.OK);

    // A normal secure-aggregation job with three real participant processes succeeds.
    // Three of the four synthetic parties that together hold every feature of the schema.
    const parties = syntheticParties(tmp.dir, 0.3, 9).filter((p) => ['platform', 'bank-a', 'customs'].includes(p.name));
    expect(parties).toHaveLength(3);
    parts = parties.map((p) => startParticipant(p.name, p.path, coord.address)); // plaintext (--insecure) by test/helpers.ts
    const job = JobSpecSchema.parse({
      // Each round's evaluation as a stage of its own: the driver's replies to a training task hold only the update.
      name: 'after-fuzz', rounds: 3, minParticipants: 3, participants: parties.map((p) => p.name), seed: 11, evaluation: { bins: 100, carried: false },
      train: { batchSize: 64, learningRate: 0.2 }, deadlines: { waitForParticipantsMs: 60_000, stageMs: 30_000 }, secureAggregation: { stepMs: 15_000 },
    });
    const submitted = await c.unary('SubmitJob', { jobJson: JSON.stringify(job), schemaJson: JSON.stringify(loadSchemaFile(SYNTHETIC_SCHEMA)) });
    expect(submitted.code, submitted.details).toBe(S.OK);
    const jobId = (submitted.value as { jobId: string }).jobId;
    let status: JobStatus__Output | undefined;
    for (let i = 0; i < 480 && status?.state !== 'SUCCEEDED' && status?.state !== 'FAILED'; i++) {
      await sleep(250);
      const s = await c.unary('GetJobStatus', { jobId });
      expect(s.code, s.details).toBe(S.OK);
      status = s.value as JobStatus__Output;
    }
    expect(status?.state, `${status?.error}\n${parts.map((p) => p.output()).join('\n').slice(-3000)}`).toBe('SUCCEEDED');
    const last = status!.rounds.at(-1)!;
    console.log(`job after the fuzzing: ${status!.state}, ${status!.roundsCompleted} rounds, AUC ${last.metrics?.auc.toFixed(4)}, aggregation ${status!.aggregation}`);
    expect(status!.aggregation).toBe('secagg');
    expect(last.metrics!.auc).toBeGreaterThan(0.6);

    // The audit log's hash chain verifies.
    const audit = await runCli(['audit', 'verify', '--log', path.join(stateDir, 'audit.jsonl'), '--json']);
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
    expect(coordinator.exitCode).toBeNull();
    console.log(`fuzz test total ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 300_000);
});
