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
import { startCoordinator } from '../coordinator/server.ts';
import { createLogger } from '../platform/log.ts';
import { JobSpecSchema } from '../core/job.ts';
import type { JobSpec } from '../core/job.ts';
import { inputDim } from '../core/data/schema.ts';
import type { DataSchema } from '../core/data/schema.ts';
import { modelLayout } from '../core/model/layout.ts';
import { layoutSize } from '../core/types.ts';
import { writeCsvFile } from '../sim/csv.ts';
import { generateConsortium } from '../sim/synthetic/generate.ts';
import { loadSchemaFile, loadTable } from '../participant/data/load.ts';
import { chain, errorToRefusalMod, schemaCheckMod } from '../participant/handler.ts';
import { localHandler } from '../participant/local-handler.ts';
import { ParticipantNode, type NextTaskMode } from '../participant/node.ts';
import { secAggMod } from '../participant/secagg-mod.ts';
import { initBackend } from '../participant/trainer/backend.ts';
import { ControlClient } from '../client/control-client.ts';
import { schemaDigest } from '../core/data/schema-digest.ts';
import { createConsortium } from '../trust/certs.ts';
import { loadCredentials } from '../trust/files.ts';
import { memberKeys } from '../trust/format.ts';
import { clientCredentials } from '../trust/tls.ts';
import type { JobStatus__Output } from '../proto/generated/fedcredit/v1/JobStatus.ts';
import type { JobEvent__Output } from '../proto/generated/fedcredit/v1/JobEvent.ts';
import { median, min } from './stats.ts';
import { processCpuSeconds, processRss, startCoordinatorProcess, stopCoordinatorProcess } from '../test/coordinator-process.ts';
import { ProcessProfiler, TIME_CATEGORIES, type TimeCategory } from './time-split.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SCHEMA_FILE = path.resolve(HERE, '..', 'examples', 'synthetic', 'schema.json');

/** Settings of the round benchmark. */
export interface RoundBenchOptions {
  parties: number;
  hidden: number[];
  rounds: number;
  jobsPerMode: number;
  /** Size multiplier of the synthetic consortium (1 = 7,800 rows in all). */
  scale: number;
  seed: number;
  /**
   * The job's minParticipants: the smallest sum a coordinator may unmask, so the Shamir threshold
   * t ≥ it and every member's share holders (itself and its k neighbours) number at least t. A
   * large value forces everyone to be everyone's neighbour (Bonawitz et al.); a small one lets
   * "auto" pick k = 2·⌈log2 n⌉ neighbours (SecAgg+).
   */
  minParticipants: number;
  /** Address the coordinators listen on and the nodes dial (default 127.0.0.1). */
  host?: string;
  /** Port of the plaintext coordinator, the authenticated one on port + 1 (default 0: any free ports). */
  port?: number;
  /**
   * Where the two coordinators run: `process` (the default), each in an operating-system process
   * of its own started through `fedcredit coordinator`, as a consortium runs it; or `in-process`,
   * beside all the nodes in this process and on its one event loop (what `profile` sees whole).
   */
  coordinators?: CoordinatorLayout;
  /**
   * Jobs carry each round's evaluation in the next round's training stage
   * (`evaluation.carried`): one aggregate per round instead of two, in every mode.
   */
  carried?: boolean;
  /**
   * With N > 0, a fifth mode `auth-ahead`: the authenticated job with `secureAggregation.keysAhead`
   * N (a fresh training sum also sets up the next N rounds' keys), measured beside the others,
   * which keep keysAhead 0.
   */
  keysAhead?: number;
  /** How every node gets its next task (participant/node.ts; default its default, `push-reply`). */
  nextTask?: NextTaskMode;
  /** After the measured jobs, one more job per mode under the sampling profiler: where its rounds' time goes. */
  profile?: boolean;
  /** With `profile`: a directory where each mode's raw V8 profile is written (`<mode>.cpuprofile`). */
  profileDir?: string;
  /** Progress lines (stderr). */
  log: (line: string) => void;
}

/** Where the benchmark's coordinators run (see {@link RoundBenchOptions.coordinators}). */
export type CoordinatorLayout = 'process' | 'in-process';

/**
 * The benchmark's modes: on the plaintext coordinator `plain` and `secagg`; on the mutual TLS +
 * roster coordinator `plain-mtls` (plain aggregation, signed messages), `authenticated` (secure
 * aggregation with signed adverts and the consistency check) and, with `keysAhead`, `auth-ahead`
 * (the same with key setup carried ahead).
 */
export type BenchMode = 'plain' | 'plain-mtls' | 'secagg' | 'authenticated' | 'auth-ahead';

/** The modes every run measures, in the order each cycle of jobs runs them (reversed every other cycle). */
const BENCH_MODES: readonly BenchMode[] = ['plain', 'plain-mtls', 'secagg', 'authenticated'];

/** The modes a run with these options measures: {@link BENCH_MODES}, then `auth-ahead` when keysAhead > 0. */
export function benchModes(o: Pick<RoundBenchOptions, 'keysAhead'>): BenchMode[] {
  return o.keysAhead ? [...BENCH_MODES, 'auth-ahead'] : [...BENCH_MODES];
}

/**
 * Seconds per round of whole jobs: for each job, its rounds 1..R added and divided by R, then the
 * median over the jobs. With keys set up ahead, a job's rounds are uneven (the round that sets up
 * later rounds' keys is slower, those rounds faster), so this, not the median round, is what the
 * setting changes.
 */
export function meanRoundSeconds(jobs: readonly JobSample[]): number {
  return median(jobs.map((j) => j.roundSeconds.reduce((a, b) => a + b, 0) / j.roundSeconds.length));
}

/** One measured job. */
export interface JobSample {
  mode: BenchMode;
  jobId: string;
  /** `seconds` of rounds 1..R, in order. */
  roundSeconds: number[];
  /** Secure modes: each round's (1..R) secure-sum steps as the coordinator timed them. */
  roundSteps: { step: string; seconds: number }[][];
  /** Wall time of the whole job seen from the client (submit → final status). */
  wallSeconds: number;
  /** CPU seconds this process (all the nodes, and the coordinators when in-process) used during the whole job. */
  nodesCpuSeconds: number;
  /** CPU seconds the job's coordinator process used during the whole job (coordinators in processes of their own, on Linux). */
  coordinatorCpuSeconds?: number;
  auc: number;
}

/** Result of {@link runRoundBench}. */
export interface RoundBenchResult {
  parties: number;
  minParticipants: number;
  coordinators: CoordinatorLayout;
  rows: number;
  inputDim: number;
  hidden: number[];
  parameters: number;
  /** Words of one secure train vector (quantized update + weight, loss and clip counters, encoded). */
  secureWords: number;
  neighbours: number;
  threshold: number;
  backend: string;
  roundsPerJob: number;
  jobsPerMode: number;
  plainMedianSeconds: number;
  secureMedianSeconds: number;
  /** secureMedianSeconds / plainMedianSeconds. */
  ratio: number;
  plainMinSeconds: number;
  secureMinSeconds: number;
  /** secureMinSeconds / plainMinSeconds: the fastest rounds, less sensitive to outside load. */
  minRatio: number;
  /** Secure rounds on the coordinator with mutual TLS and a roster (signed messages, signed adverts, consistency check). */
  authMedianSeconds: number;
  authMinSeconds: number;
  /** authMedianSeconds / secureMedianSeconds, and the same for the fastest rounds. */
  authOverSecure: number;
  authOverSecureMin: number;
  /** authMedianSeconds / plainMedianSeconds, and the same for the fastest rounds. */
  authOverPlain: number;
  authOverPlainMin: number;
  /** Plain rounds on the coordinator with mutual TLS and a roster (signed messages, no secure sum). */
  plainMtlsMedianSeconds: number;
  plainMtlsMinSeconds: number;
  /** {@link meanRoundSeconds} per mode measured. */
  meanRoundSeconds: Partial<Record<BenchMode, number>>;
  /** With keysAhead: `auth-ahead` rounds 1..R of every job, in order. */
  authAheadSeconds?: number[];
  /** authMedianSeconds / plainMtlsMedianSeconds, and the same for the fastest rounds: secure aggregation's cost on one transport. */
  authOverPlainMtls: number;
  authOverPlainMtlsMin: number;
  plainSeconds: number[];
  plainMtlsSeconds: number[];
  secureSeconds: number[];
  authSeconds: number[];
  jobs: JobSample[];
  /** With `profile`: seconds per round of each mode, by category (time-split.ts). */
  timeSplit?: Partial<Record<BenchMode, Record<TimeCategory, number>>>;
  /**
   * Median CPU seconds of one whole measured job per mode (all its rounds, round 0 and the last
   * evaluation included): this process (the nodes) and, with coordinator processes on Linux, the
   * job's coordinator. Work rather than wall time: what the rounds cost the machine's two cores.
   */
  jobCpuSeconds: Partial<Record<BenchMode, { nodes: number; coordinator?: number }>>;
  /**
   * The secure modes' training sums step by step: for each step (in the order they run), the
   * median of its seconds over rounds ≥ 1, as the coordinator timed them.
   */
  stepSeconds: Record<'secagg' | 'authenticated', { step: string; seconds: number }[]>;
}

/** Per step, in order of first appearance, the median seconds over the given rounds' steps. */
function stepMedians(rounds: { step: string; seconds: number }[][]): { step: string; seconds: number }[] {
  const byStep = new Map<string, number[]>();
  for (const steps of rounds) {
    for (const x of steps) {
      const seen = byStep.get(x.step);
      if (seen) seen.push(x.seconds);
      else byStep.set(x.step, [x.seconds]);
    }
  }
  return [...byStep].map(([step, seconds]) => ({ step, seconds: median(seconds) }));
}

/** The model's parameter count over the synthetic schema. */
export function parameterCount(hidden: number[], schema: DataSchema): number {
  return layoutSize(modelLayout({ type: 'mlp', hidden, dropout: 0, activation: 'relu' }, inputDim(schema)));
}

/**
 * Writes the synthetic consortium as `parties` CSV files, so institutions stay non-IID. With at
 * least 4 parties, party j takes a contiguous slice of source institution j mod 4 (platform,
 * bank-a, bank-b, customs); with fewer, party j holds every source s with s mod parties = j
 * whole, so every source's columns (customs' trade columns among them) reach some party.
 */
function writeParties(dir: string, parties: number, scale: number, seed: number): { name: string; file: string }[] {
  const sources = generateConsortium({ seed, scale }).parties;
  const out: { name: string; file: string }[] = [];
  if (parties < sources.length) {
    for (let j = 0; j < parties; j++) {
      const mine = sources.filter((_, s) => s % parties === j);
      const name = mine.map((m) => m.name).join('.');
      out.push({ name, file: writeCsvFile(path.join(dir, `${name}.csv`), mine[0]!.header, mine.flatMap((m) => m.rows)) });
    }
    return out;
  }
  sources.forEach((src, s) => {
    const pieces = Array.from({ length: parties }, (_, j) => j).filter((j) => j % sources.length === s).length;
    for (let p = 0; p < pieces; p++) {
      const from = Math.floor((p * src.rows.length) / pieces);
      const to = Math.floor(((p + 1) * src.rows.length) / pieces);
      const name = `${src.name}-${p + 1}`;
      out.push({ name, file: writeCsvFile(path.join(dir, `${name}.csv`), src.header, src.rows.slice(from, to)) });
    }
  });
  return out;
}

function jobFor(mode: BenchMode, o: RoundBenchOptions, name: string, rounds: number): JobSpec {
  return JobSpecSchema.parse({
    name,
    model: { type: 'mlp', hidden: o.hidden },
    rounds,
    train: { localEpochs: 1, batchSize: 64, optimizer: 'sgd', learningRate: 0.05, classWeights: 'none' },
    strategy: { type: 'fedavg' },
    minParticipants: o.minParticipants,
    evaluation: { holdout: 0.25, ...(o.carried ? { carried: true } : {}) },
    // The authenticated mode is the same secure job; the coordinator's roster makes its sums authenticated.
    aggregation: mode === 'plain' || mode === 'plain-mtls' ? 'plain' : 'secagg',
    ...(mode === 'auth-ahead' && o.keysAhead ? { secureAggregation: { keysAhead: o.keysAhead } } : {}),
    seed: o.seed,
  });
}

async function runJob(control: ControlClient, job: JobSpec, schema: DataSchema, onEvent: (e: JobEvent__Output) => void = () => undefined): Promise<{ status: JobStatus__Output; wallSeconds: number }> {
  const t0 = performance.now();
  const jobId = await control.submit(job, schema);
  const status = await control.follow(jobId, onEvent);
  const wallSeconds = (performance.now() - t0) / 1000;
  if (status.state !== 'SUCCEEDED') throw new Error(`benchmark job ${job.name} (${jobId}) ended ${status.state}: ${status.error}`);
  return { status, wallSeconds };
}

/**
 * The members a job lost on the way, one line per distinct reason (a lost member changes the
 * sums' member sets, and a member then refuses to release the same exact statistics over another
 * set in a later job: the reason is worth seeing before that happens).
 */
function lostMembers(status: JobStatus__Output): string[] {
  const byReason = new Map<string, string[]>();
  for (const r of status.rounds) {
    for (const f of r.failures) {
      const why = `round ${r.round}, ${f.stage}: ${f.reason.length > 200 ? `${f.reason.slice(0, 200)}…` : f.reason}`;
      byReason.set(why, [...(byReason.get(why) ?? []), f.participant]);
    }
  }
  return [...byReason].map(([why, who]) => `${who.length} member(s) (${who.slice(0, 5).join(', ')}${who.length > 5 ? ', …' : ''}) lost at ${why}`);
}

async function waitForParticipants(control: ControlClient, n: number, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const connected = (await control.participants()).filter((p) => p.connected).length;
    if (connected >= n) return;
    if (Date.now() > until) throw new Error(`only ${connected} of ${n} participants connected within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A coordinator, its participant nodes and a Control client; filled in as it starts, so a failed start still stops what ran. */
interface Fleet {
  coord?: { address: string; stop(): Promise<unknown>; rss?(): number | undefined; cpuSeconds?(): number | undefined };
  control?: ControlClient;
  nodes: ParticipantNode[];
  runs: Promise<void>[];
  rows: number;
}

/**
 * Starts a coordinator and one node per file. Without `trust`: plaintext, no roster, unsigned
 * nodes that allow plain jobs. With `trust` (a createConsortium directory): mutual TLS and the
 * roster, nodes with their certificates and identity keys (and their own copy of the roster for
 * the secure sums' signed adverts), and an operator's certificate and token on the Control API.
 */
async function startFleet(f: Fleet, at: { host: string; port: number; layout: CoordinatorLayout }, stateDir: string, files: { name: string; file: string }[], schema: DataSchema, digest: string, trust?: string, nextTask?: NextTaskMode, cpuProfileDir?: string): Promise<void> {
  // All nodes share this process's one event loop: while each of n nodes trains (yielding every
  // 50 ms), a node's heartbeat can wait n × 50 ms to be read — 15 s at n = 300, past the default
  // 10 s timeout. On separate machines that wait does not exist.
  const heartbeatTimeoutMs = Math.max(10_000, files.length * 200);
  if (at.layout === 'process') {
    const c = await startCoordinatorProcess(at.port, stateDir, [], {
      host: at.host, heartbeatTimeoutMs,
      ...(trust ? { credentials: path.join(trust, 'coordinator') } : {}),
      // One profile file per thread (CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile); the largest is the main thread's.
      ...(cpuProfileDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] } : {}),
    });
    const pid = c.child.pid!;
    f.coord = { address: c.address, stop: () => stopCoordinatorProcess(c), rss: () => processRss(pid), cpuSeconds: () => processCpuSeconds(pid) };
  } else {
    const c = trust ? loadCredentials(path.join(trust, 'coordinator'), 'coordinator') : undefined;
    f.coord = await startCoordinator({
      port: at.port, host: at.host, stateDir, logLevel: 'error', heartbeatTimeoutMs,
      ...(c ? { tls: { ca: c.ca, cert: c.cert, key: c.key }, roster: c.roster } : {}),
    });
  }
  for (const file of files) {
    const { table } = loadTable(file.file, schema);
    f.rows += table.n;
    const creds = trust ? loadCredentials(path.join(trust, 'participants', file.name), 'participant') : undefined;
    const handler = chain(localHandler(file.name, table), [
      errorToRefusalMod,
      schemaCheckMod(digest, schemaDigest),
      // Every node accepts plain jobs (the benchmark's baselines); secure jobs on the roster's nodes stay authenticated.
      secAggMod({ name: file.name, allowPlain: true, ...(creds ? { identity: { secretKey: creds.identity.secretKey, peers: memberKeys(creds.roster) } } : {}) }),
    ]);
    const node = new ParticipantNode({
      coordinator: f.coord.address, name: file.name, role: creds?.identity.role ?? 'bench', schemaDigest: digest, handler,
      log: createLogger(`participant:${file.name}${trust ? ':auth' : ''}`, 'error'),
      ...(creds ? { credentials: clientCredentials(creds), identity: creds.identity } : {}),
      ...(nextTask ? { nextTask } : {}),
    });
    f.nodes.push(node);
    f.runs.push(node.run());
  }
  const op = trust ? loadCredentials(path.join(trust, 'operators', 'bench'), 'operator') : undefined;
  f.control = new ControlClient(f.coord.address, op ? { credentials: clientCredentials(op), token: op.token } : {});
  await waitForParticipants(f.control, files.length);
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
    for (let i = 0; i < o.jobsPerMode; i++) {
      for (const mode of i % 2 === 0 ? cycle : [...cycle].reverse()) {
        const fleet = mode === 'plain' || mode === 'secagg' ? open : auth;
        const cpu0 = { nodes: process.cpuUsage(), coordinator: fleet.coord?.cpuSeconds?.() };
        const { status, wallSeconds } = await runJob(controls[mode], jobFor(mode, o, `bench-${mode}-${i + 1}`, o.rounds), schema);
        const nodesCpu = process.cpuUsage(cpu0.nodes);
        const coordEnd = fleet.coord?.cpuSeconds?.();
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
          if ((mode === 'auth-ahead' && o.rounds > 1) !== carried > 0) throw new Error(`job ${status.jobId} (${mode}): ${carried} of ${measured.length} rounds had keys set up ahead`);
          if (mode === 'secagg') secure = measured[0]?.secure ?? secure;
        }
        const sample: JobSample = {
          mode,
          jobId: status.jobId,
          roundSeconds: measured.map((r) => r.seconds),
          roundSteps: measured.map((r) => r.secure?.steps ?? []),
          wallSeconds,
          nodesCpuSeconds: cpu.nodes,
          ...(cpu.coordinator !== undefined ? { coordinatorCpuSeconds: cpu.coordinator } : {}),
          auc: status.rounds[status.rounds.length - 1]?.metrics?.auc ?? Number.NaN,
        };
        jobs.push(sample);
        const mem = process.memoryUsage();
        const mib = (b: number) => Math.round(b / 2 ** 20);
        for (const line of lostMembers(status)) o.log(`    ${line}`);
        const coordRss = fleet.coord?.rss?.();
        o.log(`  ${mode.padEnd(13)} job ${i + 1}: rounds 1..${o.rounds} ${sample.roundSeconds.map((s) => s.toFixed(2)).join(' ')} s (AUC ${sample.auc.toFixed(4)}; job ${wallSeconds.toFixed(1)} s, CPU ${cpu.nodes.toFixed(1)} s ${layout === 'process' ? 'nodes' : 'this process'}${cpu.coordinator === undefined ? '' : ` + ${cpu.coordinator.toFixed(1)} s coordinator`}; ${layout === 'process' ? 'nodes\' ' : ''}process RSS ${mib(mem.rss)} MiB, JS heap ${mib(mem.heapUsed)} MiB, buffers ${mib(mem.arrayBuffers)} MiB${coordRss === undefined ? '' : `; coordinator RSS ${mib(coordRss)} MiB`})`);
      }
    }
    if (!secure) throw new Error('the secure jobs reported no secure-aggregation facts');
    let timeSplit: RoundBenchResult['timeSplit'];
    if (o.profile) {
      const splits = {} as NonNullable<RoundBenchResult['timeSplit']>;
      timeSplit = splits;
      for (const mode of cycle) {
        const profiler = new ProcessProfiler();
        // Rounds ≥ 1 only, as measured above: profiling starts once round 0 (statistics and the initial evaluation) is reported.
        let started: Promise<void> | undefined;
        await runJob(controls[mode], jobFor(mode, o, `bench-profile-${mode}`, o.rounds), schema, (e) => {
          if (!started && e.round && e.round.round === 0) started = profiler.start();
        });
        if (!started) throw new Error(`the profiled ${mode} job reported no round 0`);
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
    const authAheadSeconds = o.keysAhead ? seconds('auth-ahead') : undefined;
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
        return [mode, { nodes: median(own.map((j) => j.nodesCpuSeconds)), ...(coordinator.length === own.length ? { coordinator: median(coordinator) } : {}) }];
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
