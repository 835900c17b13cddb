/**
 * A user-defined server strategy, registered by name without touching fedcredit's code: FedAvg
 * whose server step is clipped to a maximum L2 norm (a guard against one bad round moving the
 * model far). Jobs select it with `strategy: { type: "custom", name: "clipped-fedavg", params }`.
 * Run on the synthetic consortium with the in-process simulator:
 *
 *     npx tsx examples/library/custom-strategy.ts
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StrategyFactory } from '../../core/index.ts';
import { DataSchemaSchema, JobSpecSchema, meanDelta, validateTable } from '../../core/index.ts';
import { generateConsortium, simulate } from '../../sim/index.ts';
import schemaJson from '../synthetic/schema.json' with { type: 'json' };

/** FedAvg with the server step w' − w scaled down to at most `maxStep` in L2 norm. */
export const clippedFedAvg: StrategyFactory = (params) => {
  const maxStep = typeof params.maxStep === 'number' && params.maxStep > 0 ? params.maxStep : 1;
  return {
    aggregate(state, sum) {
      const delta = meanDelta(state, sum);
      const norm = Math.hypot(...delta);
      const scale = norm > maxStep ? maxStep / norm : 1;
      // meanDelta returns one entry per weight.
      const weights = state.weights.map((w, i) => w + scale * delta[i]!);
      return { weights, round: state.round + 1 };
    },
  };
};

async function main(): Promise<void> {
  const schema = DataSchemaSchema.parse(schemaJson);
  const job = JobSpecSchema.parse({
    name: 'clipped-fedavg-demo', model: { type: 'logistic' }, rounds: 10, minParticipants: 4, seed: 7,
    train: { localEpochs: 1, batchSize: 64, optimizer: 'sgd', learningRate: 0.1 },
    strategy: { type: 'custom', name: 'clipped-fedavg', params: { maxStep: 0.5 } },
  });
  const parties = generateConsortium({ seed: 1, scale: 0.5 }).parties.map((p) => ({ name: p.name, role: p.role, table: validateTable(p.header, p.rows, schema, p.name).table }));
  const result = await simulate({
    job, schema, parties, seed: 1, stateDir: mkdtempSync(path.join(os.tmpdir(), 'fedcredit-custom-strategy-')),
    strategies: new Map([['clipped-fedavg', clippedFedAvg]]),
  });
  for (const r of result.rounds) console.log(`round ${r.round}: AUC ${r.metrics.auc.toFixed(3)}`);
  console.log(`${result.state} in ${result.seconds.toFixed(1)} s`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
