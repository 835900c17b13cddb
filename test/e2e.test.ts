/**
 * End to end over real gRPC on loopback: a coordinator and three participant processes train
 * the synthetic consortium with secure aggregation (the default); the model must improve, and the
 * coordinator's record of every received message must hold only secure-sum steps — masked vectors
 * of the public plan's length, never a vector in clear — and no row of any CSV.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { readCsvFile } from '../participant/data/csv.ts';
import { loadSchemaFile } from '../participant/data/load.ts';
import { startCoordinator } from '../coordinator/server.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import { ControlClient } from '../client/control-client.ts';
import { JobSpecSchema } from '../core/job.ts';
import { inputDim } from '../core/data/schema.ts';
import { modelLayout } from '../core/model/layout.ts';
import { layoutSize } from '../core/types.ts';
import { statsShape } from '../core/data/preprocess.ts';
import { trainShape } from '../core/aggregate/train.ts';
import { evaluationShape } from '../core/metrics/histogram.ts';
import { secureRoundParams } from '../core/round/secure-plan.ts';
import { SYNTHETIC_SCHEMA, readJsonLines, startParticipant, stopAll, syntheticParties, tempDir } from './helpers.ts';
import type { ParticipantProcess } from './helpers.ts';

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
    const control = new ControlClient(coord.address);
    const jobId = await control.submit(job, schema);
    const final = await control.follow(jobId, () => undefined);
    expect(final.error).toBe('');
    expect(final.state).toBe('SUCCEEDED');
    expect(final.participants.sort()).toEqual(parties.map((p) => p.name).sort());
    const first = final.rounds.find((r) => r.round === 1)!;
    const last = final.rounds.at(-1)!;
    const baseline = final.rounds.find((r) => r.round === 0)!;
    expect(Math.abs(baseline.metrics!.auc - 0.5)).toBeLessThan(0.1); // logistic regression starts near zero: an almost constant score
    expect(last.round).toBe(4);
    expect(last.metrics!.auc).toBeGreaterThan(0.7);
    expect(last.metrics!.logLoss).toBeLessThan(baseline.metrics!.logLoss);
    expect(last.metrics!.logLoss).toBeLessThanOrEqual(first.metrics!.logLoss + 1e-3);

    const model = await control.fetchModel(jobId);
    const size = layoutSize(modelLayout(job.model, inputDim(schema)));
    expect(model.weights.length).toBe(size);
    control.close();

    // Secure aggregation is the default: nothing arrives in clear. Every reply is one step of a
    // secure sum, and every masked vector has exactly the public plan's length for its stage.
    const n = parties.length;
    const planWords = new Set(
      ([['stats', statsShape(schema)], ['train', trainShape(size)], ['evaluate', evaluationShape(job.evaluation.bins)]] as const).map(
        ([kind, shape]) => secureRoundParams(job, kind, shape, `${jobId}/${kind}/0/1`, 0, parties.map((p) => p.name)).config.length,
      ),
    );
    const vectors: number[][] = [];
    const pushes = readJsonLines(record).filter((l) => l.rpc === 'PushResult');
    expect(pushes.length).toBe(4 * n * (1 + 1 + 2 * job.rounds)); // 4 steps × (stats, baseline eval, train+eval per round)
    const steps = new Map<string, number>();
    for (const p of pushes) {
      const msg = p.message as { contribution?: unknown; secagg?: { message: string; maskedInput?: { dtype: string; shape: number[]; values: string } } };
      expect(msg.contribution ?? null).toBeNull();
      expect(msg.secagg).toBeDefined();
      steps.set(msg.secagg!.message, (steps.get(msg.secagg!.message) ?? 0) + 1);
      const t = msg.secagg!.maskedInput;
      if (msg.secagg!.message !== 'masked-input') continue;
      expect(t!.dtype).toBe('UINT32');
      expect(planWords.has(t!.shape[0]!), `masked vector of ${t!.shape[0]} words`).toBe(true);
      const b = Buffer.from(t!.values, 'base64');
      vectors.push(Array.from(new Uint32Array(b.buffer, b.byteOffset, b.length / 4)));
    }
    expect([...steps.values()]).toEqual(Array(4).fill(n * (2 + 2 * job.rounds)));
    expect(final.rounds.every((r) => r.secure?.survivors === n && r.secure.threshold === n)).toBe(true);
    // The coordinator timed every step of each round's secure sum, within the round's own time.
    for (const r of final.rounds) {
      expect(r.secure!.steps.map((s) => s.step)).toEqual(['advertise-keys', 'share-keys', 'masked-input', 'unmasking']);
      expect(r.secure!.steps.every((s) => Number.isFinite(s.seconds) && s.seconds > 0)).toBe(true);
      expect(r.secure!.steps.reduce((a, s) => a + s.seconds, 0)).toBeLessThanOrEqual(r.seconds);
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

  it('with keysAhead, sets up later rounds\' keys in round 1\'s first steps and runs their sums from the masked-input step', async () => {
    const ahead = JobSpecSchema.parse({ ...job, name: 'e2e-keys-ahead', secureAggregation: { ...job.secureAggregation, keysAhead: 3 } });
    const control = new ControlClient(coord.address);
    const jobId = await control.submit(ahead, schema);
    const final = await control.follow(jobId, () => undefined);
    control.close();
    expect(final.error).toBe('');
    expect(final.state).toBe('SUCCEEDED');
    expect(final.rounds.at(-1)!.metrics!.auc).toBeGreaterThan(0.7);
    const stepsOf = (round: number) => final.rounds.find((r) => r.round === round)!.secure!.steps.map((s) => s.step);
    expect(stepsOf(1)).toEqual(['advertise-keys', 'share-keys', 'masked-input', 'unmasking']);
    for (const round of [2, 3, 4]) expect(stepsOf(round)).toEqual(['masked-input', 'unmasking']);
    expect(final.rounds.map((r) => r.secure!.keysSetUpIn)).toEqual([0, 0, 1, 1, 1]);
    // Over the wire: round 1's two key-setup replies of each member answered the three later sums.
    const n = parties.length;
    const carried = readJsonLines(record)
      .filter((l) => l.rpc === 'PushResult')
      .map((l) => l.message as { ahead?: { run: string; secagg?: { message: string } }[] })
      .filter((m) => m.ahead?.length && m.ahead[0]!.run.startsWith(`${jobId}/train/`));
    expect(carried).toHaveLength(2 * n);
    for (const m of carried) {
      expect(m.ahead!.map((a) => a.run.split('/')[2])).toEqual(['2', '3', '4']);
      expect(m.ahead!.every((a) => a.secagg?.message === 'advertise-keys' || a.secagg?.message === 'share-keys')).toBe(true);
    }
  });
});

/** True if some vector contains `run` as consecutive elements (within float32 rounding). */
function containsRun(vectors: number[][], run: number[]): boolean {
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
  for (const v of vectors) {
    for (let i = 0; i + run.length <= v.length; i++) {
      if (!close(v[i]!, run[0]!)) continue;
      let all = true;
      for (let j = 1; j < run.length && all; j++) all = close(v[i + j]!, run[j]!);
      if (all) return true;
    }
  }
  return false;
}
