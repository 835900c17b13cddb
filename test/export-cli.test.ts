/**
 * `fedcredit export` as a user runs it: a logistic regression trained by the in-process
 * simulator (secure aggregation, four synthetic members) and saved as `run --out` saves it; the
 * built CLI exports it as ONNX and onnxruntime-web scores a member's rows (with their missing
 * values) like the saved tfjs model; the command's function makes the scorecard and model card
 * of the same directory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import onnxProto from 'onnx-proto';
import { encodeTable } from '../core/data/preprocess.ts';
import { JobSpecSchema } from '../core/job.ts';
import { predictWithModel } from '../participant/trainer/predict.ts';
import { loadModelDir } from '../participant/trainer/save.ts';
import { onnxInputColumns, onnxInputRows } from '../scoring/export/onnx-input.ts';
import { readPackageMetadata } from '../scoring/package-load.ts';
import { simulate } from '../sim/simulate.ts';
import { exportCommand } from '../cli/export-cmd.ts';
import { ROOT, runCli, tempDir } from './helpers.ts';
import { writeSavedModel } from './support/model-package.ts';
import { schema, syntheticConsortium } from './support/simulation.ts';

const tmp = tempDir('export-cli');
afterAll(() => tmp.cleanup());

const parties = syntheticConsortium(0.2, 13);
const modelDir = path.join(tmp.dir, 'model');

beforeAll(async () => {
  ort.env.wasm.numThreads = 1;
  const job = JobSpecSchema.parse({ name: 'export-e2e', rounds: 3, minParticipants: 4, evaluation: { bins: 100 }, seed: 3 });
  const res = await simulate({ job, schema, parties, stateDir: path.join(tmp.dir, 'sim'), seed: 1 });
  expect(res.state, res.error).toBe('SUCCEEDED');
  await writeSavedModel(modelDir, {
    jobId: res.jobId, job, schema, preprocessing: res.preprocessing!, weights: res.weights!, guarantee: res.guarantee,
    rounds: res.rounds, createdAt: new Date(Date.now() - res.seconds * 1000).toISOString(), finishedAt: new Date().toISOString(),
  });
});

describe('fedcredit export', () => {
  it('--format onnx writes a file onnxruntime-web scores like the saved model, to 1e-5', async () => {
    const out = path.join(tmp.dir, 'credit.onnx');
    const r = await runCli(['export', '--model', modelDir, '--format', 'onnx', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/wrote .*credit\.onnx \(onnx, \d+ bytes\)/);
    const written = onnxProto.onnx.ModelProto.decode(readFileSync(out));
    expect(written.producerVersion).toBe(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
    const table = parties[0]!.table;
    const missing = table.numeric.reduce((s, col) => s + col.filter(Number.isNaN).length, 0);
    expect(missing).toBeGreaterThan(0); // the synthetic members have missing values
    const session = await ort.InferenceSession.create(readFileSync(out), { executionProviders: ['wasm'] });
    const res = await session.run({ applicant: new ort.Tensor('float32', onnxInputRows(table, schema), [table.n, onnxInputColumns(schema).length]) });
    const p = res.probability!.data as Float32Array;
    const model = await loadModelDir(modelDir);
    const native = predictWithModel(model, encodeTable(table, schema, readPackageMetadata(modelDir).preprocessing));
    model.dispose();
    await session.release();
    let worst = 0;
    for (let i = 0; i < table.n; i++) worst = Math.max(worst, Math.abs(p[i]! - native[i]!));
    expect(worst).toBeLessThan(1e-5);
    expect(Math.max(...native) - Math.min(...native)).toBeGreaterThan(0.05);
  });

  it('the export command prints the scorecard and writes the model card of the same directory', async () => {
    let printed = '';
    await exportCommand({ model: modelDir, format: 'scorecard', pdo: 40, scorecardFormat: 'csv', cardFormat: 'md' }, (t) => (printed += t), () => {});
    const lines = printed.trim().split('\n');
    expect(lines[0]).toBe('feature,kind,label,low,high,value,points,points_per_unit');
    expect(lines.filter((l) => l.startsWith('region,level,'))).toHaveLength(4);
    const notes: string[] = [];
    const file = path.join(tmp.dir, 'card.html');
    await exportCommand({ model: modelDir, format: 'card', out: file, scorecardFormat: 'csv', cardFormat: 'html' }, () => {}, (l) => notes.push(l));
    expect(notes).toEqual([expect.stringMatching(/^wrote .*card\.html \(card, \d+ bytes\)$/)]);
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('Model card: export-e2e');
    expect(html).toContain('secure aggregation (the coordinator sees only sums)');
  });
});
