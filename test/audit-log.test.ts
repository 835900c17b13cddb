/**
 * The coordinator's audit log end to end: a real DP job over gRPC with three participant nodes
 * (run in this process, each with its real handler chain, ledger and receipts) writes the
 * expected hash-chained records — joins, the job with its digests, every round with its
 * secure-aggregation facts and the participants' signed receipts, the end with the guarantee — a
 * restarted coordinator continues the chain, and `fedcredit audit verify` (its command function)
 * accepts the log and rejects a tampered copy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { auditVerifyCommand } from '../cli/audit-cmd.ts';
import type { AuditVerifyOptions } from '../cli/audit-cmd.ts';
import { UsageError } from '../cli/errors.ts';
import { loadSchemaFile } from '../participant/data/load.ts';
import { createParticipant } from '../participant/create.ts';
import type { Participant } from '../participant/create.ts';
import { createLogger } from '../platform/log.ts';
import { startCoordinator } from '../coordinator/server.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import { ControlClient } from '../client/control-client.ts';
import { JobSpecSchema } from '../core/job.ts';
import { canonicalJson } from '../core/privacy/receipt-format.ts';
import { lineHash } from '../coordinator/audit-format.ts';
import { AUDIT_LOG_FILE } from '../coordinator/audit-log.ts';
import { SYNTHETIC_SCHEMA, tempDir } from './helpers.ts';
import { syntheticTables } from './support/simulated.ts';

/** The fields of logged records this test reads. */
type LoggedRecord = Record<string, unknown> & { kind: string; round: number; receipts?: Record<string, string>; secure?: { survivors: number }; metrics: { auc: number } };

// Record-level DP with one full-batch step per round (batchSize above every party's rows): fast, with receipts.
const job = JobSpecSchema.parse({
  name: 'audited', rounds: 2, minParticipants: 3, seed: 6, train: { batchSize: 100_000, learningRate: 0.5 },
  evaluation: { bins: 100 }, privacy: { mode: 'record', noiseMultiplier: 4, delta: 1e-5, clipNorm: 1 },
});

describe('audit log of a real job', () => {
  const tmp = tempDir('audit');
  const stateDir = path.join(tmp.dir, 'coord');
  const logFile = path.join(stateDir, AUDIT_LOG_FILE);
  const schema = loadSchemaFile(SYNTHETIC_SCHEMA);
  const parties = syntheticTables(schema).filter((p) => p.name !== 'bank-b');
  let coord: CoordinatorHandle | undefined;
  const nodes: Participant[] = [];
  const runs: Promise<void>[] = [];

  beforeAll(async () => {
    coord = await startCoordinator({ port: 0, stateDir, logLevel: 'silent', heartbeatIntervalMs: 250, heartbeatTimeoutMs: 3000 });
    // No identities and no roster, as nodes started with --insecure on a test network.
    for (const p of parties) {
      const node = createParticipant({
        name: p.name, table: p.table, schema, stateDir: path.join(tmp.dir, 'nodes', p.name), privacyBudget: { epsilon: 100, delta: 1e-5 },
        coordinator: coord.address, log: createLogger(p.name, 'silent'),
      });
      nodes.push(node);
      runs.push(node.run());
    }
  });
  afterAll(async () => {
    for (const n of nodes) n.stop();
    await Promise.allSettled(runs);
    await coord?.stop();
    tmp.cleanup();
  });

  it('records the job, rounds, receipts and end; audit verify accepts it and rejects a tampered copy', async () => {
    const c = coord!;
    for (let i = 0; i < 300 && c.grid.available().length < 3; i++) await new Promise((r) => setTimeout(r, 100));
    const control = new ControlClient(c.address);
    const jobId = await control.submit(job, schema);
    const final = await control.follow(jobId, () => undefined);
    control.close();
    await c.jobs.idle();
    expect(final.error).toBe('');
    expect(final.state).toBe('SUCCEEDED');
    // A restarted coordinator continues the chain.
    await c.stop();
    coord = await startCoordinator({ port: 0, stateDir, logLevel: 'silent' });
    const head = coord.audit.head!;
    await coord.stop();
    coord = undefined;

    const lines = readFileSync(logFile, 'utf8').trimEnd().split('\n');
    const recs = lines.map((l) => JSON.parse(l) as LoggedRecord);
    expect(recs.map((r) => r.seq)).toEqual(lines.map((_, i) => i + 1));
    expect(recs.map((r) => r.kind)).toEqual([
      'coordinator-started', 'participant-joined', 'participant-joined', 'participant-joined', 'job-submitted',
      'round-completed', 'round-completed', 'round-completed', 'job-finished',
      'participant-left', 'participant-left', 'participant-left', 'coordinator-started',
    ]);
    // Stopping the first coordinator dropped every participant, each with the reason.
    expect(recs.filter((r) => r.kind === 'participant-left').map((r) => r.reason)).toEqual(Array(3).fill('the coordinator is shutting down'));
    const joined = recs.filter((r) => r.kind === 'participant-joined');
    expect(joined.map((r) => r.participant).sort()).toEqual(parties.map((p) => p.name).sort());
    const submitted = recs[4]!;
    expect(submitted).toMatchObject({ jobId, name: 'audited', jobDigest: lineHash(canonicalJson(job)), aggregation: 'secagg', privacy: 'record', rounds: 2 });
    // The job's schema digest is the one every participant announced for its own schema.
    for (const j of joined) expect(j.schemaDigest).toBe(submitted.schemaDigest);
    const rounds = recs.filter((r) => r.kind === 'round-completed');
    expect(rounds.map((r) => r.round)).toEqual([0, 1, 2]);
    expect(rounds[0]!.receipts).toBeUndefined();
    for (const r of rounds.slice(1)) {
      expect(Object.keys(r.receipts!).sort()).toEqual(parties.map((p) => p.name).sort());
      expect(r.secure!.survivors).toBe(3);
      // A noised evaluation can leave a class total ≤ 0: AUC is then undefined (NaN), which JSON writes as null.
      const auc = final.rounds.find((x) => x.round === r.round)!.metrics!.auc;
      if (Number.isNaN(auc)) expect(r.metrics.auc).toBeNull();
      else expect(r.metrics.auc).toBeCloseTo(auc, 12);
    }
    expect(recs[8]).toMatchObject({ kind: 'job-finished', jobId, state: 'SUCCEEDED', error: '', rounds: 2, guarantee: final.guarantee });
    expect(head).toEqual({ seq: 13, hash: lineHash(lines[12]!) });

    // An operator who improves round 1's AUC in a copy breaks the link of line 8.
    const r1 = JSON.parse(lines[6]!);
    r1.metrics.auc = 0.99;
    const tampered = path.join(tmp.dir, 'tampered.jsonl');
    writeFileSync(tampered, [...lines.slice(0, 6), canonicalJson(r1), ...lines.slice(7)].join('\n') + '\n');
    const verify = (o: AuditVerifyOptions) => {
      const out: string[] = [];
      const code = auditVerifyCommand(o, (l) => out.push(l));
      return { code, stdout: out.join('\n') };
    };
    const ok = verify({ log: logFile, expectHead: `9:${lineHash(lines[8]!)}`, json: false });
    const bad = verify({ log: tampered, json: true });
    expect(ok.code, ok.stdout).toBe(0);
    // No roster on this test network: the receipts are checked against their own keys only, and reported as not pinned.
    expect(ok.stdout).toMatch(/jobs 1 \(succeeded 1, failed 0, cancelled 0, unfinished 0\); rounds 3; privacy receipts verified 0 against .*, \d+ NOT pinned to any key/);
    expect(ok.stdout).toContain(`head: 13:${head.hash}`);
    expect(ok.stdout).toMatch(/^audit log verified: 13 record\(s\), chain intact$/m);

    expect(bad.code, bad.stdout).toBe(1);
    const report = JSON.parse(bad.stdout);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([{ line: 8, kind: 'chain', message: 'prev does not match the hash of line 7 (record removed, reordered or altered)' }]);

    // A usage error: the CLI prints it as "fedcredit: <message>" and exits with code 2.
    const missingFile = path.join(tmp.dir, 'nope.jsonl');
    const missing = () => verify({ log: missingFile, json: false });
    expect(missing).toThrow(UsageError);
    expect(missing).toThrow(`cannot read the audit log ${missingFile}: no such file`);
  }, 60_000);
});
