/**
 * End to end over real gRPC on loopback: a coordinator and three participant processes train
 * the synthetic consortium; the model must improve, and the coordinator's record of every
 * received message must hold only model-sized vectors and aggregates — no row of any CSV.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { readCsvFile } from '../participant/data/csv';
import { loadSchemaFile } from '../participant/data/load';
import { startCoordinator } from '../coordinator/server';
import type { CoordinatorHandle } from '../coordinator/server';
import { Control } from '../cli/control-client';
import { JobSpecSchema } from '../core/job';
import { inputDim } from '../core/data/schema';
import { modelLayout } from '../core/model/layout';
import { layoutSize } from '../core/types';
import { SYNTHETIC_SCHEMA, readJsonLines, startParticipant, stopAll, syntheticParties, tempDir } from './helpers';
import type { ParticipantProcess } from './helpers';

describe('federated training over gRPC with three participant processes', () => {
  const tmp = tempDir('e2e');
  const record = path.join(tmp.dir, 'received.jsonl');
  let coord: CoordinatorHandle;
  let parts: ParticipantProcess[] = [];
  const parties = syntheticParties(tmp.dir).filter((p) => p.name !== 'bank-b');
  const schema = loadSchemaFile(SYNTHETIC_SCHEMA);
  const job = JobSpecSchema.parse({
    name: 'e2e', model: { type: 'logistic' }, rounds: 4, minParticipants: 3, seed: 3,
    train: { localEpochs: 1, batchSize: 32, learningRate: 0.1 }, evaluation: { holdout: 0.25, bins: 200 },
  });

  beforeAll(async () => {
    coord = await startCoordinator({ port: 0, stateDir: path.join(tmp.dir, 'state'), recordMessages: record, logLevel: 'silent' });
    parts = parties.map((p) => startParticipant(p.name, p.path, coord.address));
  });
  afterAll(async () => {
    await stopAll(parts);
    await coord.stop();
    tmp.cleanup();
  });

  it('trains, improves the model, and receives no CSV row', async () => {
    const control = new Control(coord.address);
    const jobId = await control.submit(job, schema);
    const final = await control.watch(jobId, () => undefined);
    expect(final.error).toBe('');
    expect(final.state).toBe('SUCCEEDED');
    expect(final.participants.sort()).toEqual(parties.map((p) => p.name).sort());
    const first = final.rounds.find((r) => r.round === 1)!;
    const last = final.rounds[final.rounds.length - 1];
    const baseline = final.rounds.find((r) => r.round === 0)!;
    expect(baseline.metrics!.auc).toBeCloseTo(0.5, 6); // logistic regression starts at zero weights
    expect(last.round).toBe(4);
    expect(last.metrics!.auc).toBeGreaterThan(0.7);
    expect(last.metrics!.logLoss).toBeLessThan(baseline.metrics!.logLoss);
    expect(last.metrics!.logLoss).toBeLessThanOrEqual(first.metrics!.logLoss + 1e-3);

    const model = await control.fetchModel(jobId);
    const size = layoutSize(modelLayout(job.model, inputDim(schema)));
    expect(model.weights.length).toBe(size);
    control.close();

    // Every vector received must be model-sized or an aggregate of the documented sizes.
    const allowed = new Set([size, 1, 2, 4, 3 * schema.numeric.length, 2 * job.evaluation.bins]);
    const vectors: number[][] = [];
    const pushes = readJsonLines(record).filter((l) => l.rpc === 'PushResult');
    expect(pushes.length).toBe(3 * (1 + 1 + 2 * job.rounds)); // stats, baseline eval, train+eval per round
    for (const p of pushes) {
      const msg = p.message as { contribution?: { vectors: { name: string; values: number[] }[] } };
      expect(msg.contribution).toBeDefined();
      for (const v of msg.contribution!.vectors) {
        expect(allowed.has(v.values.length), `vector ${v.name} of length ${v.values.length}`).toBe(true);
        vectors.push(v.values);
      }
    }
    // No row of any participant's CSV appears: neither its numeric cells as a run of values in
    // any vector, nor its text in the record.
    const text = readJsonLines(record).map((l) => JSON.stringify(l)).join('\n');
    let rowsChecked = 0;
    for (const party of parties) {
      const { header, rows } = readCsvFile(party.path);
      const numericCols = schema.numeric.map((f) => header.indexOf(f.name));
      for (const row of rows) {
        const values = numericCols.map((c) => row[c]).filter((c) => c !== '').map(Number);
        expect(text.includes(row.join(','))).toBe(false);
        if (values.length >= 3) {
          if (rowsChecked === 0) expect(containsRun([[7, ...values, 7]], values)).toBe(true); // the detector works
          expect(containsRun(vectors, values)).toBe(false);
          rowsChecked++;
        }
      }
    }
    expect(rowsChecked).toBeGreaterThan(500);
  });
});

/** True if some vector contains `run` as consecutive elements (within float32 rounding). */
function containsRun(vectors: number[][], run: number[]): boolean {
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
  for (const v of vectors) {
    for (let i = 0; i + run.length <= v.length; i++) {
      if (!close(v[i], run[0])) continue;
      let all = true;
      for (let j = 1; j < run.length && all; j++) all = close(v[i + j], run[j]);
      if (all) return true;
    }
  }
  return false;
}
