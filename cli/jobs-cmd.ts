/**
 * Job management commands, thin layers over the Control API client: `fedcredit jobs` (the
 * coordinator's jobs as a table or `--json`, newest first — queued, running and every stored job,
 * also after a restart; {@link ControlClient.jobs}), `status` ({@link ControlClient.status}) and
 * `cancel` ({@link ControlClient.cancel}).
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { JobSummary } from '../client/control-client.ts';
import { connectControl } from './control-connect.ts';
import { fmt, secureStepsLine } from './progress.ts';
import { addTransportOptions } from './transport-options.ts';

const STATES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];

/** A listing as plain JSON: times as ISO strings, metrics only when the job was evaluated. */
export function jobSummaryJson(j: JobSummary): Record<string, unknown> {
  const at = (ms: string | number) => (Number(ms) > 0 ? new Date(Number(ms)).toISOString() : null);
  return {
    jobId: j.jobId, name: j.name, state: j.state, stage: j.stage, ...(j.error ? { error: j.error } : {}),
    roundsCompleted: j.roundsCompleted, roundsTotal: j.roundsTotal, model: j.model, aggregation: j.aggregation, privacy: j.privacy,
    createdAt: at(j.createdUnixMs), finishedAt: at(j.finishedUnixMs), participants: j.participants,
    ...(j.metrics ? { metrics: { round: j.metricsRound, auc: j.metrics.auc, ks: j.metrics.ks, gini: j.metrics.gini, logLoss: j.metrics.logLoss, n: j.metrics.n } } : {}),
  };
}

/** The table `fedcredit jobs` prints: one line per job, the error (cut) under a failed one. */
export function jobsTable(jobs: readonly JobSummary[], total: number): string[] {
  if (jobs.length === 0) return ['no jobs'];
  const lines = [`${'job'.padEnd(34)} ${'name'.padEnd(28)} ${'state'.padEnd(9)} ${'rounds'.padStart(7)}  ${'model'.padEnd(10)} ${'AUC'.padStart(6)} ${'KS'.padStart(6)}  created`];
  for (const j of jobs) {
    const created = Number(j.createdUnixMs) > 0 ? new Date(Number(j.createdUnixMs)).toISOString().replace('T', ' ').slice(0, 19) : '—';
    lines.push(
      `${j.jobId.padEnd(34)} ${j.name.slice(0, 28).padEnd(28)} ${j.state.padEnd(9)} ${`${j.roundsCompleted}/${j.roundsTotal}`.padStart(7)}  ${j.model.slice(0, 10).padEnd(10)} ${fmt(j.metrics?.auc, 3).padStart(6)} ${fmt(j.metrics?.ks, 3).padStart(6)}  ${created}`,
    );
    if (j.error && j.state !== 'SUCCEEDED') lines.push(`    ${j.error.length > 160 ? `${j.error.slice(0, 157)}...` : j.error}`);
  }
  if (total > jobs.length) lines.push(`(${jobs.length} of ${total} jobs shown; --limit N for more)`);
  return lines;
}

/** Registers `fedcredit jobs`, `status` and `cancel`. */
export function registerJobCommands(program: Command): void {
  const cmd = program
    .command('jobs')
    .description('list the coordinator\'s jobs, newest first: state, rounds, model, last AUC/KS (also jobs run before a restart)')
    .requiredOption('--coordinator <host:port>', 'coordinator address')
    .option('--state <state>', `only jobs in this state: ${STATES.join(', ')}`, (v: string) => {
      const s = v.toUpperCase();
      if (!STATES.includes(s)) throw new InvalidArgumentError(`--state must be one of ${STATES.join(', ')}`);
      return s;
    })
    .option('--limit <n>', 'at most this many jobs (default 50, at most 1000)', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('--limit must be an integer from 1 to 1000');
      return n;
    })
    .option('--json', 'print the list as JSON', false);
  addTransportOptions(cmd, 'operator').action(async (o) => {
    const c = await connectControl(o.coordinator, o);
    try {
      const { jobs, total } = await c.jobs({ ...(o.limit ? { limit: o.limit } : {}), ...(o.state ? { state: o.state } : {}) });
      if (o.json) process.stdout.write(`${JSON.stringify({ total, jobs: jobs.map(jobSummaryJson) }, null, 2)}\n`);
      else for (const l of jobsTable(jobs, total)) process.stdout.write(`${l}\n`);
    } finally {
      c.close();
    }
  });

  const statusCmd = program
    .command('status')
    .description('show a job\'s state, stage and last round (to follow it live, use run)')
    .requiredOption('--coordinator <host:port>', 'coordinator address')
    .requiredOption('--job <job-id>', 'the job id that run or simulate printed')
    .option('--json', 'print the whole status as JSON', false);
  addTransportOptions(statusCmd, 'operator').action(async (o) => {
    const c = await connectControl(o.coordinator, o);
    try {
      const s = await c.status(o.job);
      if (o.json) {
        process.stdout.write(JSON.stringify(s, null, 2) + '\n');
      } else {
        const last = s.rounds[s.rounds.length - 1];
        const m = last?.metrics;
        const steps = last ? secureStepsLine(last) : undefined;
        process.stdout.write(
          `job ${s.jobId} (${s.name}): ${s.state}, ${s.roundsCompleted}/${s.roundsTotal} rounds${s.stage ? `, ${s.stage}` : ''}\n` +
            (m ? `last round ${last.round}: participants ${last.participants.length}  AUC ${fmt(m.auc)}  KS ${fmt(m.ks)}\n` : '') +
            (steps ? `${steps}\n` : '') +
            (s.error ? `error: ${s.error}\n` : '') +
            `aggregation: ${s.guarantee}\n`,
        );
      }
      if (s.state === 'FAILED' || s.state === 'CANCELLED') process.exitCode = 1;
    } finally {
      c.close();
    }
  });

  const cancelCmd = program
    .command('cancel')
    .description('cancel a job: a queued one never runs, a running one stops at once (state CANCELLED)')
    .requiredOption('--coordinator <host:port>', 'coordinator address')
    .requiredOption('--job <job-id>', 'the job id that run or simulate printed')
    .option('--json', 'print the final status as JSON', false);
  addTransportOptions(cancelCmd, 'operator').action(async (o) => {
    const c = await connectControl(o.coordinator, o);
    try {
      const s = await c.cancel(o.job);
      if (o.json) process.stdout.write(JSON.stringify(s, null, 2) + '\n');
      else process.stdout.write(`job ${s.jobId} (${s.name}): ${s.state} after ${s.roundsCompleted}/${s.roundsTotal} rounds: ${s.error}\n`);
    } finally {
      c.close();
    }
  });
}
