/**
 * The data scientist's commands as a user runs them (real processes, real gRPC): `run --json`
 * against a coordinator process with participant processes, saving a tfjs model, also for a model
 * larger than gRPC's default 4 MB message limit, and a gbdt model as readable trees; `simulate
 * --json`; `schema infer`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, SYNTHETIC_SCHEMA, runCli, startParticipant, stopAll, syntheticParties, tempDir } from './helpers.ts';
import type { ParticipantProcess } from './helpers.ts';
import { freePort, startCoordinatorProcess, stopCoordinatorProcess } from './coordinator-process.ts';
import type { CoordinatorProcess } from './coordinator-process.ts';
import { loadModelDir } from '../participant/trainer/save.ts';
import { initBackend } from '../participant/trainer/backend.ts';
import { loadSchemaFile, loadTable } from '../participant/data/load.ts';
import { boostedScores } from '../participant/trees/boosting-tasks.ts';
import { treeFeatureNames } from '../core/trees/features.ts';
import { boostedFromJson } from '../core/trees/model-json.ts';
import { exactAuc } from '../core/metrics/exact.ts';
import { readExportPackage } from '../scoring/export/model-package.ts';

const tmp = tempDir('cli');
afterAll(() => tmp.cleanup());

function writeJob(name: string, job: Record<string, unknown>): string {
  const file = path.join(tmp.dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ schema: SYNTHETIC_SCHEMA, ...job }));
  return file;
}

describe('fedcredit CLI', () => {
  const parties = syntheticParties(tmp.dir, 0.25, 21).filter((p) => p.name !== 'bank-b');

  // One coordinator process and three participant processes serve both `run` tests. The
  // 1.1 M-parameter job below trains and moves 4.4 MB messages while other test files load both
  // cores: a member can stay silent for longer than the default 10 s heartbeat timeout there, and
  // nothing in this file is about liveness.
  let coord: CoordinatorProcess | undefined;
  let parts: ParticipantProcess[] = [];
  beforeAll(async () => {
    coord = await startCoordinatorProcess(0, path.join(tmp.dir, 'coord'), [], { heartbeatTimeoutMs: 30_000 });
    parts = parties.map((p) => startParticipant(p.name, p.path, coord!.address));
  });
  afterAll(async () => {
    await stopAll(parts);
    if (coord) await stopCoordinatorProcess(coord);
  });

  it('run --json submits a job, prints the summary and saves a loadable tfjs model', async () => {
    const job = writeJob('run', { name: 'cli-run', rounds: 3, minParticipants: 3, evaluation: { bins: 100 } });
    const out = path.join(tmp.dir, 'model');
    const report = path.join(tmp.dir, 'run-report.html');
    const r = await runCli(['run', '--insecure', '--coordinator', coord!.address, '--job', job, '--out', out, '--json', '--report', report]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    // --report: the HTML report of the same job, its embedded figures the summary's.
    expect(r.stderr).toContain(`report written to ${report}`);
    const embedded = JSON.parse(/<script id="report-data" type="application\/json">(.*?)<\/script>/s.exec(readFileSync(report, 'utf8'))![1]!);
    expect(embedded.job.jobId).toBe(summary.jobId);
    expect(embedded.final.auc).toBe(summary.federated.auc);
    expect(embedded.histogram.bins).toBe(100);
    expect(summary.state).toBe('SUCCEEDED');
    // Three rounds on ~300 held-out rows with ~30 defaults: AUC varies by ±0.05 with the split, so check learning, not a level.
    expect(summary.federated.auc).toBeGreaterThan(0.58);
    expect(summary.federated.auc).toBeGreaterThan(summary.rounds[0].auc + 0.05);
    expect(summary.federated.ks).toBeGreaterThan(0.1);
    expect(summary.rounds.map((x: { round: number }) => x.round)).toEqual([0, 1, 2, 3]);
    expect(summary.aggregation).toBe('secagg');
    expect(summary.guarantee).toMatch(/^secure aggregation .* t = 3 of n = 3, k = 2 masking neighbours each \(everyone\); inputs summed in Z_2\^32; update deltas clipped to ±4/);
    expect(summary.secureAggregation).toMatchObject({ participants: 3, survivors: 3, threshold: 3, neighbours: 2, modulusBits: 32, clippedTotal: 0 });
    expect(r.stderr).toMatch(/round 3\/3 {2}participants 3 {2}AUC 0\.\d{4} {2}KS 0\.\d{4} {2}loss 0\.\d{4} {2}\d+\.\ds/);
    for (const f of ['model.json', 'weights.bin', 'metadata.json']) expect(existsSync(path.join(out, f))).toBe(true);
    const meta = JSON.parse(readFileSync(path.join(out, 'metadata.json'), 'utf8'));
    expect(meta.schema.label.column).toBe('default');
    expect(meta.rounds).toHaveLength(4);
    expect(meta.participants.sort()).toEqual(parties.map((p) => p.name).sort());
    await initBackend();
    const model = await loadModelDir(out);
    expect(model.inputs[0]?.shape[1]).toBe(meta.layout[0].shape[0]);
    model.dispose();
    // The exports read the directory as saved (scoring/export/model-package.ts).
    expect((await readExportPackage(out)).layers.map((l) => [l.inputs, l.units])).toEqual([[meta.layout[0].shape[0], 1]]);
  });

  it('trains a model larger than the 4 MB default gRPC message limit and fetches it', async () => {
    // 27 inputs × 2048 + 2048 × 512 ≈ 1.1 M float32 parameters ≈ 4.4 MB per message: the task's
    // weights, every masked input and the model the run command fetches.
    const job = writeJob('big', {
      name: 'big', rounds: 1, minParticipants: 3, model: { type: 'mlp', hidden: [2048, 512] },
      train: { batchSize: 256, learningRate: 0.01 }, evaluation: { bins: 50 },
    });
    const out = path.join(tmp.dir, 'big-model');
    const r = await runCli(['run', '--insecure', '--coordinator', coord!.address, '--job', job, '--out', out, '--json'], 300_000);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.state).toBe('SUCCEEDED');
    expect(summary.rounds).toHaveLength(2);
    const meta = JSON.parse(readFileSync(path.join(out, 'metadata.json'), 'utf8'));
    const params = (meta.layout as { shape: number[] }[]).reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0);
    expect(params * 4).toBeGreaterThan(4 * 1024 * 1024);
    expect(readFileSync(path.join(out, 'weights.bin')).length).toBe(params * 4);
  });

  it('run --out saves a gbdt model as readable trees with feature names, which score the data again', async () => {
    const job = writeJob('gbdt', { name: 'cli-gbdt', rounds: 4, minParticipants: 3, model: { type: 'gbdt', maxDepth: 2, learningRate: 0.3 }, evaluation: { bins: 100, every: 2 } });
    const out = path.join(tmp.dir, 'gbdt-model');
    const r = await runCli(['run', '--insecure', '--coordinator', coord!.address, '--job', job, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.state).toBe('SUCCEEDED');
    expect(summary.guarantee).toContain('gradient histograms of each tree level');
    const meta = JSON.parse(readFileSync(path.join(out, 'metadata.json'), 'utf8'));
    expect(meta.format).toBe('fedcredit-boosted-trees/1');
    const schema = loadSchemaFile(SYNTHETIC_SCHEMA);
    expect(meta.treeFeatures).toEqual(treeFeatureNames(schema));
    expect(meta.preprocessing.edges).toHaveLength(schema.numeric.length);
    const saved = JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8'));
    expect(saved.trees).toHaveLength(4);
    expect((await readExportPackage(out)).trees?.trees).toHaveLength(4);
    expect(saved.features).toEqual(treeFeatureNames(schema));
    const packed = boostedFromJson(saved, treeFeatureNames(schema));
    const party = parties[0]!;
    const scores = boostedScores(packed, loadTable(party.path, schema).table, schema);
    expect(scores.every((p) => p > 0 && p < 1)).toBe(true);
    expect(exactAuc(scores, loadTable(party.path, schema).table.labels)).toBeGreaterThan(0.6);
  });

  it('run reports a bad job file with the file and field', async () => {
    const bad = writeJob('bad', { rounds: -3 });
    const r = await runCli(['run', '--insecure', '--coordinator', '127.0.0.1:1', '--job', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.json: rounds: .*>=1/);
  });

  it('simulate --json reports federated, centralized and local-only metrics per party', async () => {
    // 1000 bins: the coordinator's histogram AUC is within binning error of the exact one.
    const job = writeJob('sim', { name: 'cli-sim', rounds: 3, minParticipants: 3, evaluation: { bins: 1000 } });
    const port = await freePort();
    const r = await runCli(['simulate', '--job', job, '--json', '--port', String(port), ...parties.flatMap((p) => ['--party', `${p.name}=${p.path}`])]);
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    // The coordinator listened on the given port; the temporary state dir (with the test CA's key) is gone.
    expect(r.stderr).toContain(`coordinator on 127.0.0.1:${port};`);
    expect(r.stderr).toContain(`removed the temporary state ${rep.stateDir} (run with --keep-state to keep the logs and data)`);
    expect(existsSync(rep.stateDir)).toBe(false);
    expect(rep.state).toBe('SUCCEEDED');
    expect(rep.federated.auc).toBeGreaterThan(0.58);
    expect(rep.federated.auc).toBeGreaterThan(rep.rounds[0].auc + 0.05);
    expect(Math.abs(rep.federated.auc - rep.federated.exactAuc)).toBeLessThan(0.005);
    expect(rep.centralized.auc).toBeGreaterThan(0.6);
    for (const p of parties) {
      expect(rep.federated.perParty[p.name].auc).toBeGreaterThan(0.5);
      expect(rep.localOnly[p.name].auc).toBeGreaterThan(0.4);
      expect(rep.centralized.perParty[p.name].n).toBe(rep.localOnly[p.name].n);
    }
    expect(rep.backend).toMatch(/^(tensorflow|wasm|cpu)$/);
  });

  it('schema infer prints a schema that validates the sample file', async () => {
    const csv = path.join(ROOT, 'examples', 'data', 'credit_data.csv');
    const out = path.join(tmp.dir, 'inferred.json');
    const r = await runCli(['schema', 'infer', csv, '--label', 'Status', '--positive', 'bad', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const schema = JSON.parse(readFileSync(out, 'utf8'));
    expect(schema.label).toEqual({ column: 'Status', positive: 'bad', negative: ['good'] });
    expect(schema.categorical.map((c: { name: string }) => c.name).sort()).toEqual(['Home', 'Job', 'Marital', 'Records']);
    const bad = await runCli(['schema', 'infer', csv, '--label', 'Status', '--positive', 'awful']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/awful/);
  });
});
