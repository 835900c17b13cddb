/**
 * Tests of backend selection: the candidate order and its environment override, the wasm
 * binaries found in node_modules, a cached selection that reports every attempt, and training
 * on wasm agreeing with cpu (so every kernel and gradient we use exists on both).
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initialWeights } from '../../core/model/layout.ts';
import { seededRng } from '../../core/random.ts';
import { activateBackend, BACKEND_ENV, backendOrder, DEFAULT_BACKEND_ORDER, initBackend, wasmBinaryDir } from './backend.ts';
import { fitConfig, SPECS, syntheticRows } from './fixtures.ts';
import { trainLocal } from './train.ts';

function tfjsNodeInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

describe('backendOrder', () => {
  it('is tfjs-node, wasm, cpu by default', () => {
    expect(backendOrder(undefined, '')).toEqual(['tensorflow', 'wasm', 'cpu']);
    expect(DEFAULT_BACKEND_ORDER).toEqual(['tensorflow', 'wasm', 'cpu']);
  });

  it('puts the preference first and keeps the rest as fallbacks', () => {
    expect(backendOrder('cpu', '')).toEqual(['cpu', 'tensorflow', 'wasm']);
    expect(backendOrder('wasm', '')).toEqual(['wasm', 'tensorflow', 'cpu']);
  });

  it(`lets ${BACKEND_ENV} override the preference and rejects unknown names`, () => {
    expect(backendOrder('cpu', ' WASM ')).toEqual(['wasm', 'tensorflow', 'cpu']);
    expect(() => backendOrder(undefined, 'gpu')).toThrow(/FEDCREDIT_BACKEND="gpu" is not one of tensorflow, wasm, cpu/);
  });
});

describe('wasmBinaryDir', () => {
  it('points at the wasm package dist folder holding the .wasm files', () => {
    const dir = wasmBinaryDir();
    expect(dir.endsWith(path.sep)).toBe(true);
    expect(dir).toContain(path.join('@tensorflow', 'tfjs-backend-wasm'));
    for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']) expect(existsSync(dir + f)).toBe(true);
  });
});

describe('initBackend', () => {
  it('reports the active backend and every attempt, and is idempotent', async () => {
    const info = await initBackend();
    expect(info.name).toBe(tf.getBackend());
    const order = backendOrder();
    expect(info.tried.map((t) => t.name)).toEqual(order.slice(0, info.tried.length));
    expect(info.tried.at(-1)).toEqual({ name: info.name });
    for (const t of info.tried.slice(0, -1)) expect(t.error).toMatch(/\S/);
    if (!tfjsNodeInstalled() && order[0] === 'tensorflow') {
      expect(info.tried[0]).toMatchObject({ name: 'tensorflow', error: expect.stringMatching(/tfjs-node/) });
      expect(info.name).toBe(order[1]);
    }
    const again = initBackend('cpu');
    expect(await again).toBe(info);
    expect(again).toBe(initBackend());
  });
});

describe('activateBackend', () => {
  it('fails with a clear error for tfjs-node when it is not installed', async () => {
    if (tfjsNodeInstalled()) return;
    await expect(activateBackend('tensorflow')).rejects.toThrow(/tfjs-node/);
  });

  it('trains to nearly the same weights on wasm and cpu, reproducibly on each', async () => {
    const spec = SPECS.mlpElu;
    const data = syntheticRows(400, 6, 3);
    const w0 = initialWeights(spec, 6, seededRng(1));
    const fit = fitConfig({ mu: 0.01, train: { optimizer: 'adam', learningRate: 0.01, l2: 1e-3, localEpochs: 2, batchSize: 32 } });
    const run = async (name: 'wasm' | 'cpu') => {
      await activateBackend(name);
      expect(tf.getBackend()).toBe(name);
      const a = await trainLocal({ spec, inputDim: 6, weights: w0, x: data.x, y: data.y, fit });
      const b = await trainLocal({ spec, inputDim: 6, weights: w0, x: data.x, y: data.y, fit });
      expect(b.weights).toEqual(a.weights);
      return a;
    };
    const onWasm = await run('wasm');
    const onCpu = await run('cpu');
    let maxDiff = 0;
    onWasm.weights.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - onCpu.weights[i]!))));
    expect(maxDiff).toBeLessThan(1e-3);
    expect(onWasm.lossSum).toBeCloseTo(onCpu.lossSum, 1);
  });
});
