/**
 * A user-defined model, registered without touching fedcredit's code: a factorization machine
 * (Rendle, ICDM 2010), logistic regression plus every pairwise interaction of the inputs through
 * k-dimensional factors,
 *
 *     logit(x) = b + x·w + ½ Σ_f [ (x·V_f)² − (x²)·(V_f²) ],   V ∈ R^{d×k},
 *
 * which captures the interactions credit teams look for (e.g. high utilisation only matters for
 * young accounts) at d·(k + 1) + 1 parameters. Jobs select it with
 * `model: { type: "custom", name: "factorization-machine", params: { factors: 4 } }`; every process
 * that handles the job calls `registerModel(factorizationMachine)` first. Run on the synthetic
 * consortium with the in-process simulator, next to logistic regression:
 *
 *     npx tsx examples/library/factorization-machine.ts
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { DataSchemaSchema, JobSpecSchema, uniform01, validateTable } from '../../core/index.ts';
import type { Layout } from '../../core/index.ts';
import { registerModel } from '../../participant/index.ts';
import type { TrainableModel } from '../../participant/index.ts';
import { generateConsortium, simulate } from '../../sim/index.ts';
import schemaJson from '../synthetic/schema.json' with { type: 'json' };

const FmParams = z.object({ factors: z.number().int().min(1).max(64).default(4) }).strict();
type FmParams = z.infer<typeof FmParams>;

/** Half-width of the uniform initial weights: near zero, like logistic regression's start. */
const INIT = 0.01;

export const factorizationMachine: TrainableModel<FmParams> = {
  name: 'factorization-machine',
  params: FmParams,
  layout(p, inputDim): Layout {
    return [
      { name: 'fm/bias', shape: [1] },
      { name: 'fm/linear', shape: [inputDim, 1] },
      { name: 'fm/factors', shape: [inputDim, p.factors] },
    ];
  },
  initialWeights(p, inputDim, rng) {
    const out = new Float32Array(1 + inputDim + inputDim * p.factors);
    for (let i = 1; i < out.length; i++) out[i] = (2 * uniform01(rng) - 1) * INIT;
    return out;
  },
  forward(_p, [bias, linear, factors], x) {
    if (!bias || !linear || !factors) throw new Error('factorization-machine: expected bias, linear and factors tensors');
    return tf.tidy(() => {
      const xv = tf.matMul(x, factors as tf.Tensor2D);
      const x2v2 = tf.matMul(tf.square(x), tf.square(factors) as tf.Tensor2D);
      const pairwise = tf.mul(0.5, tf.sum(tf.sub(tf.square(xv), x2v2), 1, true));
      return tf.add(tf.add(tf.matMul(x, linear as tf.Tensor2D), bias), pairwise) as tf.Tensor2D;
    });
  },
};

async function main(): Promise<void> {
  registerModel(factorizationMachine);
  const schema = DataSchemaSchema.parse(schemaJson);
  const parties = generateConsortium({ seed: 1, scale: 0.5 }).parties.map((p) => ({ name: p.name, role: p.role, table: validateTable(p.header, p.rows, schema, p.name).table }));
  const models = [{ type: 'logistic' }, { type: 'custom', name: 'factorization-machine', params: { factors: 4 } }];
  for (const model of models) {
    const job = JobSpecSchema.parse({
      name: 'fm-demo', model, rounds: 15, minParticipants: 4, seed: 7,
      train: { localEpochs: 1, batchSize: 64, optimizer: 'adam', learningRate: 0.02 },
    });
    const result = await simulate({ job, schema, parties, seed: 1, stateDir: mkdtempSync(path.join(os.tmpdir(), 'fedcredit-fm-')) });
    const last = result.rounds.at(-1);
    console.log(`${model.type === 'custom' ? 'factorization machine' : 'logistic regression'}: ${result.state}, AUC ${last?.metrics.auc.toFixed(3)} after ${last?.round} rounds, ${result.seconds.toFixed(1)} s`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
