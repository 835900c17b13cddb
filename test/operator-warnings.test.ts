/**
 * What an operator sees when a job cannot go well: over real gRPC with a coordinator without a
 * roster (an `--insecure` test network) and three in-process members that all refuse the job by
 * the same policy rule, `fedcredit run` prints at once that a listed participant is not connected
 * (with the closest connected name), that the secure rounds tolerate no dropout, and the members'
 * shared refusal reason once. With a roster (the in-process simulator), a misspelt name is refused
 * at submission.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoordinator } from '../coordinator/server.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import { SubmitRefusedError } from '../coordinator/job-queue.ts';
import { DataSchemaSchema } from '../core/data/schema.ts';
import { JobSpecSchema } from '../core/job.ts';
import { createParticipant } from '../participant/create.ts';
import type { Participant } from '../participant/create.ts';
import { loadTable } from '../participant/data/load.ts';
import { loadPolicy } from '../participant/policy.ts';
import { createLogger } from '../platform/log.ts';
import { startSimulation } from '../sim/simulate.ts';
import { SYNTHETIC_SCHEMA, runCli, syntheticParties, tempDir } from './helpers.ts';

const tmp = tempDir('operator-warnings');
afterAll(() => tmp.cleanup());
const csvs = syntheticParties(tmp.dir, 0.05, 4).filter((p) => p.name !== 'customs');
const schema = DataSchemaSchema.parse(JSON.parse(readFileSync(SYNTHETIC_SCHEMA, 'utf8')));
const policyFile = path.join(tmp.dir, 'policy.json');
writeFileSync(policyFile, JSON.stringify({ version: 1, maxRounds: 1 }));
const policy = { policy: loadPolicy(policyFile), file: policyFile };
const REASON = "refused: policy policy.json: job asks for 2 rounds, more than this node's policy (maxRounds: 1) allows [policy]";

let bankAText = '';
const bankALog = new Writable({
  write(chunk, _enc, done) {
    bankAText += String(chunk);
    done();
  },
});

describe('warnings and refusals an operator sees', () => {
  let coord: CoordinatorHandle;
  const nodes: Participant[] = [];
  const runs: Promise<void>[] = [];
  beforeAll(async () => {
    coord = await startCoordinator({ port: 0, stateDir: path.join(tmp.dir, 'coord'), logLevel: 'silent', heartbeatIntervalMs: 250, heartbeatTimeoutMs: 3000 });
    for (const p of csvs) {
      const node = createParticipant({
        name: p.name, table: loadTable(p.path, schema).table, schema, policy, stateDir: path.join(tmp.dir, 'nodes', p.name), coordinator: coord.address,
        // bank-a logs as a terminal would show it (pino-pretty), into `bankALog`.
        log: p.name === 'bank-a' ? createLogger(p.name, 'info', 'pretty', { stream: bankALog }) : createLogger(p.name, 'silent'),
      });
      nodes.push(node);
      runs.push(node.run());
    }
    for (let i = 0; i < 300 && coord.grid.available().length < csvs.length; i++) await new Promise((r) => setTimeout(r, 100));
    expect(coord.grid.available()).toEqual(['bank-a', 'bank-b', 'platform']);
  }, 40_000);
  afterAll(async () => {
    for (const n of nodes) n.stop();
    await Promise.allSettled(runs);
    await coord?.stop();
  });

  it('run prints a misspelt participant at once, the missing dropout tolerance, and a shared refusal reason once', async () => {
    const job = path.join(tmp.dir, 'job.json');
    writeFileSync(job, JSON.stringify({ name: 'misspelt', rounds: 2, minParticipants: 2, participants: ['bank-a', 'bnak-b', 'platform'], deadlines: { waitForParticipantsMs: 3000 }, schema: SYNTHETIC_SCHEMA }));
    const r = await runCli(['run', '--insecure', '--coordinator', coord.address, '--job', job], 60_000);
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stdout.split('\n');
    const submitted = lines.findIndex((l) => l.startsWith('submitted job'));
    // Straight after the submission line, before any round.
    expect(lines[submitted + 1]).toBe(
      '! warning: the job\'s participants name "bnak-b", which is not connected to this coordinator (connected: bank-a, bank-b, platform); did you mean "bank-b"?; ' +
        'without a roster the coordinator cannot tell a misspelt name from a member not started yet, so the job waits up to 3000 ms for it',
    );
    expect(lines[submitted + 2]).toMatch(/^! warning: no dropout tolerance: with n = 3 \(the job's 3 listed participants\), every member's default floor of 3 contributors/);
    // At the first secure stage, with the two listed members that are connected.
    expect(r.stdout).toMatch(/! warning: no dropout tolerance: the secure-aggregation threshold t = 2 equals the 2 participants of round 0 stats \(n = 2\)/);
    // Both refusing members named, their one reason said once.
    const failed = r.stderr.split('\n').find((l) => l.startsWith('job '))!;
    expect(failed).toContain(`bank-a, platform: ${REASON}`);
    expect(failed.split(REASON).length - 1).toBe(1);
    // The refusing node's own log: one readable warn line naming the policy rule.
    expect(bankAText).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: bank-a: refused a task of job \S+: policy policy\.json: job asks for 2 rounds, more than this node's policy \(maxRounds: 1\) allows/m);
  }, 60_000);

  it('with a roster, refuses a job naming someone the roster does not list at submission', async () => {
    const sim = await startSimulation({
      schema, stateDir: path.join(tmp.dir, 'sim'), seed: 4, parties: csvs.map((p) => ({ name: p.name, table: loadTable(p.path, schema).table, schema })),
    });
    const job = JobSpecSchema.parse({ name: 'misspelt', rounds: 1, participants: ['bank-a', 'bnak-b', 'platform'] });
    const started = Date.now();
    await expect(sim.run(job)).rejects.toThrow(SubmitRefusedError);
    await expect(sim.run(job)).rejects.toThrow('the job\'s participants name "bnak-b", not in the consortium roster (members: bank-a, bank-b, platform)');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
