/**
 * Round-time benchmark: the same federated job as "plain", "secagg", and, on an authenticated
 * consortium, "plain" again and "secagg", on real coordinators (startCoordinator on 127.0.0.1, port 0, real
 * gRPC) with n real ParticipantNodes each running the production handler chain (errorToRefusal →
 * schemaCheck → secAggMod → local tfjs trainer), all in this process. The parties' data is the
 * seeded synthetic consortium (examples/synthetic) cut into n CSV files, loaded through the
 * participants' own CSV loader.
 *
 * Two fleets run for the whole benchmark: a plaintext coordinator without a roster (plain and
 * secure jobs, as before authentication existed) and one with mutual TLS and the roster of a
 * throwaway consortium (trust/certs.ts): its nodes sign every Fleet message (Ed25519), its secure
 * sums sign their key adverts and add a ConsistencyCheck step, its Control client is an operator.
 * Plain jobs run on both: on the plaintext coordinator (the strict baseline, no transport security
 * at all) and on the authenticated one ("plain-mtls": the same mutual TLS and signed messages as
 * the authenticated secure jobs, so the ratio of those two isolates what secure aggregation costs
 * in a consortium that runs with a roster).
 *
 * Protocol: one unmeasured secure warm-up round per coordinator, then `jobsPerMode` jobs per mode
 * interleaved P M S A, A S M P, ... so slow drift of the machine hits all modes alike. Samples are the
 * coordinator's own round records (`seconds`: train stage + aggregation + strategy + evaluation
 * stage) of rounds ≥ 1 (round 0 only evaluates the initial model). Reported: medians and, as a
 * secondary figure, the fastest rounds (a shared VM: neighbours' load adds outliers). All parties
 * share this process, so every mode pays all parties' training and cryptography one after another.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JobSpecSchema } from '../core/job.ts';
import { DEFAULT_KEYS_AHEAD } from '../core/round/secure-sum.ts';
import type { JobSpec } from '../core/job.ts';
import { inputDim } from '../core/data/schema.ts';
import type { DataSchema } from '../core/data/schema.ts';
import { modelLayout } from '../core/model/layout.ts';
import { layoutSize } from '../core/types.ts';
import { loadSchemaFile } from '../participant/data/load.ts';
import { initBackend } from '../participant/trainer/backend.ts';
import type { ControlClient } from '../client/control-client.ts';
import { schemaDigest } from '../core/data/schema-digest.ts';
import { createConsortium } from '../trust/certs.ts';
import type { JobStatus__Output } from '../proto/generated/fedcredit/v1/JobStatus.ts';
import { median, min } from './stats.ts';
import { processCpuSeconds } from '../test/coordinator-process.ts';
import { gcBetween, startGcMeter } from './gc-meter.ts';
import { ProcessProfiler, TIME_CATEGORIES, type TimeCategory } from './time-split.ts';
import { lostMembers, runJob, startFleet, writeParties } from './round-fleet.ts';
import type { Fleet } from './round-fleet.ts';
import { benchModes, meanRoundSeconds, stepMedians } from './round-types.ts';
import type { BenchMode, JobSample, RoundBenchOptions, RoundBenchResult } from './round-types.ts';
export type { CoordinatorLayout } from './round-fleet.ts';
export { benchModes, meanRoundSeconds } from './round-types.ts';
export type { BenchMode, JobSample, RoundBenchOptions, RoundBenchResult } from './round-types.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SCHEMA_FILE = path.resolve(HERE, '..', 'examples', 'synthetic', 'schema.json');


/** The model's parameter count over the synthetic schema. */
export function parameterCount(hidden: number[], schema: DataSchema): number {
  return layoutSize(modelLayout({ type: 'mlp', hidden, dropout: 0, activation: 'relu' }, inputDim(schema)));
}

function jobFor(mode: BenchMode, o: RoundBenchOptions, name: string, rounds: number): JobSpec {
  return JobSpecSchema.parse({
    name,
    model: { type: 'mlp', hidden: o.hidden },
    rounds,
    train: { localEpochs: 1, batchSize: 64, optimizer: 'sgd', learningRate: 0.05, classWeights: 'none' },
    strategy: { type: 'fedavg' },
    minParticipants: o.minParticipants,
    evaluation: { holdout: 0.25, ...(o.carried === false ? { carried: false } : {}) },
    // The authenticated mode is the same secure job; the coordinator's roster makes its sums authenticated.
    aggregation: mode === 'plain' || mode === 'plain-mtls' ? 'plain' : 'secagg',
    ...(mode === 'auth-ahead' && o.keysAhead !== undefined ? { secureAggregation: { keysAhead: o.keysAhead } } : {}),
    seed: o.seed,
  });
}

/** Runs the round benchmark; see the module header. */
export async function runRoundBench(o: RoundBenchOptions): Promise<RoundBenchResult> {
  const schema = loadSchemaFile(SCHEMA_FILE);
  const digest = schemaDigest(schema);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-bench-'));
  const open: Fleet = { nodes: [], runs: [], rows: 0 };
  const auth: Fleet = { nodes: [], runs: [], rows: 0 };
  try {
    const files = writeParties(path.join(dir, 'data'), o.parties, o.scale, o.seed);
    const backend = (await initBackend()).name;
    const trust = path.join(dir, 'consortium');
    const host = o.host ?? '127.0.0.1';
    await createConsortium({
      out: trust, participants: files.map((f) => ({ name: f.name, role: 'bank' as const })), operators: ['bench'], consortium: 'bench-consortium', force: true,
      hosts: [...new Set([host, 'localhost', '127.0.0.1'])],
    });
    const port = o.port ?? 0;
    const layout = o.coordinators ?? 'process';
    // With a profile directory and coordinator processes, each coordinator also saves profiles of its whole life there (`coordinator-<fleet>/`).
    const coordProfile = (name: string) => (o.profile && o.profileDir && layout === 'process' ? path.join(o.profileDir, `coordinator-${name}`) : undefined);
    await startFleet(open, { host, port, layout }, path.join(dir, 'coordinator'), files, schema, digest, undefined, o.nextTask, coordProfile('plaintext'));
    await startFleet(auth, { host, port: port ? port + 1 : 0, layout }, path.join(dir, 'coordinator-auth'), files, schema, digest, trust, o.nextTask, coordProfile('authenticated'));
    const controls: Record<BenchMode, ControlClient> = { plain: open.control!, 'plain-mtls': auth.control!, secagg: open.control!, authenticated: auth.control!, 'auth-ahead': auth.control! };
    const parameters = parameterCount(o.hidden, schema);
    o.log(`round bench: ${o.parties} in-process participants per coordinator (${open.rows} rows), mlp [${o.hidden.join(', ')}] = ${parameters} parameters, tfjs ${backend}`);
    o.log(`  plaintext coordinator ${open.coord!.address}; mutual TLS + roster coordinator ${auth.coord!.address}; ${layout === 'process' ? 'each in a process of its own (fedcredit coordinator)' : 'both in this process'}; job minParticipants ${o.minParticipants}`);

    for (const mode of ['secagg', 'authenticated'] as const) {
      const warm = await runJob(controls[mode], jobFor(mode, o, `bench-warm-up-${mode}`, 1), schema);
      for (const line of lostMembers(warm.status)) o.log(`    ${line}`);
      o.log(`  warm-up job (${mode}, 1 round, not measured): ${warm.wallSeconds.toFixed(1)} s`);
    }

    const jobs: JobSample[] = [];
    type SecureInfo = NonNullable<JobStatus__Output['rounds'][number]['secure']>;
    let secure: SecureInfo | null = null;
    const cycle = benchModes(o);
    const gcMeter = startGcMeter();
    for (let i = 0; i < o.jobsPerMode; i++) {
      for (const mode of i % 2 === 0 ? cycle : [...cycle].reverse()) {
        const fleet = mode === 'plain' || mode === 'secagg' ? open : auth;
        const gc0 = await gcMeter.read();
        const cpu0 = { nodes: process.cpuUsage(), mainThread: processCpuSeconds(process.pid, process.pid), coordinator: fleet.coord?.cpuSeconds?.() };
        const { status, wallSeconds } = await runJob(controls[mode], jobFor(mode, o, `bench-${mode}-${i + 1}`, o.rounds), schema);
        const nodesCpu = process.cpuUsage(cpu0.nodes);
        const gc = gcBetween(gc0, await gcMeter.read());
        const coordEnd = fleet.coord?.cpuSeconds?.();
        const mainEnd = processCpuSeconds(process.pid, process.pid);
        const mainThread = mainEnd !== undefined && cpu0.mainThread !== undefined ? mainEnd - cpu0.mainThread : undefined;
        const cpu = { nodes: (nodesCpu.user + nodesCpu.system) / 1e6, coordinator: coordEnd !== undefined && cpu0.coordinator !== undefined ? coordEnd - cpu0.coordinator : undefined };
        const measured = status.rounds.filter((r) => r.round >= 1);
        if (mode === 'plain' || mode === 'plain-mtls') {
          const secured = measured.find((r) => r.secure);
          if (secured) throw new Error(`job ${status.jobId} (${mode}): round ${secured.round} was securely aggregated`);
        } else {
          // Each secure mode must have run as labelled: authenticated sums only on the roster's coordinator.
          const wrong = measured.find((r) => !r.secure || r.secure.authenticated !== (mode !== 'secagg'));
          if (wrong) throw new Error(`job ${status.jobId} (${mode}): round ${wrong.round} was ${wrong.secure ? (wrong.secure.authenticated ? 'authenticated' : 'not authenticated') : 'not securely aggregated'}`);
          // Carried key setup must have happened where asked for, and nowhere else.
          const carried = measured.filter((r) => r.secure?.keysSetUpIn).length;
          const ahead = mode === 'auth-ahead' ? (o.keysAhead ?? 0) : DEFAULT_KEYS_AHEAD;
          if ((ahead > 0 && o.rounds > 1) !== carried > 0) throw new Error(`job ${status.jobId} (${mode}): ${carried} of ${measured.length} rounds had keys set up ahead, with keysAhead ${ahead}`);
          if (mode === 'secagg') secure = measured[0]?.secure ?? secure;
        }
        const sample: JobSample = {
          mode,
          jobId: status.jobId,
          roundSeconds: measured.map((r) => r.seconds),
          roundSteps: measured.map((r) => r.secure?.steps ?? []),
          wallSeconds,
          nodesCpuSeconds: cpu.nodes,
          ...(mainThread !== undefined ? { nodesMainThreadCpuSeconds: mainThread } : {}),
          ...(cpu.coordinator !== undefined ? { coordinatorCpuSeconds: cpu.coordinator } : {}),
          nodesGc: gc,
          auc: status.rounds[status.rounds.length - 1]?.metrics?.auc ?? Number.NaN,
        };
        jobs.push(sample);
        const mem = process.memoryUsage();
        const mib = (b: number) => Math.round(b / 2 ** 20);
        for (const line of lostMembers(status)) o.log(`    ${line}`);
        const coordRss = fleet.coord?.rss?.();
        o.log(`  ${mode.padEnd(13)} job ${i + 1}: rounds 1..${o.rounds} ${sample.roundSeconds.map((s) => s.toFixed(2)).join(' ')} s (AUC ${sample.auc.toFixed(4)}; job ${wallSeconds.toFixed(1)} s, CPU ${cpu.nodes.toFixed(1)} s ${layout === 'process' ? 'nodes' : 'this process'}${mainThread === undefined ? '' : ` (main thread ${mainThread.toFixed(1)} s, of it GC pauses ${gc.pauseSeconds.toFixed(1)} s: ${gc.minor} scavenges, ${gc.major} mark-compacts)`}${cpu.coordinator === undefined ? '' : ` + ${cpu.coordinator.toFixed(1)} s coordinator`}; ${layout === 'process' ? 'nodes\' ' : ''}process RSS ${mib(mem.rss)} MiB, JS heap ${mib(mem.heapUsed)} MiB, buffers ${mib(mem.arrayBuffers)} MiB${coordRss === undefined ? '' : `; coordinator RSS ${mib(coordRss)} MiB`})`);
      }
    }
    gcMeter.stop();
    if (!secure) throw new Error('the secure jobs reported no secure-aggregation facts');
    let timeSplit: RoundBenchResult['timeSplit'];
    if (o.profile) {
      const splits = {} as NonNullable<RoundBenchResult['timeSplit']>;
      timeSplit = splits;
      for (const mode of cycle) {
        const profiler = new ProcessProfiler();
        // Rounds ≥ 1 only, as measured above: profiling starts when round 1's training stage does.
        // (Not at round 0's report: with evaluations carried, round 0 is reported only once
        // round 1's training stage has carried its evaluation, so round 1 would be missed.)
        let started: Promise<void> | undefined;
        await runJob(controls[mode], jobFor(mode, o, `bench-profile-${mode}`, o.rounds), schema, (e) => {
          if (!started && /^round 1: train\b/.test(e.message)) started = profiler.start();
        });
        if (!started) throw new Error(`the profiled ${mode} job announced no round 1 training stage`);
        await started;
        const split = await profiler.stop(o.profileDir ? path.join(o.profileDir, `${mode}.cpuprofile`) : undefined);
        const perRound = Object.fromEntries(TIME_CATEGORIES.map((c) => [c, split[c] / o.rounds])) as Record<TimeCategory, number>;
        splits[mode] = perRound;
        o.log(`  profiled ${mode} job: ${TIME_CATEGORIES.map((c) => `${c.split(' (')[0]} ${perRound[c].toFixed(2)}`).join(', ')} s per round`);
      }
    }
    const seconds = (mode: BenchMode) => jobs.filter((j) => j.mode === mode).flatMap((j) => j.roundSeconds);
    const plainSeconds = seconds('plain');
    const plainMtlsSeconds = seconds('plain-mtls');
    const plainMtlsMedianSeconds = median(plainMtlsSeconds);
    const plainMtlsMinSeconds = min(plainMtlsSeconds);
    const secureSeconds = seconds('secagg');
    const authSeconds = seconds('authenticated');
    const plainMedianSeconds = median(plainSeconds);
    const secureMedianSeconds = median(secureSeconds);
    const authMedianSeconds = median(authSeconds);
    const plainMinSeconds = min(plainSeconds);
    const secureMinSeconds = min(secureSeconds);
    const authMinSeconds = min(authSeconds);
    const authAheadSeconds = o.keysAhead !== undefined ? seconds('auth-ahead') : undefined;
    return {
      parties: o.parties, minParticipants: o.minParticipants, coordinators: layout, rows: open.rows, inputDim: inputDim(schema), hidden: o.hidden, parameters,
      secureWords: secure.words, neighbours: secure.neighbours, threshold: secure.threshold,
      backend, roundsPerJob: o.rounds, jobsPerMode: o.jobsPerMode,
      plainMedianSeconds,
      secureMedianSeconds,
      ratio: secureMedianSeconds / plainMedianSeconds,
      plainMinSeconds,
      secureMinSeconds,
      minRatio: secureMinSeconds / plainMinSeconds,
      authMedianSeconds,
      authMinSeconds,
      authOverSecure: authMedianSeconds / secureMedianSeconds,
      authOverSecureMin: authMinSeconds / secureMinSeconds,
      authOverPlain: authMedianSeconds / plainMedianSeconds,
      authOverPlainMin: authMinSeconds / plainMinSeconds,
      plainMtlsMedianSeconds,
      plainMtlsMinSeconds,
      authOverPlainMtls: authMedianSeconds / plainMtlsMedianSeconds,
      authOverPlainMtlsMin: authMinSeconds / plainMtlsMinSeconds,
      meanRoundSeconds: Object.fromEntries(cycle.map((mode) => [mode, meanRoundSeconds(jobs.filter((j) => j.mode === mode))])),
      ...(authAheadSeconds ? { authAheadSeconds } : {}),
      plainSeconds,
      plainMtlsSeconds,
      secureSeconds,
      authSeconds,
      jobs,
      jobCpuSeconds: Object.fromEntries(cycle.map((mode) => {
        const own = jobs.filter((j) => j.mode === mode);
        const coordinator = own.flatMap((j) => (j.coordinatorCpuSeconds === undefined ? [] : [j.coordinatorCpuSeconds]));
        const mainThread = own.flatMap((j) => (j.nodesMainThreadCpuSeconds === undefined ? [] : [j.nodesMainThreadCpuSeconds]));
        return [mode, { nodes: median(own.map((j) => j.nodesCpuSeconds)), nodesGcPause: median(own.map((j) => j.nodesGc.pauseSeconds)), ...(mainThread.length === own.length ? { nodesMainThread: median(mainThread) } : {}), ...(coordinator.length === own.length ? { coordinator: median(coordinator) } : {}) }];
      })) as RoundBenchResult['jobCpuSeconds'],
      stepSeconds: {
        secagg: stepMedians(jobs.filter((j) => j.mode === 'secagg').flatMap((j) => j.roundSteps)),
        authenticated: stepMedians(jobs.filter((j) => j.mode === 'authenticated').flatMap((j) => j.roundSteps)),
      },
      ...(timeSplit ? { timeSplit } : {}),
    };
  } finally {
    for (const f of [open, auth]) for (const n of f.nodes) n.stop();
    await Promise.allSettled([...open.runs, ...auth.runs]);
    for (const f of [open, auth]) f.control?.close();
    await Promise.allSettled([open.coord?.stop(), auth.coord?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
