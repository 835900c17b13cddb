/**
 * The model package: what metadata.json states (format version, input order, encodings, metrics,
 * privacy, data summary), that loading gives back the exact weights, that the saved tfjs model
 * loads in plain Node and scores as the package does, and that a broken package is refused
 * naming the file and the field.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTable } from '../core/data/preprocess.ts';
import { boostedFromJson } from '../core/trees/model-json.ts';
import { initBackend } from '../participant/trainer/backend.ts';
import { predictWithModel } from '../participant/trainer/predict.ts';
import { loadModelDir } from '../participant/trainer/save.ts';
import { readApplicantsCsv } from './applicants.ts';
import { LOGISTIC_WEIGHTS, TEST_SCHEMA, TREES_JSON, writeTestPackage } from './fixtures.ts';
import { loadModelPackage } from './package-load.ts';
import { scoreApplicants } from './score.ts';

let root = '';
beforeAll(async () => {
  await initBackend('cpu');
  root = mkdtempSync(path.join(tmpdir(), 'fedcredit-package-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const readMeta = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8')) as Record<string, unknown>;

describe('model package', () => {
  it('metadata.json describes the inputs, their encodings, metrics, privacy and data', async () => {
    const dir = path.join(root, 'lr');
    const written = await writeTestPackage(dir, { type: 'logistic' });
    expect(written.files).toEqual(['model.json', 'weights.bin', 'metadata.json']);
    const meta = readMeta(dir);
    expect(meta.formatVersion).toBe(1);
    expect(meta.modelType).toBe('logistic');
    expect(meta.featureNames).toEqual(['income', 'income__missing', 'age', 'home=own', 'home=rent', 'home=__other__', 'home=__missing__']);
    expect(meta.inputDim).toBe(7);
    expect(meta.encodings).toEqual([
      { kind: 'numeric', column: 'income', transform: 'none', range: [0, 1000], mean: 200, std: 100, missing: 'mean', missingInput: 0, inputs: ['income', 'income__missing'] },
      { kind: 'numeric', column: 'age', transform: 'none', range: [18, 90], mean: 40, std: 10, missing: 'mean', missingInput: 0, inputs: ['age'] },
      {
        kind: 'categorical', column: 'home', levels: ['own', 'rent', '__other__', '__missing__'], otherLevel: '__other__', missingLevel: '__missing__',
        inputs: ['home=own', 'home=rent', 'home=__other__', 'home=__missing__'],
      },
    ]);
    expect(meta.metrics).toEqual({ auc: 0.75, ks: 0.4, gini: 0.5, logLoss: 0.3, brier: 0.1, n: 300, positives: 30, bins: 100 });
    expect(meta.privacy).toEqual({ mode: 'none', guarantee: 'secure aggregation (test)', aggregation: 'secagg', epsilonSpent: {} });
    expect(meta.data).toEqual({ members: ['a', 'b', 'c'], rowsEvaluated: 300, positivesEvaluated: 30, trainingRows: 1000, trainingPositives: 100 });
    const pkg = await loadModelPackage(dir);
    expect(pkg.model.kind === 'dense' && pkg.model.weights).toEqual(LOGISTIC_WEIGHTS);
  });

  it('the saved tfjs model loads in plain Node (loadModelDir) and scores exactly as the package', async () => {
    const dir = path.join(root, 'mlp');
    const weights = Float32Array.from({ length: 7 * 3 + 3 + 3 + 1 }, (_, i) => Math.sin(i + 1) * 0.7);
    await writeTestPackage(dir, { type: 'mlp', hidden: [3], dropout: 0, activation: 'tanh' }, weights);
    const pkg = await loadModelPackage(dir);
    expect(pkg.model.kind === 'dense' && pkg.model.weights).toEqual(weights);
    writeFileSync(path.join(root, 'rows.csv'), 'income,age,home\n100,30,rent\n,60,own\n420.5,22,\n');
    const { table } = readApplicantsCsv(path.join(root, 'rows.csv'), TEST_SCHEMA);
    const scored = await scoreApplicants(pkg, table, { reasons: 2 });
    const layers = await loadModelDir(dir);
    try {
      const direct = predictWithModel(layers, encodeTable(table, TEST_SCHEMA, pkg.preprocessing));
      expect(scored.scores.map((s) => s.probability)).toEqual(Array.from(direct));
    } finally {
      layers.dispose();
    }
    expect(scored.scores.every((s) => s.reasons.length <= 2 && s.reasons.every((r) => r.points < 0))).toBe(true);
  });

  it('a gbdt package keeps the packed trees exactly', async () => {
    const dir = path.join(root, 'gbdt');
    await writeTestPackage(dir, { type: 'gbdt' });
    const meta = readMeta(dir);
    expect(meta.featureNames).toEqual(TREES_JSON.features);
    expect(meta.files).toEqual({ model: 'model.json' });
    const pkg = await loadModelPackage(dir);
    expect(pkg.model.kind === 'gbdt' && pkg.model.packed).toEqual(boostedFromJson(TREES_JSON));
  });

  it('refuses a broken package naming the file and the field', async () => {
    const dir = path.join(root, 'broken');
    await writeTestPackage(dir, { type: 'logistic' });
    const meta = readMeta(dir);
    const file = path.join(dir, 'metadata.json');
    writeFileSync(file, JSON.stringify({ ...meta, featureNames: 'income' }));
    await expect(loadModelPackage(dir)).rejects.toThrow(/broken\/metadata\.json: featureNames: /);
    writeFileSync(file, JSON.stringify({ ...meta, featureNames: ['age', 'income'] }));
    await expect(loadModelPackage(dir)).rejects.toThrow(/metadata\.json: featureNames \/ inputDim .* do not match/);
    const { formatVersion: _, ...old } = meta;
    writeFileSync(file, JSON.stringify(old));
    await expect(loadModelPackage(dir)).rejects.toThrow(/formatVersion: .*older fedcredit/);
    writeFileSync(file, JSON.stringify(meta));
    writeFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(8));
    await expect(loadModelPackage(dir)).rejects.toThrow(/broken\/model\.json: /);
    await expect(loadModelPackage(path.join(root, 'nowhere'))).rejects.toThrow(/metadata\.json: not found/);
  });
});
