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
import { carriedShape } from '../core/round/carried-evaluation.ts';
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
    // Each training stage also carries the previous round's evaluation (the default): its plan
    // holds the evaluation vectors too. The final round's evaluation is a sum of its own.
    const planWords = new Set(
      ([['stats', statsShape(schema)], ['train', { ...trainShape(size), ...carriedShape(job.evaluation.bins) }], ['evaluate', evaluationShape(job.evaluation.bins)]] as const).map(
        ([kind, shape]) => secureRoundParams(job, kind, shape, `${jobId}/${kind}/0/1`, 0, parties.map((p) => p.name)).config.length,
      ),
    );
    const vectors: number[][] = [];
    const pushes = readJsonLines(record).filter((l) => l.rpc === 'PushResult');
    // Four steps for the statistics sum, which sets up its own keys. Every later sum — one training
    // sum per round, then the final evaluation — had its keys set up by a sum before it (keysAhead
    // 1, the default: the statistics sum sets up round 1's, each training sum the next round's and
    // the last one the final evaluation's), so it runs two steps: masked input and unmasking.
    expect(pushes.length).toBe(n * (4 + 2 * job.rounds + 2));
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
    const setups = n;
    const sums = n * (2 + job.rounds);
    expect(Object.fromEntries(steps)).toEqual({ 'advertise-keys': setups, 'share-keys': setups, 'masked-input': sums, unmasking: sums });
    expect(final.rounds.every((r) => r.secure?.survivors === n && r.secure.threshold === n)).toBe(true);
    // The coordinator timed every step of each round's secure sum, within the round's own time.
    // Round 0's record, which has no training, shows round 1's sum that carried its evaluation.
    for (const r of final.rounds) {
      expect(r.secure!.steps.map((s) => s.step)).toEqual(['masked-input', 'unmasking']);
      // Round 1 was set up by the statistics sum (round 0, which reads as 0 on the wire).
      expect(r.secure!.keysSetUpIn).toBe(r.round <= 1 ? 0 : r.round - 1);
      expect(r.secure!.steps.every((s) => Number.isFinite(s.seconds) && s.seconds > 0)).toBe(true);
      // Round 0 ran no stage of its own (its evaluation was round 1's), so it took no time.
      if (r.round > 0) expect(r.secure!.steps.reduce((a, s) => a + s.seconds, 0)).toBeLessThanOrEqual(r.seconds);
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

  it('with keysAhead, sets up the first rounds\' keys in the statistics sum and runs every later sum from the masked-input step', async () => {
    const ahead = JobSpecSchema.parse({ ...job, name: 'e2e-keys-ahead', secureAggregation: { ...job.secureAggregation, keysAhead: 3 } });
    const control = new ControlClient(coord.address);
    const jobId = await control.submit(ahead, schema);
    const final = await control.follow(jobId, () => undefined);
    control.close();
    expect(final.error).toBe('');
    expect(final.state).toBe('SUCCEEDED');
    expect(final.rounds.at(-1)!.metrics!.auc).toBeGreaterThan(0.7);
    for (const r of final.rounds) expect(r.secure!.steps.map((s) => s.step)).toEqual(['masked-input', 'unmasking']);
    // Rounds 1–3 were set up by the statistics sum (round 0, 0 on the wire), round 4 by round 1's.
    expect(final.rounds.map((r) => r.secure!.keysSetUpIn)).toEqual([0, 0, 0, 0, 1]);
    // Over the wire: the statistics sum's two key-setup replies of each member answered rounds
    // 1–3's; round 1's two steps carried round 4's; round 4's two steps the final evaluation's.
    // Rounds 2 and 3 carried nothing: each round's evaluation travels in the next training sum.
    const n = parties.length;
    const carrying = readJsonLines(record)
      .filter((l) => l.rpc === 'PushResult')
      .map((l) => l.message as { ahead?: { run: string; secagg?: { message: string } }[] })
      .filter((m) => m.ahead?.length && m.ahead[0]!.run.startsWith(`${jobId}/`));
    const sums = carrying.map((m) => m.ahead!.map((a) => a.run.split('/').slice(1, 3).join('/')).join(','));
    const expected = [['train/1', 'train/2', 'train/3'], ['train/4'], ['evaluate/4']];
    expect(sums.sort()).toEqual(expected.flatMap((e) => Array(2 * n).fill(e.join(','))).sort());
    const fromStats = carrying.filter((m) => m.ahead!.length === 3);
    for (const m of fromStats) expect(m.ahead!.every((a) => a.secagg?.message === 'advertise-keys' || a.secagg?.message === 'share-keys')).toBe(true);
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
