/**
 * The in-process simulator: a whole consortium in one process, for fast tests and for simulating
 * 100+ members. It runs the real pieces — the coordinator's job manager and round engine, the
 * real secure-aggregation client and server, real DP, and each participant's real handler chain
 * (policy, schema check, release guard, ledger) — with an in-memory grid in place of gRPC. With
 * `authenticated` (the default) every member gets an Ed25519 identity and the roster lists them,
 * so secure sums run with signed key adverts and the consistency check, as in a deployment.
 * Under a `seed`, all secret randomness (key pairs, masks, DP noise) is drawn from seeded
 * generators, so a run can be replayed exactly; without one it comes from node:crypto.
 *
 * `simulate` runs one job. `startSimulation` keeps the consortium up across jobs and lets a test
 * act between stages: submit another job to the same job manager, observe every step on the grid,
 * and restart a member that vanished (it rejoins with a fresh handler chain over its state dir).
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { DataSchema } from '../core/data/schema.ts';
import type { Table } from '../core/data/table.ts';
import type { JobSpec } from '../core/job.ts';
import { deriveSeed, seededRng } from '../core/random.ts';
import type { RoundRecord } from '../core/round/engine.ts';
import type { PreprocessingParams } from '../core/round/task-config.ts';
import type { StrategyRegistry } from '../core/strategy/strategy.ts';
import type { Rng } from '../core/types.ts';
import { JobManager } from '../coordinator/jobs.ts';
import { clientStatus } from '../coordinator/client-status.ts';
import type { JobStatus__Output } from '../proto/generated/fedcredit/v1/JobStatus.ts';
import type { JobRecord, JobUpdate } from '../coordinator/jobs.ts';
import type { Mod, TaskHandler } from '../participant/handler.ts';
import { createParticipantHandler } from '../participant/create.ts';
import { initBackend } from '../participant/trainer/backend.ts';
import type { ParticipantHandler } from '../participant/create.ts';
import type { Policy } from '../participant/policy.ts';
import { readValueReport, valueReportPath } from '../participant/personal/store.ts';
import type { ValueReport } from '../participant/personal/store.ts';
import type { Logger } from '../platform/log.ts';
import { cryptoRng } from '../platform/crypto-rng.ts';
import type { Identity, Roster } from '../trust/format.ts';
import { identityFileFromSeed, identityFromFile, RoleSchema, RosterSchema } from '../trust/format.ts';
import { memoryGrid } from './memory-grid.ts';
import type { MemoryGrid, VanishAt } from './memory-grid.ts';

/** One member of a simulated consortium. */
export interface SimulatedParty {
  name: string;
  /** The member's rows, validated against its schema. */
  table: Table;
  /** The schema the member's data follows (its own schema file); default the job's. A job on another schema is refused by its schema check. */
  schema?: DataSchema;
  /** Its role in the roster (platform, bank, customs, other); default "other". */
  role?: string;
  /** Its differential-privacy budget (then it trains only with DP). */
  privacyBudget?: { epsilon: number; delta: number };
  /** Its policy file's content, and the name refusals cite. */
  policy?: { policy: Policy; file: string };
  /** Extra participant mods (e.g. to record what the member receives). */
  mods?: Mod[];
  /** Stop answering from this secure-aggregation step on (a dropout), or from that step of one stage of one round. */
  vanishAt?: VanishAt;
  /**
   * Take part in plain (unmasked) aggregation, as `--allow-plain-aggregation` does. Default: in
   * {@link simulate}, only when its job is plain; in {@link startSimulation}, no.
   */
  allowPlain?: boolean;
}

/** Options of {@link startSimulation}: the consortium, without a job. */
export interface SimulationOptions {
  /** The schema the members' data was validated against, and the default schema of jobs. */
  schema: DataSchema;
  parties: SimulatedParty[];
  /** Where the coordinator's job store and each member's state (ledger, releases) go. */
  stateDir: string;
  /** Seeds every secret random draw (replayable runs); default: node:crypto. */
  seed?: number;
  /** Members get identities and a roster, so secure sums are authenticated (default true). */
  authenticated?: boolean;
  /** User-defined strategies jobs may name. */
  strategies?: StrategyRegistry;
  log?: Logger;
}

/** Options of {@link simulate}. */
export interface SimulateOptions extends SimulationOptions {
  job: JobSpec;
  /** Every job update, as a Control API watcher would see it. */
  onUpdate?: (u: JobUpdate) => void;
}

/** What a simulation produced. */
export interface SimulationResult {
  jobId: string;
  state: JobRecord['state'];
  /** Why the job failed or was cancelled (empty when it succeeded). */
  error: string;
  rounds: RoundRecord[];
  /** The final global model (flat layout), when the job succeeded. */
  weights?: Float32Array;
  /** The federated preprocessing (means, standard deviations) the model's inputs are standardized with. */
  preprocessing?: PreprocessingParams;
  /** The coordinator's guarantee text for the job. */
  guarantee: string;
  /** The job's final status as a Control API client reads it (GetJobStatus), e.g. for a report. */
  status: JobStatus__Output;
  /** Each member's assembled handler chain and the state it keeps (ledger, releases). */
  participants: Map<string, ParticipantHandler>;
  /** The roster the simulation made (authenticated runs). */
  roster?: Roster;
  /** The tfjs backend the members trained with. */
  backend: string;
  /** Wall time of the job, in seconds. */
  seconds: number;
  /**
   * Each member's value report of the job (participant/personal/store.ts), read from its state dir
   * as its operator would: present for the members that personalized (jobs with personalization).
   */
  valueReports: Map<string, ValueReport>;
}

/** A simulated consortium that stays up across jobs (see {@link startSimulation}). */
export interface Simulation {
  /** The coordinator's job manager: jobs, their records and watchers. */
  readonly jobs: JobManager;
  /** The in-memory grid the job manager runs on (wrap its `run` to observe every step). */
  readonly grid: MemoryGrid;
  /** Each member's current handler chain and the state it keeps (a restart replaces the entry). */
  readonly participants: Map<string, ParticipantHandler>;
  /** The roster the simulation made (authenticated runs). */
  readonly roster?: Roster;
  /** The tfjs backend the members train with. */
  readonly backend: string;
  /**
   * Runs a job (`schema`: the job's schema, default the members' one) and resolves when no job
   * is left to run; `onUpdate` sees its updates synchronously, before the engine goes on.
   */
  run(job: JobSpec, o?: { schema?: DataSchema; onUpdate?: (u: JobUpdate) => void }): Promise<SimulationResult>;
  /**
   * Restarts a member, as a node process restarted with the same data and state dir: a fresh
   * handler chain (what it held in memory, such as a secure sum's secrets, is gone; its release
   * history and ledger are read back from its state dir) that answers again from the next stage
   * on, its vanish point cleared. Called from `onUpdate` after round r, it takes part in round r + 1.
   */
  restart(name: string): void;
}

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** The roster and identities of the simulated members (keys derived from `seed`, or random). */
function simulatedRoster(parties: SimulatedParty[], rng: Rng): { roster: Roster; identities: Map<string, Identity> } {
  const identities = new Map<string, Identity>();
  for (const p of parties) {
    const role = RoleSchema.safeParse(p.role ?? 'other');
    if (!role.success) throw new RangeError(`party "${p.name}": role must be one of ${RoleSchema.options.join(', ')}, got "${p.role}"`);
    identities.set(p.name, identityFromFile(identityFileFromSeed(p.name, role.data, rng(32))));
  }
  const roster = RosterSchema.parse({
    format: 'fedcredit-roster',
    version: 1,
    consortium: 'in-process-simulation',
    members: [...identities.values()].map((id) => ({ name: id.name, role: id.role, publicKey: Buffer.from(id.publicKey).toString('hex') })),
  });
  return { roster, identities };
}

/** Assembles the consortium and its coordinator's job manager over an in-memory grid; runs no job yet. */
export async function startSimulation(o: SimulationOptions): Promise<Simulation> {
  const names = o.parties.map((p) => p.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new RangeError(`party "${dup}" is listed twice`);
  if (names.length === 0) throw new RangeError('a simulation needs at least one party');
  const rngFor = (label: string): Rng => (o.seed === undefined ? cryptoRng : seededRng(deriveSeed(o.seed, label)));
  const log = o.log ?? quiet;
  const backend = (await initBackend()).name;
  const auth = o.authenticated !== false ? simulatedRoster(o.parties, rngFor('identities')) : undefined;
  const participants = new Map<string, ParticipantHandler>();
  const handlers = new Map<string, TaskHandler>();
  const vanish: Partial<Record<string, VanishAt>> = {};
  /** Builds (or rebuilds, after a restart) a member's handler chain; `rngLabel` keeps restarts replayable. */
  const assemble = (p: SimulatedParty, rngLabel: string) => {
    const stateDir = path.join(o.stateDir, 'nodes', p.name);
    mkdirSync(stateDir, { recursive: true });
    const assembled = createParticipantHandler({
      name: p.name, table: p.table, schema: p.schema ?? o.schema, stateDir, log, rng: rngFor(rngLabel),
      allowPlain: p.allowPlain ?? false,
      ...(p.privacyBudget ? { privacyBudget: p.privacyBudget } : {}),
      ...(p.policy ? { policy: p.policy } : {}),
      ...(p.mods ? { mods: p.mods } : {}),
      ...(auth ? { identity: auth.identities.get(p.name)!, roster: auth.roster } : {}),
    });
    participants.set(p.name, assembled);
    handlers.set(p.name, assembled.handler);
  };
  for (const p of o.parties) {
    assemble(p, `party:${p.name}`);
    if (p.vanishAt) vanish[p.name] = p.vanishAt;
  }
  const grid = memoryGrid(handlers, vanish);
  const coordinatorDir = path.join(o.stateDir, 'coordinator');
  mkdirSync(coordinatorDir, { recursive: true });
  const jobs = new JobManager(grid, coordinatorDir, log, {
    rng: rngFor('coordinator'),
    ...(o.strategies ? { strategies: o.strategies } : {}),
  });
  if (auth) jobs.memberKeys = new Map([...auth.identities].map(([n, id]) => [n, id.publicKey]));
  const restarts = new Map<string, number>();
  return {
    jobs, grid, participants, backend, ...(auth ? { roster: auth.roster } : {}),
    restart(name) {
      const p = o.parties.find((x) => x.name === name);
      if (!p) throw new RangeError(`no party "${name}" in this simulation`);
      const n = (restarts.get(name) ?? 0) + 1;
      restarts.set(name, n);
      assemble(p, `party:${name}:restart:${n}`);
      grid.rejoin(name);
    },
    async run(job, ro = {}) {
      const started = Date.now();
      const jobId = jobs.submit(job, ro.schema ?? o.schema);
      const unwatch = ro.onUpdate ? jobs.watch(jobId, ro.onUpdate) : () => {};
      try {
        await jobs.idle();
      } finally {
        unwatch();
      }
      const rec = jobs.get(jobId)!;
      const valueReports = new Map<string, ValueReport>();
      for (const p of o.parties) {
        const file = valueReportPath(path.join(o.stateDir, 'nodes', p.name), jobId);
        if (existsSync(file)) valueReports.set(p.name, readValueReport(file));
      }
      return {
        valueReports,
        jobId, state: rec.state, error: rec.error, rounds: rec.rounds, guarantee: jobs.guarantee(rec), participants,
        status: clientStatus(rec, jobs.memberKeys),
        ...(rec.state === 'SUCCEEDED' && rec.weights ? { weights: rec.weights } : {}),
        ...(rec.preprocessing ? { preprocessing: rec.preprocessing } : {}),
        ...(auth ? { roster: auth.roster } : {}),
        backend, seconds: (Date.now() - started) / 1000,
      };
    },
  };
}

/** Runs one job over the simulated consortium and resolves when it ends. */
export async function simulate(o: SimulateOptions): Promise<SimulationResult> {
  const plain = o.job.aggregation === 'plain';
  const sim = await startSimulation({ ...o, parties: o.parties.map((p) => ({ ...p, allowPlain: p.allowPlain ?? plain })) });
  return sim.run(o.job, o.onUpdate ? { onUpdate: o.onUpdate } : {});
}
