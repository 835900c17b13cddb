/**
 * `fedcredit simulate --in-process` and `fedcredit demo --in-process`: the consortium runs in this
 * process on the in-process simulator (sim/simulate.ts) — the real round engine, secure
 * aggregation, DP and participant handler chains over an in-memory grid, authenticated with a
 * throwaway roster — which is how 100+ members fit on one machine. No centralized or local-only
 * references are trained here; the multi-process `simulate` reports those.
 */
import type { RoundRecord } from '../core/round/engine.ts';
import { loadPartyTables } from './data-source-options.ts';
import { simulate } from '../sim/simulate.ts';
import type { SimulationResult } from '../sim/simulate.ts';
import { roundToWire } from '../coordinator/control-service.ts';
import { writeModelPackage } from '../scoring/package-write.ts';
import type { LoadedJob } from './job-file.ts';
import { closeSimState, describeSimState, openSimState, type SimStateDir } from './sim-state.ts';
import type { PartySpec } from './simulate.ts';
import { simulatedBudgets } from './simulate.ts';
import { keptLabel } from './member-value.ts';
import { writeJobReport } from './report-cmd.ts';

/** Options of an in-process simulation from the command line. */
export interface InProcessOptions {
  loaded: LoadedJob;
  parties: PartySpec[];
  stateDir?: string;
  /** Seeds all secret randomness, for a replayable run. */
  seed?: number;
  /** Save the model package here when the job succeeds (scoring/package-write.ts). */
  outDir?: string;
  print: (line: string) => void;
  /** Keep a temporary state dir at the end instead of removing it (an explicit `stateDir` is always kept). */
  keepState?: boolean;
  /** A state dir the caller opened (cli/sim-state.ts): used instead of `stateDir`, and closed at the end. */
  state?: SimStateDir;
  /** Also write the job's HTML report here (cli/report-html/). */
  reportFile?: string;
}

/** What `--json` prints for an in-process simulation. */
export interface InProcessReport {
  mode: 'in-process';
  jobId: string;
  state: string;
  error?: string;
  members: number;
  aggregation: string;
  guarantee: string;
  backend: string;
  /** Metrics the coordinator computed from the aggregated evaluation of the last round. */
  federated: { auc: number; ks: number };
  rounds: { round: number; auc: number; ks: number; participants: number; seconds: number }[];
  /**
   * Jobs with personalization: each member's held-out AUC of the federated, its personalized and
   * its own local-only model, from the value report in its state dir (what its operator sees).
   */
  memberValue?: Record<string, { federated: number; personalized: number; localOnly: number; kept: string }>;
  /** What the coordinator learned of personalization from the final evaluation's sum (none under record-level DP). */
  personalization?: RoundRecord['personalization'];
  seconds: number;
  stateDir: string;
  /** Where the model package was saved (with `outDir`). */
  modelDir?: string;
}

/**
 * Each member's latest ε from its signed receipts, checked as the Control API checks them
 * (against the roster's key in an authenticated run); invalid receipts are not counted.
 */
function privacySpent(r: SimulationResult): Record<string, { epsilonJob: number; epsilonTotal: number; delta: number }> {
  const keys = r.roster ? new Map(r.roster.members.map((m) => [m.name, Uint8Array.from(Buffer.from(m.publicKey, 'hex'))])) : undefined;
  const out: Record<string, { epsilonJob: number; epsilonTotal: number; delta: number }> = {};
  for (const round of r.rounds) for (const p of roundToWire(round, r.jobId, keys).privacy ?? []) out[p.participant!] = { epsilonJob: Number(p.epsilonJob), epsilonTotal: Number(p.epsilonTotal), delta: Number(p.delta) };
  return out;
}

const roundLine = (r: RoundRecord) => ({ round: r.round, auc: r.metrics.auc, ks: r.metrics.ks, participants: r.participants.length, seconds: r.seconds });

/** Runs the simulation and returns its report, printing one line per round. */
export async function simulateInProcess(o: InProcessOptions): Promise<InProcessReport> {
  const started = Date.now();
  const { job, schema } = o.loaded;
  const tables = await loadPartyTables(o.parties, schema);
  const state = o.state ?? openSimState(o.stateDir, 'sim', o.keepState);
  const stateDir = state.dir;
  const budgets = simulatedBudgets(job, schema, tables);
  o.print(`in-process simulation: ${tables.length} members, coordinator and members in this process`);
  o.print(describeSimState(state, false));
  let result: Awaited<ReturnType<typeof simulate>>;
  try {
    result = await simulate({
      job, schema, stateDir,
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      parties: tables.map((t) => ({ name: t.name, table: t.table, ...(budgets.has(t.name) ? { privacyBudget: budgets.get(t.name)! } : {}) })),
      onUpdate: (u) => {
        if (u.message.startsWith('warning: ')) o.print(`! ${u.message}`);
        if (u.round) {
          const r = roundLine(u.round);
          o.print(`round ${String(r.round).padStart(3)}: AUC ${r.auc.toFixed(4)}  KS ${r.ks.toFixed(4)}  ${r.participants} members  ${r.seconds.toFixed(2)} s`);
        }
      },
    });
  } finally {
    closeSimState(state, false, o.print);
  }
  const last = result.rounds.at(-1);
  let modelDir: string | undefined;
  if (o.outDir && result.state === 'SUCCEEDED' && result.weights && result.preprocessing && last) {
    const written = await writeModelPackage(o.outDir, {
      jobId: result.jobId, job, schema, preprocessing: result.preprocessing, weights: result.weights, guarantee: result.guarantee,
      aggregation: job.aggregation, members: last.participants, metrics: last.metrics, privacy: privacySpent(result),
    });
    modelDir = written.dir;
    o.print(`model saved to ${written.dir} (${written.files.join(', ')}); score applicants with: fedcredit score --model ${written.dir} --data applicants.csv`);
  }
  const memberValue = Object.fromEntries(
    [...result.valueReports].map(([n, r]) => [n, { federated: r.test.global.auc ?? NaN, personalized: r.test.personalized.auc ?? NaN, localOnly: r.test.localOnly.auc ?? NaN, kept: keptLabel(r.chosen) }]),
  );
  if (o.reportFile) {
    const file = writeJobReport(o.reportFile, result.status, {
      source: 'fedcredit simulate --in-process',
      ...(result.valueReports.size
        ? { memberComparison: memberValue, comparisonNote: "Held-out AUC of each member's rows from the value report in its state dir (what its own operator sees): the federated, its personalized and its local-only model." }
        : {}),
    });
    o.print(`report written to ${file}`);
  }
  return {
    mode: 'in-process', jobId: result.jobId, state: result.state, ...(result.error ? { error: result.error } : {}),
    members: tables.length, aggregation: job.aggregation, guarantee: result.guarantee, backend: result.backend,
    federated: { auc: last?.metrics.auc ?? NaN, ks: last?.metrics.ks ?? NaN },
    rounds: result.rounds.map(roundLine), seconds: (Date.now() - started) / 1000, stateDir, ...(modelDir ? { modelDir } : {}),
    ...(result.valueReports.size ? { memberValue } : {}),
    ...(last?.personalization ? { personalization: last.personalization } : {}),
  };
}

/** The text summary of an in-process simulation. */
export function renderInProcessReport(r: InProcessReport): string[] {
  if (r.state !== 'SUCCEEDED') return [`job ${r.jobId} ${r.state}: ${r.error ?? 'no reason given'}`];
  return [
    `federated AUC ${r.federated.auc.toFixed(4)}  KS ${r.federated.ks.toFixed(4)} over ${r.members} members (coordinator, from aggregated histograms)`,
    ...Object.entries(r.memberValue ?? {}).map(
      ([n, m]) => `${n}: held-out AUC federated ${m.federated.toFixed(3)}, personalized ${m.personalized.toFixed(3)} (${m.kept}), local-only ${m.localOnly.toFixed(3)} (its value report)`,
    ),
    ...(r.personalization
      ? [`consortium AUC (coordinator, from summed histograms): personalized ${r.personalization.personalized.auc.toFixed(4)}, local-only ${r.personalization.localOnly.auc.toFixed(4)}; members that released their own figures: ${Object.keys(r.personalization.members).join(', ') || 'none'}`]
      : []),
    `aggregation: ${r.guarantee}`,
    `tfjs backend: ${r.backend}; finished in ${r.seconds.toFixed(1)} s`,
  ];
}

/** Prints the report (JSON on stdout with `json`, else the text summary) and sets the exit code. */
export function printInProcessReport(r: InProcessReport, json: boolean, print: (line: string) => void): void {
  if (json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  else for (const l of renderInProcessReport(r)) print(l);
  if (r.state !== 'SUCCEEDED') process.exitCode = 1;
}
