/**
 * `fedcredit simulate`: plays a whole consortium on this machine — an in-process coordinator on
 * loopback, one participant OS process per party, the job submitted through the Control API as
 * a data scientist would — then trains the centralized and local-only references in the same run
 * and reports what federation bought each party. With personalization, it also reads each
 * member's value report from the member's state dir (the harness plays every institution's
 * operator) for the personalized and the member's own local-only figures.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCoordinator } from '../coordinator/server.ts';
import { simConsortium } from './sim-consortium.ts';
import { loadPartyTables } from './data-source-options.ts';
import { isPostgresUrl, redactPostgresUrl } from '../participant/data/postgres-url.ts';
import { closeSimState, describeSimState, openSimState, type SimStateDir } from './sim-state.ts';
import { initBackend } from '../participant/trainer/backend.ts';
import type { LoadedJob } from './job-file.ts';
import { jobPrivacyCost } from '../core/privacy/job-cost.ts';
import { jobSplit } from '../participant/local-handler.ts';
import type { JobSpec } from '../core/job.ts';
import type { Table } from '../core/data/table.ts';
import type { DataSchema } from '../core/data/schema.ts';
import { neighbourCount, thresholdFor } from '../core/round/secure-plan.ts';
import { concatTables, ownPreprocessing, scoreModel, splitParties, trainReference } from './references.ts';
import type { Score } from './references.ts';
import { runJobOnCoordinator } from './run.ts';
import type { RunSummary } from './run.ts';
import { UsageError } from './errors.ts';
import { memberValue } from './member-value.ts';
import { writeJobReport } from './report-cmd.ts';
import type { ReportExtras } from './report-html/report-data.ts';

// The `fedcredit` command this module belongs to: bin/ sits beside cli/ in a source checkout and
// beside dist/ in an installed package.
const HERE = path.dirname(fileURLToPath(import.meta.url));
const BIN = [path.resolve(HERE, '..', 'bin', 'fedcredit.mjs'), path.resolve(HERE, '..', '..', 'bin', 'fedcredit.mjs')].find((f) => existsSync(f)) ?? 'fedcredit';

/** A party of the simulation. */
export interface PartySpec {
  name: string;
  file: string;
}

/** Options of a simulation. */
export interface SimulateOptions {
  loaded: LoadedJob;
  parties: PartySpec[];
  stateDir?: string;
  outDir?: string;
  json: boolean;
  print: (line: string) => void;
  heartbeatTimeoutMs?: number;
  /** TCP port of the coordinator (default 0: any free port). */
  port?: number;
  /** Keep a temporary state dir at the end instead of removing it (an explicit `stateDir` is always kept). */
  keepState?: boolean;
  /** A state dir the caller opened (cli/sim-state.ts): used instead of `stateDir`, and closed at the end. */
  state?: SimStateDir;
  /** Also write the job's HTML report here, with each party's comparisons (cli/report-html/). */
  reportFile?: string;
}

/** The simulation report (`--json` prints it). */
export interface SimulationReport {
  jobId: string;
  state: string;
  error?: string;
  aggregation: string;
  guarantee: string;
  secureAggregation?: RunSummary['secureAggregation'];
  privacy?: RunSummary['privacy'];
  backend: string;
  seconds: number;
  federated: RunSummary['federated'] & { exactAuc: number; exactKs: number; perParty: Record<string, Score> };
  centralized: Score & { perParty: Record<string, Score> };
  /**
   * Each member's personalized model on its held-out rows, from the value report it wrote to its
   * state dir (jobs with personalization; empty otherwise), and the variant it kept.
   */
  personalized: { perParty: Record<string, Score & { kept: string }>; meanAuc: number };
  /**
   * Local-only models on each party's held-out rows: the member's own (from its value report)
   * when the job personalizes, else the harness-trained reference of `localOnlyHarness`.
   */
  localOnly: Record<string, Score>;
  localOnlySource: 'member-report' | 'harness';
  localOnlyMeanAuc: number;
  /** The harness-trained local-only reference (own preprocessing, rounds × localEpochs epochs, no DP). */
  localOnlyHarness: Record<string, Score>;
  rounds: RunSummary['rounds'];
  /** Wall time of the federated job on the coordinator, from submission to its end (s). */
  jobSeconds?: number;
  stateDir: string;
}

/** Parses `NAME=FILE` arguments (FILE may be a postgres:// URL naming its table, kept as given). */
export function parseParties(args: string[]): PartySpec[] {
  const parties = args.map((a) => {
    const i = a.indexOf('=');
    if (i <= 0 || i === a.length - 1) throw new UsageError(`--party expects NAME=FILE.csv or NAME=postgres://…?table=TABLE, got "${isPostgresUrl(a.slice(i + 1)) ? `${a.slice(0, i + 1)}${redactPostgresUrl(a.slice(i + 1))}` : a}"`);
    const data = a.slice(i + 1);
    return { name: a.slice(0, i), file: isPostgresUrl(data) ? data : path.resolve(data) };
  });
  const names = parties.map((p) => p.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new UsageError(`party "${dup}" is given twice`);
  if (parties.length === 0) throw new UsageError('simulate needs at least one --party NAME=FILE.csv');
  return parties;
}

function spawnParticipant(p: PartySpec, address: string, schemaFile: string, logDir: string, nodeDir: string, allowPlain: boolean, credentials: string, privacy?: string[]): ChildProcess {
  const log = openSync(path.join(logDir, `${p.name}.log`), 'a');
  const args = [BIN, 'participant', '--coordinator', address, '--name', p.name, '--data', p.file, '--schema', schemaFile, '--log-level', 'info', '--credentials', credentials, '--state-dir', nodeDir];
  // A simulated party allows plain aggregation only when the simulated job asks for it.
  if (allowPlain) args.push('--allow-plain-aggregation');
  if (privacy) args.push(...privacy);
  return spawn(process.execPath, args, {
    stdio: ['ignore', log, log],
    env: { ...process.env },
  });
}

/**
 * With DP, each simulated institution gets a fresh ledger whose budget is what the whole job
 * costs it (core/privacy/job-cost.ts: its own q from its row count, the statistics, the count,
 * every round and every evaluation), with a relative slack for rounding — 1e-6 for a job given by
 * its ε, which every node meets by calibration, and 2 % for a job given by a noise multiplier,
 * whose cost moves a little with the node's noisy row count.
 */
export function simulatedBudgets(job: JobSpec, schema: DataSchema, tables: { name: string; table: Table }[]): Map<string, { epsilon: number; delta: number }> {
  const out = new Map<string, { epsilon: number; delta: number }>();
  // The secure-aggregation threshold t with every party of the job present.
  const n = tables.filter((t) => !job.participants || job.participants.includes(t.name)).length;
  const spec = job.secureAggregation;
  const t = job.aggregation === 'secagg' && n > 0 ? thresholdFor(spec, job.minParticipants, n, neighbourCount(spec, n, job.minParticipants)) : 1;
  if (job.privacy.mode === 'none') return out;
  // Client level costs every institution the same; record level moves with the node's rows.
  const slack = job.privacy.mode === 'record' && job.privacy.epsilon === undefined ? 1.02 : 1 + 1e-6;
  for (const p of tables) {
    const trainingRows = jobSplit(p.table, p.name, job).train.n;
    out.set(p.name, { epsilon: jobPrivacyCost(job, { schema, survivors: t, trainingRows }).epsilon * slack, delta: job.privacy.delta });
  }
  return out;
}

/** The per-party comparisons of a simulation, for its HTML report. */
export function simulationExtras(r: SimulationReport): ReportExtras {
  const names = Object.keys(r.localOnly);
  return {
    source: 'fedcredit simulate (one participant process per party)',
    memberComparison: Object.fromEntries(
      names.map((n) => {
        const personal = r.personalized.perParty[n];
        return [n, { localOnly: r.localOnly[n]!.auc, federated: r.federated.perParty[n]?.auc ?? NaN, centralized: r.centralized.perParty[n]?.auc ?? NaN, ...(personal ? { personalized: personal.auc, kept: personal.kept } : {}) }];
      }),
    ),
    comparisonNote:
      `Held-out AUC of each party's rows, computed by the simulation harness (which holds every party's data, as no coordinator does): the federated model, ` +
      `${r.localOnlySource === 'member-report' ? "the member's own local-only and personalized models (from its value report)" : 'a local-only model trained by the harness on the party\'s rows alone'}.`,
  };
}

/**
 * Runs the simulation end to end. A temporary state dir is removed at the end, also when the run
 * fails to start (unless kept: cli/sim-state.ts).
 */
export async function simulate(o: SimulateOptions): Promise<SimulationReport> {
  // Validate every party's data first: a bad file or table stops the simulation before anything runs.
  const tables = await loadPartyTables(o.parties, o.loaded.schema);
  const state = o.state ?? openSimState(o.stateDir, 'sim', o.keepState);
  try {
    return await simulateIn(o, tables, state);
  } finally {
    closeSimState(state, true, o.print);
  }
}

async function simulateIn(o: SimulateOptions, tables: { name: string; table: Table }[], state: SimStateDir): Promise<SimulationReport> {
  const started = Date.now();
  const { job, schema, schemaFile } = o.loaded;
  const stateDir = state.dir;
  const logDir = path.join(stateDir, 'participants');
  mkdirSync(logDir, { recursive: true });
  const consortium = await simConsortium(path.join(stateDir, 'consortium'), o.parties.map((p) => p.name));
  const coord = await startCoordinator({
    port: o.port ?? 0, stateDir: path.join(stateDir, 'coordinator'), logLevel: 'warn', heartbeatTimeoutMs: o.heartbeatTimeoutMs, ...consortium.coordinator,
  });
  const budgets = simulatedBudgets(job, schema, tables);
  const exited = new Map<string, number | null>();
  const children = o.parties.map((p) =>
    spawnParticipant(p, coord.address, schemaFile, logDir, path.join(stateDir, 'nodes', p.name), job.aggregation === 'plain', consortium.participantDir(p.name), budgets.get(p.name) && [
      '--privacy-budget-epsilon', String(budgets.get(p.name)!.epsilon),
      '--privacy-budget-delta', String(budgets.get(p.name)!.delta),
    ]).on('exit', (code) => exited.set(p.name, code)));
  o.print(`coordinator on ${coord.address}; ${o.parties.length} participant processes (logs in ${logDir})`);
  o.print(`mutual TLS, signed messages and an operator token from a throwaway test consortium (${consortium.dir})`);
  o.print(describeSimState(state, true));
  try {
    const { summary, status, weights, meta } = await runJobOnCoordinator({ coordinator: coord.address, loaded: o.loaded, outDir: o.outDir, json: o.json, print: o.print, control: consortium.operator });
    const crashed = [...exited].filter(([, code]) => code !== 0 && code !== null);
    if (crashed.length && summary.state !== 'SUCCEEDED') {
      summary.error = `${summary.error ?? ''} (participant process(es) exited: ${crashed.map(([n, c]) => `${n} code ${c}, see ${path.join(logDir, n + '.log')}`).join('; ')})`;
    }
    const backend = (await initBackend()).name;
    const parties = splitParties(tables, job);
    const pooledTest = concatTables(parties.map((p) => p.split.test));
    const emptyScore: Score = { auc: NaN, ks: NaN, n: 0 };
    const report: SimulationReport = {
      jobId: summary.jobId, state: summary.state, ...(summary.error ? { error: summary.error } : {}), aggregation: summary.aggregation,
      guarantee: summary.guarantee, ...(summary.secureAggregation ? { secureAggregation: summary.secureAggregation } : {}),
      ...(summary.privacy ? { privacy: summary.privacy } : {}), backend, seconds: 0,
      federated: { ...summary.federated, exactAuc: NaN, exactKs: NaN, perParty: {} },
      centralized: { ...emptyScore, perParty: {} }, personalized: { perParty: {}, meanAuc: NaN },
      localOnly: {}, localOnlySource: 'harness', localOnlyMeanAuc: NaN, localOnlyHarness: {}, rounds: summary.rounds, ...(summary.jobSeconds ? { jobSeconds: summary.jobSeconds } : {}), stateDir,
    };
    if (summary.state === 'SUCCEEDED' && weights && meta) {
      o.print('training references in this process: centralized (pooled) and local-only per party ...');
      const fedPrep = meta.preprocessing as Parameters<typeof scoreModel>[2];
      const pooled = scoreModel(job, schema, fedPrep, weights, pooledTest);
      report.federated.exactAuc = pooled.auc;
      report.federated.exactKs = pooled.ks;
      const poolPrep = ownPreprocessing(parties.map((p) => p.split.train), schema);
      const central = await trainReference(job, schema, poolPrep, concatTables(parties.map((p) => p.split.train)), 'centralized');
      report.centralized = { ...scoreModel(job, schema, poolPrep, central, pooledTest), perParty: {} };
      for (const p of parties) {
        report.federated.perParty[p.name] = scoreModel(job, schema, fedPrep, weights, p.split.test);
        report.centralized.perParty[p.name] = scoreModel(job, schema, poolPrep, central, p.split.test);
        const prep = ownPreprocessing([p.split.train], schema);
        const local = await trainReference(job, schema, prep, p.split.train, `local:${p.name}`);
        report.localOnlyHarness[p.name] = scoreModel(job, schema, prep, local, p.split.test);
      }
      Object.assign(report, memberValue(stateDir, summary.jobId, parties.map((p) => p.name), report.localOnlyHarness));
    }
    report.seconds = (Date.now() - started) / 1000;
    if (o.reportFile) o.print(`report written to ${writeJobReport(o.reportFile, status, simulationExtras(report))}`);
    return report;
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await coord.stop();
    // The nodes write to the state dir until they exit: wait for them before removing it.
    await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : Promise.race([new Promise((r) => c.once('exit', r)), new Promise((r) => setTimeout(r, 5000))]))));
  }
}
