/**
 * `fedcredit run` for a vertical job file (`"partition": "vertical"`): submits it to the
 * coordinator, prints the progress messages of the job's stream, and ends with a summary — the
 * joint model's held-out AUC/KS, the same model on the label holder's columns alone, the
 * intersection counts, timing and the guarantee text. A vertical job has no single model to save:
 * each party keeps the part for its own columns, so `--out` is refused.
 *
 * The summary and its lines are shared with `fedcredit simulate` for vertical jobs.
 */
import { ControlClient } from '../client/control-client.ts';
import type { ControlOptions, JobStatus } from '../client/control-client.ts';
import type { VerticalOutcome } from '../core/vertical/run-job.ts';
import { UsageError } from './errors.ts';
import type { LoadedVerticalJob } from './job-file.ts';
import { fmt } from './progress.ts';

/** What a finished vertical job reports (`--json`). Without an outcome (a failed job) only the first fields are present. */
export interface VerticalRunSummary {
  jobId: string;
  name: string;
  state: string;
  error?: string;
  aggregation: 'vertical';
  guarantee: string;
  participants: string[];
  federated?: { auc: number; ks: number; logLoss: number; n: number };
  labelHolderOnly?: { auc: number; ks: number };
  psi?: VerticalOutcome['psi'];
  rows?: VerticalOutcome['rows'];
  steps?: number;
  seconds?: VerticalOutcome['seconds'];
  bytes?: VerticalOutcome['bytes'];
}

/** The outcome's public facts in summary form. */
export function outcomeSummary(o: VerticalOutcome): Required<Pick<VerticalRunSummary, 'federated' | 'labelHolderOnly' | 'psi' | 'rows' | 'steps' | 'seconds' | 'bytes'>> {
  return {
    federated: { auc: o.metrics.auc, ks: o.metrics.ks, logLoss: o.metrics.logLoss, n: o.rows.test },
    labelHolderOnly: { auc: o.labelHolderOnly.auc, ks: o.labelHolderOnly.ks },
    psi: o.psi,
    rows: o.rows,
    steps: o.steps,
    seconds: o.seconds,
    bytes: o.bytes,
  };
}

/** Builds the summary from a vertical job's final status. */
export function summarizeVertical(s: JobStatus): VerticalRunSummary {
  const outcome = s.verticalJson ? (JSON.parse(s.verticalJson) as VerticalOutcome) : undefined;
  return {
    jobId: s.jobId, name: s.name, state: s.state, ...(s.error ? { error: s.error } : {}),
    aggregation: 'vertical', guarantee: s.guarantee, participants: s.participants,
    ...(outcome ? outcomeSummary(outcome) : {}),
  };
}

/** The summary as lines: metrics, rows, intersection counts, seconds and the guarantee. */
export function verticalSummaryLines(s: VerticalRunSummary, labelHolder: string, centralized?: { auc: number; ks: number }): string[] {
  const lines: string[] = [];
  const row = (what: string, m: { auc: number; ks: number }) => `  ${what.padEnd(44)} AUC ${fmt(m.auc)}  KS ${fmt(m.ks)}`;
  if (s.federated && s.labelHolderOnly) {
    lines.push(row(`joint model (held out, ${s.federated.n} rows)`, s.federated));
    lines.push(row(`${labelHolder}'s columns only (same rows, same steps)`, s.labelHolderOnly));
    if (centralized) lines.push(row('all columns pooled in the clear (reference)', centralized));
  }
  if (s.rows) lines.push(`  rows: ${s.rows.aligned} aligned (${labelHolder}'s), ${s.rows.train} training, ${s.rows.test} held out; ${s.steps} steps`);
  if (s.psi) {
    const L = s.psi.labelIds;
    const pct = (n: number) => `${((100 * n) / Math.max(1, L)).toFixed(1)} %`;
    lines.push(`  intersection: ${Object.entries(s.psi.shared).map(([p, n]) => `${p} has ${n} of ${labelHolder}'s ${L} IDs (${pct(n)}; ${s.psi!.partyIds[p]} IDs in all)`).join('; ')}`);
    const left = Object.entries(s.psi.leftOut).filter(([, l]) => l.empty + l.malformed + l.duplicate > 0);
    if (left.length) lines.push(`  IDs left out: ${left.map(([p, l]) => `${p} ${l.empty} empty, ${l.malformed} malformed, ${l.duplicate} repeated`).join('; ')}`);
  }
  if (s.seconds) {
    const t = s.seconds;
    lines.push(`  seconds: keys ${t.keys.toFixed(1)}, intersection ${t.psi.toFixed(1)}, training ${t.train.toFixed(1)}, evaluation ${t.evaluate.toFixed(1)}, total ${t.total.toFixed(1)}`);
  }
  lines.push(`guarantee: ${s.guarantee}`);
  return lines;
}

/** Flags of `fedcredit run` that matter for a vertical job. */
export interface VerticalRunFlags {
  coordinator: string;
  out?: string;
  schema?: string;
  aggregation?: string;
  json: boolean;
}

/** Refuses the flags that have no meaning for a vertical job, with the reason. */
export function refuseHorizontalRunFlags(jobFile: string, o: Pick<VerticalRunFlags, 'out' | 'schema' | 'aggregation'>): void {
  if (o.out !== undefined) {
    throw new UsageError(`${jobFile} is a vertical job: there is no single model to save with --out — each party keeps the part of the model for its own columns, and the coordinator never holds weights`);
  }
  if (o.schema !== undefined) throw new UsageError(`${jobFile} is a vertical job: --schema does not apply (each party describes its own columns)`);
  if (o.aggregation !== undefined) throw new UsageError(`${jobFile} is a vertical job: --aggregation does not apply (it always computes on secret shares)`);
}

/** Submits the job, follows it and returns its summary (a failed job included; never throws for one). */
export async function runVerticalOnCoordinator(loaded: LoadedVerticalJob, coordinator: string, print: (line: string) => void, control?: ControlOptions): Promise<VerticalRunSummary> {
  const client = new ControlClient(coordinator, control);
  try {
    const jobId = await client.submitVertical(loaded.vertical);
    const job = loaded.vertical;
    print(`submitted vertical job ${jobId} (${job.name}) to ${coordinator}: label holder ${job.labelHolder}, feature parties ${job.featureParties.join(', ')}`);
    let last = '';
    let told = false;
    const final = await client.follow(jobId, (e) => {
      told = false;
      if (e.message && e.message !== last) print(`  ${e.message}`);
      last = e.message;
    }, {
      onReattach: (reason) => {
        if (!told) print(`! lost the coordinator (${reason}); re-attaching to job ${jobId}`);
        told = true;
      },
    });
    return summarizeVertical(final);
  } finally {
    client.close();
  }
}

/** The whole `fedcredit run` for a vertical job: checks, run, output, exit code. */
export async function verticalRunCommand(loaded: LoadedVerticalJob, o: VerticalRunFlags, control?: ControlOptions): Promise<void> {
  refuseHorizontalRunFlags(loaded.jobFile, o);
  const print = o.json ? (l: string) => process.stderr.write(l + '\n') : (l: string) => process.stdout.write(l + '\n');
  const summary = await runVerticalOnCoordinator(loaded, o.coordinator, print, control);
  if (o.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  else if (summary.state === 'SUCCEEDED') {
    print(`job ${summary.jobId} succeeded (vertical: ${summary.participants.join(', ')})`);
    for (const l of verticalSummaryLines(summary, loaded.vertical.labelHolder)) print(l);
  }
  if (summary.state !== 'SUCCEEDED') {
    process.stderr.write(`job ${summary.jobId} ${summary.state === 'CANCELLED' ? 'was cancelled' : 'failed'}: ${summary.error}\n`);
    process.exitCode = 1;
  }
}
