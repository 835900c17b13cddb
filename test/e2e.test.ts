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
    // Four steps for each sum that sets up its own keys (statistics, baseline evaluation, round 1's
    // training). Every later sum had its keys set up by the training sum before it (keysAhead 1, the
    // default: each training sum sets up its round's evaluation and the next round's training), so
    // it runs two steps: masked input and unmasking.
    expect(pushes.length).toBe(n * (3 * 4 + 2 * job.rounds + 2 * (job.rounds - 1)));
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
    const setups = n * 3;
    const sums = n * (2 + 2 * job.rounds);
    expect(Object.fromEntries(steps)).toEqual({ 'advertise-keys': setups, 'share-keys': setups, 'masked-input': sums, unmasking: sums });
    expect(final.rounds.every((r) => r.secure?.survivors === n && r.secure.threshold === n)).toBe(true);
    // The coordinator timed every step of each round's secure sum, within the round's own time.
    for (const r of final.rounds) {
      const own = r.round <= 1 ? ['advertise-keys', 'share-keys'] : [];
      expect(r.secure!.steps.map((s) => s.step)).toEqual([...own, 'masked-input', 'unmasking']);
      expect(r.secure!.keysSetUpIn).toBe(r.round <= 1 ? 0 : r.round - 1); // 0 on the wire: set up in its own sum
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
    // Over the wire: round 1's two key-setup replies of each member answered the three later
    // training sums and round 1's evaluation; each later training sum's two steps carried the setup
    // of its own round's evaluation.
    const n = parties.length;
    const carrying = readJsonLines(record)
      .filter((l) => l.rpc === 'PushResult')
      .map((l) => l.message as { ahead?: { run: string; secagg?: { message: string } }[] })
      .filter((m) => m.ahead?.length && m.ahead[0]!.run.startsWith(`${jobId}/`));
    const sums = (m: (typeof carrying)[number]) => m.ahead!.map((a) => a.run.split('/').slice(1, 3).join('/'));
    const first = carrying.filter((m) => sums(m).includes('train/2'));
    expect(first).toHaveLength(2 * n);
    for (const m of first) {
      expect(sums(m)).toEqual(['evaluate/1', 'train/2', 'train/3', 'train/4']);
      expect(m.ahead!.every((a) => a.secagg?.message === 'advertise-keys' || a.secagg?.message === 'share-keys')).toBe(true);
    }
    const later = carrying.filter((m) => !first.includes(m)).map((m) => sums(m).join(','));
    expect(later.sort()).toEqual(['evaluate/2', 'evaluate/3', 'evaluate/4'].flatMap((e) => Array(2 * n).fill(e)));
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
