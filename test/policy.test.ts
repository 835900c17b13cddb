/**
 * Each institution's own policy. In one process (sim/simulate.ts, each member's real handler
 * chain): jobs asking for a feature the policy forbids, more ε than it allows, or plain
 * aggregation (even though the node takes part in plain jobs) fail with the node's policy reason,
 * before it touched its data; a job within the policy succeeds. Over real gRPC with in-process
 * nodes, `fedcredit run` as a data scientist runs it prints the reason and exits with code 1, or
 * prints the result of a job within the policy; and nodes (real processes) with a bad policy file
 * or a bad CSV exit with code 2 and one line naming the file and the field (or line and column)
 * before they connect: the coordinator never hears of them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoordinator } from '../coordinator/server.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import { DataSchemaSchema } from '../core/data/schema.ts';
import { JobSpecSchema } from '../core/job.ts';
import { createParticipant } from '../participant/create.ts';
import type { Participant } from '../participant/create.ts';
import { loadTable } from '../participant/data/load.ts';
import { loadPolicy, schemaFeatures } from '../participant/policy.ts';
import { createLogger } from '../platform/log.ts';
import { simulate } from '../sim/simulate.ts';
import type { SimulatedParty } from '../sim/simulate.ts';
import { SYNTHETIC_SCHEMA, runCli, startParticipant, stopAll, syntheticParties, tempDir } from './helpers.ts';
import type { ParticipantProcess } from './helpers.ts';

const FORBIDDEN = 'inspections_2y';
const tmp = tempDir('policy');
afterAll(() => tmp.cleanup());
const file = (name: string, content: unknown) => {
  const f = path.join(tmp.dir, name);
  writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return f;
};
// Three institutions: every node refuses a secure sum of fewer than three contributors.
const csvs = syntheticParties(tmp.dir, 0.1, 9).filter((p) => p.name !== 'customs');
// The banks' and the platform's schema: the consortium's without the customs features (which
// these parties do not have); a job asking for one of them uses `wantsForbidden`.
const full = DataSchemaSchema.parse(JSON.parse(readFileSync(SYNTHETIC_SCHEMA, 'utf8')));
const without = (names: string[]) => ({ ...full, numeric: full.numeric.filter((f) => !names.includes(f.name)) });
const reduced = without(['trade_volume', FORBIDDEN]);
const wantsForbidden = without(['trade_volume']);
const reducedFile = file('schema-reduced.json', reduced);
const policyFile = file('bank-a-policy.json', {
  version: 1,
  allowedModels: ['logistic'],
  allowedFeatures: schemaFeatures(reduced),
  minOtherParticipants: 1,
  maxEpsilonPerJob: 5,
  maxDeltaPerJob: 1e-5,
  maxRounds: 10,
  allowPlainAggregation: false,
});
const policy = loadPolicy(policyFile);
/** Every node has its own (reduced) schema and a budget; bank-a has its policy. */
const members = (): SimulatedParty[] =>
  csvs.map((p) => ({
    name: p.name, table: loadTable(p.path, reduced).table, schema: reduced, privacyBudget: { epsilon: 100, delta: 1e-5 },
    ...(p.name === 'bank-a' ? { policy: { policy, file: policyFile } } : {}),
  }));
const jobSpec = (name: string, spec: Record<string, unknown>) =>
  JobSpecSchema.parse({
    name, rounds: 1, minParticipants: 2, evaluation: { bins: 50 }, deadlines: { waitForParticipantsMs: 5000, stageMs: 20_000 },
    privacy: { mode: 'record', epsilon: 3 }, ...spec,
  });
const refusal = (reason: string) => `bank-a: refused: policy bank-a-policy.json: ${reason} [policy]`;
const PLAIN = refusal('job asks for plain aggregation (the coordinator would see this node\'s vectors), which this node\'s policy (allowPlainAggregation: false) does not allow');

describe('participant policy', () => {
  const parties = members();
  // Every job runs on the same state dirs, under one seed (the members keep their identity keys).
  const run = (name: string, spec: Record<string, unknown>, schema = reduced) =>
    simulate({ job: jobSpec(name, spec), schema, parties, stateDir: path.join(tmp.dir, 'sim'), seed: 9 });

  it('refuses a forbidden feature, too much ε and plain aggregation, with the reason, before touching data', async () => {
    // minParticipants 3: bank-a's refusal leaves the job without quorum.
    const feature = await run('wants-inspections', { minParticipants: 3 }, wantsForbidden);
    const epsilon = await run('wants-epsilon-50', { privacy: { mode: 'record', epsilon: 50 }, minParticipants: 3 });
    // Every member takes part in plain jobs (as with --allow-plain-aggregation), but bank-a's policy is stricter and wins.
    const plain = await run('wants-plain', { aggregation: 'plain', minParticipants: 3 });
    for (const r of [feature, epsilon, plain]) {
      expect(r.state).toBe('FAILED');
      expect(r.error).toMatch(/^round 0 stats: /);
    }
    expect(feature.error).toContain(refusal(`job uses feature "${FORBIDDEN}", which this node's policy (allowedFeatures) does not allow`));
    // The others do not have that feature: their schema check refuses the job's schema.
    expect(feature.error).toMatch(/bank-b(, [a-z-]+)*: refused: the job's schema \(digest [0-9a-f]+\) differs from this node's schema/);
    expect(epsilon.error).toContain(refusal('job asks for ε = 50 at δ = 0.00001, more than this node\'s policy (maxEpsilonPerJob: 5) allows'));
    expect(plain.error).toContain(PLAIN);
    // Refused before any data was touched: bank-a never trained, so its ledger charged nothing.
    const ledger = path.join(tmp.dir, 'sim', 'nodes', 'bank-a', 'privacy', 'ledger.json');
    expect(JSON.parse(readFileSync(ledger, 'utf8')).entries.filter((e: { kind: string }) => e.kind === 'charge')).toEqual([]);
  });

  it('runs a job within the policy', async () => {
    const r = await run('within-policy', {});
    expect(r.state, r.error).toBe('SUCCEEDED');
    expect(r.rounds.at(-1)!.participants).toContain('bank-a');
    // Its one noised evaluation of ~60 held-out rows may leave a class total at or below zero: no AUC then (NaN).
    const auc = r.rounds.at(-1)!.metrics.auc;
    if (!Number.isNaN(auc)) expect(auc).toBeGreaterThan(0);
  });
});

describe('participant policy on the command line', () => {
  const badPolicy = file('bad-policy.json', { version: 1, maxEpsilonPerJob: 'five', maxRounds: 10 });
  const [header, good, row] = readFileSync(csvs[0]!.path, 'utf8').split('\n');
  const badCsv = file('bad.csv', [header, good, row!.replace(/^[^,]*/, '4O'), ''].join('\n')); // letter O in the age
  let coord: CoordinatorHandle;
  const nodes: Participant[] = [];
  const runs: Promise<void>[] = [];
  let badNodes: ParticipantProcess[] = [];

  beforeAll(async () => {
    coord = await startCoordinator({ port: 0, stateDir: path.join(tmp.dir, 'coord'), logLevel: 'silent', heartbeatIntervalMs: 250, heartbeatTimeoutMs: 3000 });
    // The three nodes run in this process, over gRPC; the bad ones are real processes, checked in the last test.
    for (const m of members()) {
      const node = createParticipant({ ...m, schema: reduced, stateDir: path.join(tmp.dir, 'nodes', m.name), allowPlain: true, coordinator: coord.address, log: createLogger(m.name, 'silent') });
      nodes.push(node);
      runs.push(node.run());
    }
    badNodes = [
      startParticipant('policy-typo', csvs[0]!.path, coord.address, reducedFile, ['--policy', badPolicy]),
      startParticipant('bad-csv', badCsv, coord.address, reducedFile),
    ];
    for (let i = 0; i < 300 && coord.grid.available().length < 3; i++) await new Promise((r) => setTimeout(r, 100));
    expect(coord.grid.available()).toEqual(['bank-a', 'bank-b', 'platform']);
  }, 40_000);
  afterAll(async () => {
    for (const n of nodes) n.stop();
    await Promise.allSettled(runs);
    await stopAll(badNodes);
    await coord?.stop();
  });

  it('run prints the node\'s policy reason and exits with code 1, and the result of a job within the policy', async () => {
    const jobFile = (name: string, spec: Record<string, unknown>) => file(`${name}.json`, { ...jobSpec(name, spec), schema: reducedFile });
    const run = (job: string) => runCli(['run', '--insecure', '--coordinator', coord.address, '--job', job], 60_000);
    const [refused, within] = await Promise.all([run(jobFile('wants-plain', { aggregation: 'plain', minParticipants: 3 })), run(jobFile('within-policy', {}))]);
    expect(refused.code, refused.stdout + refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(/^job \S+ failed: round 0 stats: /m);
    expect(refused.stderr).toContain(PLAIN);
    expect(within.code, within.stdout + within.stderr).toBe(0);
    // Its one noised evaluation of ~60 held-out rows may leave a class total at or below zero (no AUC, "—") or rank every row right (AUC 1.0000).
    expect(within.stdout).toMatch(/^job \S+ succeeded: AUC ([01]\.\d{4}|—)/m);
  }, 40_000);

  it('a node with a bad policy file or a bad CSV exits with code 2 before connecting', async () => {
    const [p, c] = badNodes;
    if (!p || !c) throw new Error(`two bad nodes were started, not ${badNodes.length}`);
    expect(await p.exited, p.output()).toBe(2);
    expect(await c.exited, c.output()).toBe(2);
    // Apart from the --insecure warning (these nodes run on a plaintext test network), one line.
    const errorLines = (out: string) => out.trim().split('\n').filter((l) => !l.startsWith('warning: --insecure')).join('\n');
    expect(errorLines(p.output())).toBe(`fedcredit: ${badPolicy}: invalid policy: maxEpsilonPerJob: Invalid input: expected number, received string`);
    expect(errorLines(c.output())).toBe(
      `fedcredit: ${badCsv} line 3, column "age": expected a number, got "4O"; remove units, currency or percent signs so the cell holds only the number`,
    );
    expect(coord.grid.list().map((e) => e.name).sort()).toEqual(['bank-a', 'bank-b', 'platform']);
  });
});
