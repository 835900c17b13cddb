/**
 * The curious coordinator, over real gRPC with real participant processes.
 *
 * 1. An honest-but-curious coordinator runs a secure-aggregation job and keeps everything: the
 *    JSONL record of every message it received and its state directory. From that material the
 *    test plays the attacker:
 *    - every masked input y_u (a UINT32 vector) passes uniformity tests over Z_2^32, and so does
 *      y_u with its self-mask removed (the coordinator does reconstruct every survivor's self-mask
 *      seed b_u from the Unmasking shares), and so does the sum over any proper subset of the
 *      participants — only the sum over all of them is not uniform, and it is exactly the
 *      aggregate the coordinator stored (which proves the extraction below is faithful);
 *    - decoding a masked vector with the public encoding plan gives garbage, not a contribution;
 *    - no masking-key share was ever revealed (nobody dropped), so the pairwise masks stay;
 *    - the relayed share ciphertexts do not open under any key derivable from what the
 *      coordinator holds, and carry none of the plaintext's context strings in clear;
 *    - the state directory holds only aggregates: no masked vector, ciphertext, share or seed.
 * 2. A dishonest coordinator drives the participants itself through the FleetGrid and asks for
 *    both shares of the same peer (a request naming a peer surviving and dropped, and a second
 *    request with a different survivor set): the participants refuse with `secagg_abort`.
 *
 * The uniformity tests (uniformity.ts) run at significance α = 1e-9 each; about 360 run, so the
 * chance that a correct implementation fails this file by bad luck is below ~1e-6. The same tests
 * reject the plain (unmasked) sums of every round: the detector has power. The attacks themselves
 * are in curious-attack.ts, the reading of the coordinator's record and state in
 * curious-material.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startCoordinator } from '../coordinator/server.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import { JobSpecSchema } from '../core/job.ts';
import { inputDim } from '../core/data/schema.ts';
import { preprocessingFromStats, statsShape } from '../core/data/preprocess.ts';
import { evaluationShape, metricsFromEvaluation } from '../core/metrics/histogram.ts';
import { readTrainSum, trainShape } from '../core/aggregate/train.ts';
import { modelLayout } from '../core/model/layout.ts';
import { layoutSize } from '../core/types.ts';
import type { Contribution, ContributionShape, TaskKind } from '../core/types.ts';
import type { StageReplies, StageTask } from '../core/round/grid.ts';
import { CLIPPED, secureRoundParams } from '../core/round/secure-plan.ts';
import type { SecAggClientMessage, SecAggServerMessage } from '../core/round/secure-messages.ts';
import { decodeSum, encodeContribution } from '../core/secagg/contribution-codec.ts';
import type { EncodingPlan } from '../core/secagg/contribution-codec.ts';
import { initServer, serverStep } from '../core/secagg/protocol/server.ts';
import type { ServerInput, ServerState } from '../core/secagg/protocol/types.ts';
import { cryptoRng } from '../platform/crypto-rng.ts';
import { loadSchemaFile } from '../participant/data/load.ts';
import { SYNTHETIC_SCHEMA, readJsonLines, startParticipant, stopAll, syntheticParties, tempDir } from './helpers.ts';
import type { ParticipantProcess } from './helpers.ts';
import { STEPS, expectAggregatesOnly, receivedSums, runTapped, wordBytes } from './curious-material.ts';
import type { RecordedPush, StoredRound } from './curious-material.ts';
import { attackShareCiphertexts, plausibleFraction, properSubsets, removeSelfMasks, sumMod } from './curious-attack.ts';
import type { Secret } from './curious-attack.ts';
import { ALPHA, pooledUniformity, uniformity } from './uniformity.ts';

describe('the curious coordinator learns nothing about a single participant', () => {
  const tmp = tempDir('secagg-curious');
  const record = path.join(tmp.dir, 'received.jsonl');
  const stateDir = path.join(tmp.dir, 'state');
  let coord: CoordinatorHandle;
  let parts: ParticipantProcess[] = [];
  const parties = syntheticParties(tmp.dir);
  const totalRows = parties.reduce((a, p) => a + p.rows, 0);
  const schema = loadSchemaFile(SYNTHETIC_SCHEMA);
  const job = JobSpecSchema.parse({
    name: 'curious', model: { type: 'logistic' }, rounds: 2, minParticipants: 3, seed: 13,
    // Each round's evaluation as a stage of its own: the analysis below reads each sum's vectors by kind.
    train: { localEpochs: 1, batchSize: 32, learningRate: 0.1 }, evaluation: { holdout: 0.25, bins: 1000, carried: false },
    // Every sum sets up its own keys, so each sum's replies are pushes of their own, read back sum
    // by sum below. Keys set up ahead travel in other sums' calls with the same contents.
    secureAggregation: { keysAhead: 0 },
  });
  const params = layoutSize(modelLayout(job.model, inputDim(schema)));
  const shapeOf = (kind: TaskKind): ContributionShape =>
    kind === 'stats' ? statsShape(schema) : kind === 'evaluate' ? evaluationShape(job.evaluation.bins) : trainShape(params);

  beforeAll(async () => {
    // The coordinator shares this test process with the curious analysis, whose synchronous work
    // (uniformity tests, opening every share ciphertext) can hold its event loop for several seconds
    // on a busy machine: a generous heartbeat timeout keeps the nodes registered across it.
    coord = await startCoordinator({ port: 0, stateDir, recordMessages: record, logLevel: 'silent', heartbeatIntervalMs: 500, heartbeatTimeoutMs: 60_000 });
    parts = parties.map((p) => startParticipant(p.name, p.path, coord.address));
    for (let i = 0; i < 450 && coord.grid.available().length < parties.length; i++) await new Promise((r) => setTimeout(r, 100));
  });
  afterAll(async () => {
    await stopAll(parts);
    await coord?.stop();
    tmp.cleanup();
  });

  it('from everything it received and stored, it cannot recover any participant\'s vector', async () => {
    expect(coord.grid.available()).toEqual(parties.map((p) => p.name).sort());
    const names = coord.grid.available();

    const { jobId, final, configs } = await runTapped(coord, job, schema);
    expect(final.error).toBe('');
    expect(final.state).toBe('SUCCEEDED');
    // stats, baseline evaluation, then train + evaluate per round: one secure sum each.
    expect(configs.map((c) => `${c.kind}/${c.config.round}`)).toEqual(['stats/0', 'evaluate/0', 'train/1', 'evaluate/1', 'train/2', 'evaluate/2']);

    // ---- what it received: the record of every Fleet message -------------------------------
    const sessionOwner = new Map(coord.grid.list().map((e) => [e.session, e.name]));
    const lines = readJsonLines(record);
    const pushes = lines.filter((l) => l.rpc === 'PushResult').map((l) => l.message as RecordedPush);
    expect(pushes.length).toBe(configs.length * STEPS.length * names.length);
    // Nothing but secure-aggregation replies: no vector in clear, no refusal.
    expect(pushes.every((p) => p.outcome === 'secagg' && p.secagg != null && p.contribution == null && p.refusal == null)).toBe(true);

    const sums = receivedSums(pushes, configs, names, sessionOwner);

    // ---- what it stored -------------------------------------------------------------------
    const jobDir = path.join(stateDir, 'jobs', jobId);
    const readJson = (f: string) => JSON.parse(readFileSync(path.join(jobDir, f), 'utf8')) as Record<string, unknown>;
    const preprocessing = readJson('preprocessing.json');
    const rounds = [0, 1, 2].map((r) => readJson(`rounds/${String(r).padStart(4, '0')}.json`) as unknown as StoredRound);
    const storedWeights = (r: number) => {
      const b = readFileSync(path.join(jobDir, 'weights', `${String(r).padStart(4, '0')}.f32`));
      return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    };

    // ---- the attack ------------------------------------------------------------------------
    const allMasked: Uint32Array[] = [];
    const report: string[] = [];
    let uniformityTests = 0;
    let openAttempts = 0;
    const secretsSeen: Secret[] = [];
    for (const r of sums) {
      const { config, kind } = r;
      const plan: EncodingPlan = secureRoundParams(job, kind, shapeOf(kind), config.run, config.round, config.participants).plan;
      expect(config.run.startsWith(`${jobId}/${kind}/${config.round}/`)).toBe(true);
      expect(config.participants).toEqual(names);
      expect(config.threshold).toBe(3);
      for (const y of r.masked.values()) expect(y.length).toBe(config.length);

      // (1) Nobody dropped, so nobody revealed a masking-key share: s_u^SK stays secret and no
      // pairwise mask can be removed. Every survivor's self-mask seed b_u is reconstructable.
      expect(r.keyShares).toEqual([]);
      const { unmasked, seeds, secrets } = removeSelfMasks(r, names);
      secretsSeen.push(...secrets);

      // (2) The full sum without self-masks is the plain aggregate the coordinator stored: the
      // extraction above is faithful, and this sum is what the protocol is meant to reveal.
      const plainSum = sumMod([...unmasked.values()]);
      const decoded = decodeSum(plainSum, plan, names.length);
      if (kind === 'stats') {
        expect(preprocessingFromStats(decoded, schema)).toEqual(preprocessing);
      } else if (kind === 'evaluate') {
        const m = metricsFromEvaluation(decoded, job.evaluation.bins);
        const stored = rounds[config.round]!.metrics;
        for (const k of ['auc', 'ks', 'logLoss', 'brier', 'n', 'positives'] as const) expect(m[k]).toBeCloseTo(stored[k]!, 9);
      } else {
        const t = readTrainSum(decoded);
        const stored = rounds[config.round]!;
        expect(t.meanLoss).toBeCloseTo(stored.trainLoss!, 9);
        expect(stored.secure.clipped).toBe(decoded[CLIPPED]![0]);
        const before = storedWeights(config.round - 1);
        const after = storedWeights(config.round);
        for (let i = 0; i < after.length; i++) expect(after[i]).toBeCloseTo(before[i]! + t.updateSum[i]! / t.weightSum, 5);
      }
      // The plain sum is nothing like uniform: the tests below have power.
      expect(uniformity(plainSum).problems.length, `${kind} ${config.round}: the plain sum must fail the uniformity tests`).toBeGreaterThan(0);

      // (3) Each masked input, each input with its self-mask removed, and the sum over every
      // proper subset of participants is uniform over Z_2^32.
      const candidates: [string, Uint32Array][] = [
        ...names.map((u) => [`y_${u}`, r.masked.get(u)!] as [string, Uint32Array]),
        ...properSubsets(names).map((s) => [`Σ(y−PRG(b)) over {${s.join(',')}}`, sumMod(s.map((u) => unmasked.get(u)!))] as [string, Uint32Array]),
      ];
      let minP = 1;
      let maxKs = 0;
      for (const [what, w] of candidates) {
        const u = uniformity(w);
        uniformityTests += 3;
        expect(u.problems, `${config.run}: ${what} must look uniform over Z_2^32`).toEqual([]);
        minP = Math.min(minP, u.top.p, u.low.p);
        maxKs = Math.max(maxKs, u.ks / u.ksLimit);
      }
      allMasked.push(...r.masked.values());
      report.push(`${kind}/${config.round}: ${config.length} words, ${candidates.length} vectors, min chi-square p = ${minP.toExponential(2)}, max KS D/limit = ${maxKs.toFixed(3)}`);

      // (4) Decoding a masked input as a contribution with the public plan gives garbage: most
      // coordinates fall outside any range a real contribution could have (1000× the largest
      // aggregate coordinate of its vector, with the total row count as a floor).
      for (const u of names) expect(plausibleFraction(r.masked.get(u)!, plan, decoded, totalRows), `${config.run}: y_${u} decoded with the plan`).toBeLessThan(0.5);

      // (5) The relayed share ciphertexts open under no key derivable from anything the
      // coordinator holds, and carry no context string in clear.
      const attack = attackShareCiphertexts(r, names, seeds);
      openAttempts += attack.tried;
      secretsSeen.push(...attack.secrets);
      for (const s of r.selfMaskShares) secretsSeen.push({ what: `share of ${s.owner} held by ${s.holder}`, bytes: s.share });
      for (const [u, y] of r.masked) secretsSeen.push({ what: `${config.run} y_${u}`, bytes: wordBytes(y) }, { what: `${config.run} y_${u} − PRG(b_${u})`, bytes: wordBytes(unmasked.get(u)!) });
    }

    // Pooled over every masked vector of the job.
    const pooled = pooledUniformity(Uint32Array.from(allMasked.flatMap((w) => Array.from(w))));
    expect(pooled.problems).toEqual([]);
    uniformityTests += 33;
    report.push(
      `pooled ${allMasked.reduce((a, w) => a + w.length, 0)} words of ${allMasked.length} masked vectors: bytes chi-square(255) = ${pooled.bytes.stat.toFixed(1)} ` +
        `(p = ${pooled.bytes.p.toFixed(3)}), max bit bias ${pooled.maxBitBias.toFixed(5)} (limit ${pooled.bitLimit.toFixed(5)})`,
      `${uniformityTests} uniformity tests at α = ${ALPHA}; ${openAttempts} failed attempts to open share ciphertexts`,
    );
    console.log(report.join('\n'));

    // ---- (c) the state directory holds aggregates only ------------------------------------
    expectAggregatesOnly(stateDir, jobDir, secretsSeen, new Set(sums.map((x) => x.config.length)), rounds);
  });

  it('a participant asked for both shares of the same peer refuses (dishonest coordinator over gRPC)', async () => {
    const grid = coord.grid;
    const names = grid.available();
    expect(names.length).toBe(4);
    const [a, b, c, d] = names;
    if (a === undefined || b === undefined || c === undefined || d === undefined) throw new Error(`four participants are needed, got ${names.join(', ')}`);
    // Play the coordinator: a fresh job id, a valid stats round built exactly as secure-sum.ts does.
    const jobId = `dishonest-${Date.now()}`;
    grid.currentJobId = jobId;
    const taskConfig = { jobId, job, schema };
    const { config, plan } = secureRoundParams(job, 'stats', statsShape(schema), `${jobId}/stats/0/1`, 0, names);
    const send = (to: string[], message: (p: string) => SecAggServerMessage): Promise<StageReplies> =>
      grid.run(to, (p): StageTask => ({ kind: 'stats', round: 0, config: taskConfig, secagg: { config, message: message(p) } }), 30_000);
    const collect = (r: StageReplies, type: SecAggClientMessage['type']): SecAggClientMessage[] => {
      expect(r.failures).toEqual([]);
      return [...r.replies].map(([p, reply]) => {
        expect('secagg' in reply && reply.secagg.type).toBe(type);
        return { ...(reply as { secagg: SecAggClientMessage }).secagg, from: p };
      });
    };
    let server: ServerState = initServer(config);
    const advance = (input: ServerInput) => {
      const out = serverStep(server, input);
      server = out.state;
      expect(out.output.failures).toEqual([]);
      return out.output;
    };

    const keys = advance({ type: 'advertise-keys-deadline', messages: collect(await send(names, () => ({ type: 'begin' })), 'advertise-keys') } as ServerInput);
    if (keys.type !== 'peer-keys') throw new Error(`unexpected ${keys.type}`);
    const fwd = advance({ type: 'share-keys-deadline', messages: collect(await send(names, () => ({ type: 'peer-keys', keys: keys.keys })), 'share-keys') } as ServerInput);
    if (fwd.type !== 'forward-shares') throw new Error(`unexpected ${fwd.type}`);
    const masked = collect(await send(names, (p) => fwd.deliveries.find((x) => x.to === p)!), 'masked-input');
    const req = advance({ type: 'masked-input-deadline', messages: masked } as ServerInput);
    if (req.type !== 'unmask-request') throw new Error(`unexpected ${req.type}`);
    expect(req.survivors).toEqual(names);
    expect(req.dropped).toEqual([]);

    // Attack 1: ask a for b's shares as if b had both survived and dropped.
    const both = await send([a], () => ({ type: 'unmask-request', survivors: names, dropped: [b] }));
    expect(both.replies.size).toBe(0);
    expect(both.failures.map((f) => f.participant)).toEqual([a]);
    expect(both.failures[0]!.reason).toMatch(/^refused: .*refusing: .*listed as both surviving and dropped.*\[secagg_abort\]$/);
    expect(both.failures[0]!.reason).toContain(b);
    // a stays aborted: even a well-formed request now gets nothing.
    const after = await send([a], () => ({ type: 'unmask-request', survivors: names, dropped: [] }));
    expect(after.replies.size).toBe(0);
    expect(after.failures[0]!.reason).toMatch(/^refused: .*\[secagg_abort\]$/);

    // Attack 2: an honest-looking request to b, c, d (they reveal d's self-mask share) ...
    const honest = { type: 'unmask-request' as const, survivors: names, dropped: [] };
    const answers = collect(await send([b, c, d], () => honest), 'unmasking');
    // ... then claim d dropped to get its masking-key share as well: b refuses.
    const second = await send([b], () => ({ type: 'unmask-request', survivors: [a, b, c], dropped: [d] }));
    expect(second.replies.size).toBe(0);
    expect(second.failures.map((f) => f.participant)).toEqual([b]);
    expect(second.failures[0]!.reason).toMatch(/^refused: .*refusing a second unmask request with a different survivor set.*both shares of .*\[secagg_abort\]$/);
    expect(second.failures[0]!.reason).toContain(d);
    // A retry of the very request c already answered is served again, identically.
    const retry = collect(await send([c], () => honest), 'unmasking')[0]!;
    expect(retry).toEqual(answers.find((x) => x.from === c));

    // The dishonest coordinator ends up with self-mask shares only, never a masking-key share.
    const all = [...answers, retry] as Extract<SecAggClientMessage, { type: 'unmasking' }>[];
    expect(all.flatMap((x) => x.keyShares)).toEqual([]);
    expect(all.every((x) => x.selfMaskShares.map((s) => s.owner).join() === names.join())).toBe(true);

    // With the three honest answers (t = 3) the round still yields the plain sum — the same
    // statistics as the job's preprocessing — and nothing about any one participant.
    const out = serverStep(server, { type: 'unmasking-deadline', messages: answers } as ServerInput);
    expect(out.output.failures.map((f) => f.participant)).toEqual([a]); // a refused, so it sent no Unmasking reply
    const result = out.output;
    if (result.type !== 'result') throw new Error(`unexpected ${result.type}`);
    const jobDir = path.join(stateDir, 'jobs', readdirSync(path.join(stateDir, 'jobs'))[0]!);
    expect(preprocessingFromStats(decodeSum(result.sum, plan, names.length), schema)).toEqual(JSON.parse(readFileSync(path.join(jobDir, 'preprocessing.json'), 'utf8')));
    // And a plain encoding of a stats contribution (what a participant would send unmasked) is
    // unmistakably non-uniform, unlike the masked inputs it did receive.
    const zero: Contribution = Object.fromEntries(Object.entries(plan.shape).map(([k, n]) => [k, new Float64Array(n)]));
    expect(uniformity(encodeContribution(zero, plan, cryptoRng).words).problems).not.toEqual([]);
    for (const m of masked as Extract<SecAggClientMessage, { type: 'masked-input' }>[]) expect(uniformity(m.y).problems).toEqual([]);
  });
});
