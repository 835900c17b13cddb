/**
 * The exported ONNX file, run by an independent runtime (onnxruntime-web on its wasm backend),
 * scores every row as the saved tfjs model does on the native encoding — including missing
 * values, unseen levels and values outside the schema's ranges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import onnxProto from 'onnx-proto';
import { encodeTable } from '../../core/data/preprocess.ts';
import { featureNames } from '../../core/data/schema.ts';
import type { JobSpec } from '../../core/job.ts';
import { initBackend } from '../../participant/trainer/backend.ts';
import { predictWithModel } from '../../participant/trainer/predict.ts';
import { loadModelDir } from '../../participant/trainer/save.ts';
import { exportJob, exportPreprocessing, exportRows, exportSchema, exportTable, exportWeights } from '../../test/support/export-fixture.ts';
import { writeSavedModel } from '../../test/support/model-package.ts';
import { boostedScores } from '../../participant/trees/boosting-tasks.ts';
import { boostLocally, localEdges } from '../../participant/trees/local-boosting.ts';
import { tempDir } from '../../test/helpers.ts';
import { readExportPackage } from './model-package.ts';
import { ONNX_OPSET, exportOnnx } from './onnx-model.ts';
import { ONNX_INPUT, ONNX_LOGIT, ONNX_PROBABILITY, onnxInputColumns, onnxInputRows } from './onnx-input.ts';

const tmp = tempDir('onnx');
afterAll(() => tmp.cleanup());
beforeAll(async () => {
  await initBackend();
  ort.env.wasm.numThreads = 1;
});

const rows = exportRows(200);
const table = exportTable(rows);
const prep = exportPreprocessing(table);

async function saved(job: JobSpec, name: string): Promise<string> {
  return writeSavedModel(`${tmp.dir}/${name}`, {
    jobId: `job-${name}`, job, schema: exportSchema, preprocessing: prep, weights: exportWeights(job), guarantee: 'plain aggregation (test)',
    rounds: [{ round: 3, participants: ['a', 'b'], metrics: { auc: 0.7, ks: 0.3, gini: 0.4, logLoss: 0.5, brier: 0.2, n: 100, positives: 30 } }],
    createdAt: '2026-12-01T10:00:00.000Z', finishedAt: '2026-12-01T10:05:00.000Z',
  });
}

/** Scores of the saved tfjs model on the native encoding of the fixture's rows. */
async function nativeScores(dir: string): Promise<Float32Array> {
  const model = await loadModelDir(dir);
  try {
    return predictWithModel(model, encodeTable(table, exportSchema, prep));
  } finally {
    model.dispose();
  }
}

async function onnxScores(bytes: Uint8Array): Promise<{ p: Float32Array; logit: Float32Array; session: ort.InferenceSession }> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const width = onnxInputColumns(exportSchema).length;
  const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', onnxInputRows(table, exportSchema), [table.n, width]) });
  return { p: out[ONNX_PROBABILITY]!.data as Float32Array, logit: out[ONNX_LOGIT]!.data as Float32Array, session };
}

/** ONNX probabilities within 1e-5 of the native scores, row by row, and each the sigmoid of its logit. */
function expectSameScores(p: ArrayLike<number>, logit: ArrayLike<number>, native: ArrayLike<number>): void {
  let worst = 0;
  for (let i = 0; i < native.length; i++) {
    worst = Math.max(worst, Math.abs(p[i]! - native[i]!));
    expect(Math.abs(1 / (1 + Math.exp(-logit[i]!)) - p[i]!)).toBeLessThan(1e-6);
  }
  expect(worst).toBeLessThan(1e-5);
}

describe('ONNX export', () => {
  const models: [string, JobSpec['model']][] = [
    ['logistic', { type: 'logistic' }],
    ['mlp-relu', { type: 'mlp', hidden: [8, 4], dropout: 0.2, activation: 'relu' }],
    ['mlp-tanh', { type: 'mlp', hidden: [6], dropout: 0, activation: 'tanh' }],
    ['mlp-elu', { type: 'mlp', hidden: [5], dropout: 0, activation: 'elu' }],
  ];
  it.each(models)('%s: onnxruntime-web scores every row as the native model does, to 1e-5', async (name, model) => {
    const dir = await saved(exportJob(model), name);
    const bytes = exportOnnx(await readExportPackage(dir), { producerVersion: '9.9.9' });
    const native = await nativeScores(dir);
    const { p, logit, session } = await onnxScores(bytes);
    expect(p).toHaveLength(table.n);
    // Scores spread out (so agreement means something), and the edge rows are among them.
    expect(Math.max(...native) - Math.min(...native)).toBeGreaterThan(0.2);
    expectSameScores(p, logit, native);
    await session.release();
  });

  it('gbdt: onnxruntime-web runs the tree ensemble and scores every row as the native trees do, to 1e-5', async () => {
    const job = exportJob({ type: 'gbdt', maxDepth: 3, learningRate: 0.3 });
    const spec = job.model as Extract<JobSpec['model'], { type: 'gbdt' }>;
    const edges = localEdges([table], exportSchema, spec);
    const packed = boostLocally({ table, schema: exportSchema, spec, edges, trees: 6, seed: 1, name: 'member' });
    const dir = await writeSavedModel(`${tmp.dir}/gbdt`, {
      jobId: 'job-gbdt', job, schema: exportSchema, preprocessing: { ...prep, edges }, weights: packed, guarantee: 'plain aggregation (test)',
      rounds: [{ round: 6, participants: ['a'], metrics: { auc: 0.7, ks: 0.3, gini: 0.4, logLoss: 0.5, brier: 0.2, n: 100, positives: 30 } }],
      createdAt: '2026-12-01T10:00:00.000Z', finishedAt: '2026-12-01T10:05:00.000Z',
    });
    const native = boostedScores(packed, table, exportSchema);
    const { p, logit, session } = await onnxScores(exportOnnx(await readExportPackage(dir), { producerVersion: '9.9.9' }));
    expect(Math.max(...native) - Math.min(...native)).toBeGreaterThan(0.2);
    expectSameScores(p, logit, native);
    await session.release();
  });

  it('records the producer, opset, input columns and the job in the file', async () => {
    const dir = await saved(exportJob({ type: 'logistic' }), 'meta');
    const bytes = exportOnnx(await readExportPackage(dir), { producerVersion: '9.9.9' });
    const m = onnxProto.onnx.ModelProto.decode(bytes);
    expect(m.producerName).toBe('fedcredit');
    expect(m.producerVersion).toBe('9.9.9');
    expect(m.opsetImport.map((o) => Number(o.version))).toEqual([ONNX_OPSET]);
    const props = Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]));
    expect(props['fedcredit.job_id']).toBe('job-meta');
    expect(JSON.parse(props['fedcredit.input_columns']!)).toEqual([
      'income', 'age', 'debt_ratio', 'home=rent', 'home=own', 'home=mortgage', 'home=__other__', 'home=__missing__', 'purpose=car', 'purpose=education', 'purpose=__other__',
    ]);
    expect(JSON.parse(props['fedcredit.model_inputs']!)).toEqual(featureNames(exportSchema));
    expect(props['fedcredit.guarantee']).toBe('plain aggregation (test)');
    expect(m.graph?.input?.map((i) => i.name)).toEqual([ONNX_INPUT]);
  });

  it.each(['logistic', 'gbdt'] as const)('%s: puts NaN out for a missing value the schema forbids, rather than a made-up score', async (type) => {
    const job = exportJob(type === 'gbdt' ? { type, maxDepth: 2 } : { type });
    const strictSchema = { ...exportSchema, numeric: exportSchema.numeric.map((f) => (f.name === 'debt_ratio' ? { ...f, missing: 'error' as const } : f)) };
    const spec = job.model as Extract<JobSpec['model'], { type: 'gbdt' }>;
    const weights = type === 'gbdt' ? boostLocally({ table, schema: strictSchema, spec, edges: localEdges([table], strictSchema, spec), trees: 3, seed: 1, name: 'm' }) : exportWeights(job);
    const dir = await writeSavedModel(`${tmp.dir}/strict-${type}`, {
      jobId: 'job-strict', job, schema: strictSchema, preprocessing: type === 'gbdt' ? { ...prep, edges: localEdges([table], strictSchema, spec) } : prep, weights, guarantee: 'plain',
      rounds: [{ round: 3, participants: ['a'], metrics: { auc: 0.7, ks: 0.3, gini: 0.4, logLoss: 0.5, brier: 0.2, n: 100, positives: 30 } }],
      createdAt: '2026-12-01T10:00:00.000Z', finishedAt: '2026-12-01T10:05:00.000Z',
    });
    const session = await ort.InferenceSession.create(exportOnnx(await readExportPackage(dir), { producerVersion: '0' }), { executionProviders: ['wasm'] });
    // Row 0: debt_ratio missing (refused); row 1: the same applicant with it; row 2: income missing (allowed); row 3: a NaN one-hot cell.
    const rows = [
      [5000, 40, Number.NaN, 1, 0, 0, 0, 0, 1, 0, 0],
      [5000, 40, 0.4, 1, 0, 0, 0, 0, 1, 0, 0],
      [Number.NaN, 40, 0.4, 1, 0, 0, 0, 0, 1, 0, 0],
      [5000, 40, 0.4, Number.NaN, 0, 0, 0, 0, 1, 0, 0],
    ];
    const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, rows[0]!.length]) });
    const p = Array.from(out[ONNX_PROBABILITY]!.data as Float32Array);
    expect(p.map(Number.isNaN)).toEqual([true, false, false, true]);
    await session.release();
  });
});
