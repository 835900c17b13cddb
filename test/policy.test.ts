/**
 * Each institution's own policy, over real gRPC with real participant processes and
 * `fedcredit run` as a data scientist runs it: jobs asking for a feature the policy forbids, more
 * ε than it allows, or plain aggregation (even on a node started with --allow-plain-aggregation)
 * fail, and `run` prints the node's policy reason; a job within the policy succeeds. Nodes with a
 * bad policy file or a bad CSV exit with code 2 and one line naming the file and the field (or
 * line and column) before they connect: the coordinator never hears of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startCoordinator } from '../coordinator/server.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import { DataSchemaSchema } from '../core/data/schema.ts';
import { schemaFeatures } from '../participant/policy.ts';
import { SYNTHETIC_SCHEMA, runCli, startParticipant, stopAll, syntheticParties, tempDir } from './helpers.ts';
import type { ParticipantProcess } from './helpers.ts';

const FORBIDDEN = 'inspections_2y';

describe('participant policy', () => {
  const tmp = tempDir('policy');
  const file = (name: string, content: unknown) => {
    const f = path.join(tmp.dir, name);
    writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return f;
  };
  // Three institutions: every node refuses a secure sum of fewer than three contributors.
  const parties = syntheticParties(tmp.dir, 0.1, 9).filter((p) => p.name !== 'customs');
  // The banks' and the platform's schema: the consortium's without the customs features (which
  // these parties do not have); a job asking for one of them uses `wantsForbidden`.
  const full = DataSchemaSchema.parse(JSON.parse(readFileSync(SYNTHETIC_SCHEMA, 'utf8')));
  const without = (names: string[]) => ({ ...full, numeric: full.numeric.filter((f) => !names.includes(f.name)) });
  const reducedSchema = file('schema-reduced.json', without(['trade_volume', FORBIDDEN]));
  const wantsForbidden = file('schema-with-inspections.json', without(['trade_volume']));
  const policyFile = file('bank-a-policy.json', {
    version: 1,
    allowedModels: ['logistic'],
    allowedFeatures: schemaFeatures(without(['trade_volume', FORBIDDEN])),
    minOtherParticipants: 1,
    maxEpsilonPerJob: 5,
    maxDeltaPerJob: 1e-5,
    maxRounds: 10,
    allowPlainAggregation: false,
  });
  const job = (name: string, spec: Record<string, unknown>) =>
    file(`${name}.json`, {
      name, schema: reducedSchema, rounds: 1, minParticipants: 2, evaluation: { bins: 50 }, deadlines: { waitForParticipantsMs: 5000, stageMs: 20_000 },
      privacy: { mode: 'record', epsilon: 3 }, ...spec,
    });
  const badPolicy = file('bad-policy.json', { version: 1, maxEpsilonPerJob: 'five', maxRounds: 10 });
  const [header, good, row] = readFileSync(parties[0].path, 'utf8').split('\n');
  const badCsv = file('bad.csv', [header, good, row.replace(/^[^,]*/, '4O'), ''].join('\n')); // letter O in the age
  let coord: CoordinatorHandle;
  let parts: ParticipantProcess[] = [];
  let badNodes: ParticipantProcess[] = [];

  beforeAll(async () => {
    coord = await startCoordinator({ port: 0, stateDir: path.join(tmp.dir, 'coord'), logLevel: 'silent', heartbeatIntervalMs: 250, heartbeatTimeoutMs: 3000 });
    parts = parties.map((p) =>
      startParticipant(p.name, p.path, coord.address, reducedSchema, [
        '--allow-plain-aggregation', '--state-dir', path.join(tmp.dir, 'nodes', p.name), '--privacy-budget-epsilon', '100',
        ...(p.name === 'bank-a' ? ['--policy', policyFile] : []),
      ]),
    );
    // Started alongside, checked in the last test: they must exit before connecting.
    badNodes = [
      startParticipant('policy-typo', parties[0].path, coord.address, reducedSchema, ['--policy', badPolicy]),
      startParticipant('bad-csv', badCsv, coord.address, reducedSchema),
    ];
    for (let i = 0; i < 300 && coord.grid.available().length < 3; i++) await new Promise((r) => setTimeout(r, 100));
    expect(coord.grid.available(), parts.map((p) => p.output()).join('\n')).toEqual(['bank-a', 'bank-b', 'platform']);
  }, 40_000);
  afterAll(async () => {
    await stopAll([...parts, ...badNodes]);
    await coord?.stop();
    tmp.cleanup();
  });

  const run = (jobFile: string) => runCli(['run', '--insecure', '--coordinator', coord.address, '--job', jobFile], 60_000);
  const refusal = (reason: string) => `bank-a: refused: policy bank-a-policy.json: ${reason} [policy]`;

  it('refuses a forbidden feature, too much ε and plain aggregation; run prints the reason', async () => {
    const [feature, epsilon, plain] = await Promise.all([
      // minParticipants 3: bank-a's refusal leaves the job without quorum.
      run(job('wants-inspections', { schema: wantsForbidden, minParticipants: 3 })),
      run(job('wants-epsilon-50', { privacy: { mode: 'record', epsilon: 50 }, minParticipants: 3 })),
      run(job('wants-plain', { aggregation: 'plain', minParticipants: 3 })),
    ]);
    for (const r of [feature, epsilon, plain]) {
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^job \S+ failed: round 0 stats: /m);
    }
    expect(feature.stderr).toContain(refusal(`job uses feature "${FORBIDDEN}", which this node's policy (allowedFeatures) does not allow`));
    expect(epsilon.stderr).toContain(refusal('job asks for ε = 50 at δ = 0.00001, more than this node\'s policy (maxEpsilonPerJob: 5) allows'));
    // bank-a runs with --allow-plain-aggregation, but its policy is stricter and wins.
    expect(plain.stderr).toContain(
      refusal('job asks for plain aggregation (the coordinator would see this node\'s vectors), which this node\'s policy (allowPlainAggregation: false) does not allow'),
    );
    // Refused before any data was touched: bank-a never trained, so its ledger charged nothing.
    const ledger = path.join(tmp.dir, 'nodes', 'bank-a', 'privacy', 'ledger.json');
    expect(JSON.parse(readFileSync(ledger, 'utf8')).entries.filter((e: { kind: string }) => e.kind === 'charge')).toEqual([]);
  }, 40_000);

  it('runs a job within the policy', async () => {
    const r = await run(job('within-policy', {}));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // Its one noised evaluation of ~60 held-out rows may leave a class total at or below zero: no AUC then ("—").
    expect(r.stdout).toMatch(/^job \S+ succeeded: AUC (0\.\d{4}|—)/m);
  }, 40_000);

  it('a node with a bad policy file or a bad CSV exits with code 2 before connecting', async () => {
    const [p, c] = badNodes;
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
