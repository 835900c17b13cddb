/**
 * Tests of saving and loading the tfjs LayersModel format without tfjs-node: the files have the
 * standard shape, a loaded model predicts bit-identically and carries the same flat weights, and
 * malformed or hostile directories are rejected.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialWeights, modelLayout } from '../../core/model/layout.ts';
import { seededRng } from '../../core/random.ts';
import { layoutSize } from '../../core/types.ts';
import { initBackend } from './backend.ts';
import { SPECS, syntheticRows } from './fixtures.ts';
import { buildModel, getFlatWeights, setFlatWeights } from './model.ts';
import { predictScores, predictWithModel } from './predict.ts';
import { loadModelDir, MODEL_JSON, saveModelDir, saveWeightsAsModel, WEIGHTS_BIN } from './save.ts';

const DIM = 9;
const data = syntheticRows(300, DIM, 17);
let root = '';

beforeAll(async () => {
  await initBackend('cpu');
  root = await mkdtemp(path.join(tmpdir(), 'fedcredit-save-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('saveModelDir / loadModelDir', () => {
  for (const [label, spec] of Object.entries(SPECS)) {
    it(`${label}: round trip keeps weights and predictions bit-identical`, async () => {
      const w = initialWeights(spec, DIM, seededRng(5)).map((v, i) => v + 0.01 * ((i % 5) - 2));
      const dir = path.join(root, label);
      const model = buildModel(spec, DIM, 1);
      setFlatWeights(model, w);
      const before = predictWithModel(model, data.x);
      const saved = await saveModelDir(model, dir);
      model.dispose();
      expect(saved.weightBytes).toBe(4 * layoutSize(modelLayout(spec, DIM)));
      expect((await stat(saved.weightsBin)).size).toBe(saved.weightBytes);

      const loaded = await loadModelDir(dir);
      try {
        expect(getFlatWeights(loaded)).toEqual(w);
        expect(predictWithModel(loaded, data.x)).toEqual(before);
        expect(predictScores(spec, DIM, w, data.x)).toEqual(before);
        const fresh = buildModel(spec, DIM, 0);
        expect(loaded.layers.map((l) => l.name)).toEqual(fresh.layers.map((l) => l.name));
        fresh.dispose();
      } finally {
        loaded.dispose();
      }
    });
  }

  it('writes the standard model.json with one weights.bin in the manifest', async () => {
    const spec = SPECS.mlp16;
    const dir = path.join(root, 'format');
    await saveWeightsAsModel(spec, DIM, initialWeights(spec, DIM, seededRng(2)), dir);
    const json = JSON.parse(await readFile(path.join(dir, MODEL_JSON), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.modelTopology.class_name).toBe('Sequential');
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0].paths).toEqual([WEIGHTS_BIN]);
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toEqual(modelLayout(spec, DIM).map((t) => t.name));
    expect(json.weightsManifest[0].weights.every((w: { dtype: string }) => w.dtype === 'float32')).toBe(true);
  });

  it('does not leak tensors while saving', async () => {
    const w = initialWeights(SPECS.logistic, DIM, seededRng(2));
    await saveWeightsAsModel(SPECS.logistic, DIM, w, path.join(root, 'leak'));
    const before = tf.memory().numTensors;
    await saveWeightsAsModel(SPECS.logistic, DIM, w, path.join(root, 'leak'));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects weights paths that escape the directory and malformed model.json', async () => {
    const dir = path.join(root, 'hostile');
    await saveWeightsAsModel(SPECS.logistic, DIM, new Float32Array(DIM + 1), dir);
    const file = path.join(dir, MODEL_JSON);
    const json = JSON.parse(await readFile(file, 'utf8'));
    json.weightsManifest[0].paths = ['../format/weights.bin'];
    await writeFile(file, JSON.stringify(json));
    await expect(loadModelDir(dir)).rejects.toThrow(/escapes the model directory/);
    await writeFile(file, '{not json');
    await expect(loadModelDir(dir)).rejects.toThrow(/not valid JSON/);
    await writeFile(file, '{}');
    await expect(loadModelDir(dir)).rejects.toThrow(/lacks modelTopology/);
    await expect(loadModelDir(path.join(root, 'missing'))).rejects.toThrow(/ENOENT/);
  });
});
