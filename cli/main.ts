/**
 * The `fedcredit` command line. Commander parses arguments (well kept, typed, generates help);
 * each command's work lives in its own module. Errors from bad input print one clear line and
 * exit with code 2; a failed job exits with code 1.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DataError } from '../core/data/errors.ts';
import { CoreInputError } from '../core/types.ts';
import type { Level } from '../platform/log-format.ts';
import { AuditLogError } from '../coordinator/audit-log-error.ts';
import type { ControlOptions } from '../client/control-client.ts';
import { TrustConfigError } from '../trust/errors.ts';
import { connectControl } from './control-connect.ts';
import { addDashboardOptions, dashboardFromFlags } from './dashboard-options.ts';
import { addDataSourceOptions, dataSourceFlags, refuseDataSourceFlags } from './data-source-options.ts';
import { UsageError } from './errors.ts';
import { logFormatOf, logFormatOption } from './log-options.ts';
import { addVerticalParticipantOptions, checkParticipantMode } from './participant-mode-options.ts';
import { addReportOption, registerReportCommand } from './report-cmd.ts';
import { addSimStateOptions } from './sim-state.ts';
import { addTransportOptions } from './transport-options.ts';
import { addVerticalSimulateOptions } from './vertical-simulate-options.ts';
import { registerAuditCommand } from './audit-cmd.ts';
import { registerBudgetCommand } from './budget-cmd.ts';
import { registerCertsCommand } from './certs-cmd.ts';
import { registerExportCommand } from './export-cmd.ts';
import { registerFetchCommand } from './fetch-cmd.ts';
import { registerIdentityRosterCommands } from './identity-roster-cmd.ts';
import { registerJobCommands } from './jobs-cmd.ts';
import { registerPrivacyCommand } from './privacy-cmd.ts';
import { registerPsiCommand } from './psi-cmd.ts';
import { registerScoreCommands } from './score-cmd.ts';

// Each command loads what it runs on (gRPC, tfjs, pg, the coordinator, the simulators) inside its
// action, with import(): declaring the commands loads none of it, so `fedcredit --help`,
// `privacy`, `certs` and the other offline commands start without loading the training stack.

const stderrLine = (l: string) => process.stderr.write(l + '\n');

/** Control API options (mutual TLS, operator token) from a command's transport flags. */
const controlOptions = async (o: Record<string, unknown>): Promise<ControlOptions> => (await import('./transport.ts')).controlOptionsFrom(o, stderrLine);

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return n;
};
const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got "${v}"`);
  return n;
};
const levels = new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error', 'silent']).default('info');
const collect = (v: string, prev: string[]) => [...prev, v];

const program = new Command('fedcredit')
  .description('Privacy-preserving federated training of credit-risk models over gRPC')
  .version('0.1.0')
  .showHelpAfterError();

const coordinatorCmd = program
  .command('coordinator')
  .description('run the coordinator (Fleet API for participants, Control API for data scientists)')
  .requiredOption('--port <port>', 'TCP port (0 = any free port)', int('--port'))
  .requiredOption('--state-dir <dir>', 'where jobs, rounds and models are persisted')
  .option('--host <host>', 'interface to listen on', '127.0.0.1')
  .option('--max-message-mb <mb>', 'maximum gRPC message size in MiB', int('--max-message-mb'), 256)
  .option('--heartbeat-timeout-ms <ms>', 'a participant silent this long is considered gone', int('--heartbeat-timeout-ms'), 10_000)
  .option('--heartbeat-interval-ms <ms>', 'how often participants send heartbeats (default: a fifth of the timeout)', int('--heartbeat-interval-ms'))
  .option('--record-messages <file>', 'append every received Fleet message to FILE (JSON lines, for audits)')
  .addOption(levels)
  .addOption(logFormatOption());
addDashboardOptions(coordinatorCmd);
addTransportOptions(coordinatorCmd, 'coordinator').action(async (o) => {
    const [{ resolveTransport }, { startCoordinator }, { createLogger }] = await Promise.all([
      import('./transport.ts'), import('../coordinator/server.ts'), import('../platform/log.ts'),
    ]);
    const t = resolveTransport(o, 'coordinator', stderrLine);
    if (!o.insecure && !t.roster) throw new UsageError('the coordinator needs the consortium roster: roster.json in --credentials, or --roster FILE');
    if (o.heartbeatIntervalMs !== undefined && !(o.heartbeatIntervalMs > 0 && o.heartbeatIntervalMs < o.heartbeatTimeoutMs)) {
      throw new UsageError(`--heartbeat-interval-ms must be positive and below --heartbeat-timeout-ms (${o.heartbeatTimeoutMs}), got ${o.heartbeatIntervalMs}`);
    }
    const c = await startCoordinator({
      host: o.host, port: o.port, stateDir: o.stateDir, maxMessageBytes: o.maxMessageMb * 1024 * 1024,
      heartbeatTimeoutMs: o.heartbeatTimeoutMs, ...(o.heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs: o.heartbeatIntervalMs } : {}), recordMessages: o.recordMessages, logLevel: o.logLevel as Level,
      logger: createLogger('coordinator', o.logLevel as Level, logFormatOf(o)),
      ...(t.tls ? { tls: t.tls } : {}), ...(t.roster ? { roster: t.roster } : {}), ...dashboardFromFlags(o, t.roster),
    });
    process.stdout.write(`coordinator listening on ${c.address}\n`);
    if (c.dashboard) process.stdout.write(`dashboard on ${c.dashboard.url} (open it with ?token=<operator token>)\n`);
    const stop = () => void c.stop().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

const participantCmd = program
  .command('participant')
  .description('run a participant node beside its private data, a CSV file or a PostgreSQL table or query (horizontal jobs with --schema; vertical jobs with --vertical, CSV only)')
  .requiredOption('--coordinator <host:port>', 'coordinator address')
  .requiredOption('--name <name>', 'institution name, unique in the consortium')
  .requiredOption('--data <file.csv|postgres-url>', 'private data: a CSV file, or postgres://USER@HOST:PORT/DATABASE[?table=TABLE] (see --data-table, --data-query, --data-password-file)')
  .option('--schema <schema.json>', 'shared schema file (horizontal jobs; required without --vertical)')
  .option('--role <role>', 'platform | bank | customs | other', 'other')
  .option('--allow-plain-aggregation', 'also take part in jobs with aggregation "plain", where the coordinator sees this node\'s vectors (debugging only)', false)
  .option('--state-dir <dir>', 'this node\'s own state (required without --vertical): the history of what it helped unmask (so no sum can single it out, even across restarts), privacy ledger, receipts and (without an identity key) the receipt signing key; with --vertical: the trained jobs it keeps to score after a restart')
  .option('--privacy-budget-epsilon <eps>', 'the institution\'s differential-privacy budget ε over all jobs; the node then trains only with DP and refuses tasks beyond it', positive('--privacy-budget-epsilon'))
  .option('--privacy-budget-delta <delta>', 'δ of the privacy budget', positive('--privacy-budget-delta'), 1e-5)
  .option('--policy <policy.json>', 'this institution\'s policy file: models, features, minimum other participants, maximum ε and rounds per job, plain aggregation; jobs breaking it are refused before data is touched')
  .addOption(levels)
  .addOption(logFormatOption());
addVerticalParticipantOptions(addDataSourceOptions(participantCmd));
addTransportOptions(participantCmd, 'participant').action(async (o) => {
  const { resolveTransport } = await import('./transport.ts');
  if (checkParticipantMode(o) === 'vertical') {
    refuseDataSourceFlags(o, '--vertical');
    const { verticalParticipantCommand } = await import('./vertical-participant-cmd.ts');
    return verticalParticipantCommand({ ...o, logLevel: o.logLevel as Level, logFormat: logFormatOf(o), transport: resolveTransport(o, 'participant', stderrLine) });
  }
  const { participantCommand } = await import('./participant-cmd.ts');
  return participantCommand({
      coordinator: o.coordinator, name: o.name, role: o.role, data: o.data, dataSource: dataSourceFlags(o), schema: o.schema, logLevel: o.logLevel as Level, logFormat: logFormatOf(o),
      allowPlain: o.allowPlainAggregation === true, stateDir: o.stateDir, policy: o.policy,
      transport: resolveTransport(o, 'participant', stderrLine),
      ...(o.privacyBudgetEpsilon !== undefined ? { privacyBudget: { epsilon: o.privacyBudgetEpsilon, delta: o.privacyBudgetDelta } } : {}),
    });
});

const runCmd = program
  .command('run')
  .description('submit a job to a coordinator, follow it, save the model (a vertical job file: follow it and report; each party keeps its part of the model)')
  .requiredOption('--coordinator <host:port>', 'coordinator address')
  .requiredOption('--job <job.json>', 'job file')
  .option('--schema <schema.json>', 'schema file (default: the one the job names)')
  .option('--out <dir>', 'save the model (tfjs format) and metadata.json here')
  .option('--json', 'print one machine-readable summary on stdout', false)
  .option('--report <file.html>', 'also write a self-contained HTML report of the job to FILE')
  .addOption(aggregationOption());
addTransportOptions(runCmd, 'operator').action(async (o) => {
    const { isLoadedVertical, loadAnyJobFile } = await import('./job-file.ts');
    const any = loadAnyJobFile(o.job, o.schema, o.aggregation ? { aggregation: o.aggregation } : {});
    if (isLoadedVertical(any)) return (await import('./vertical-run.ts')).verticalRunCommand(any, o, await controlOptions(o));
    const loaded = any;
    const print = o.json ? (l: string) => process.stderr.write(l + '\n') : (l: string) => process.stdout.write(l + '\n');
    const [{ runJobOnCoordinator }, { fmt }] = await Promise.all([import('./run.ts'), import('./progress.ts')]);
    const { summary } = await runJobOnCoordinator({ coordinator: o.coordinator, loaded, outDir: o.out, json: o.json, print, control: await controlOptions(o), reportFile: o.report });
    if (o.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    else if (summary.state === 'SUCCEEDED') print(`job ${summary.jobId} succeeded: AUC ${fmt(summary.federated.auc)}  KS ${fmt(summary.federated.ks)}  (${summary.guarantee})`);
    if (summary.state !== 'SUCCEEDED') {
      process.stderr.write(`job ${summary.jobId} ${summary.state === 'CANCELLED' ? 'was cancelled' : 'failed'}: ${summary.error}\n`);
      process.exitCode = 1;
    }
  });

/** `--aggregation`: override the job file's aggregation mode. */
function aggregationOption(): Option {
  return new Option('--aggregation <mode>', 'override the job\'s aggregation: secagg (secure aggregation) or plain (debugging; the coordinator sees each vector)').choices([
    'secagg',
    'plain',
  ]);
}

const addSimulateOptions = (cmd: Command) =>
  addReportOption(addSimStateOptions(cmd))
    .option('--schema <schema.json>', 'schema file (default: the one the job names)')
    .option('--rounds <n>', 'override the job\'s number of rounds', int('--rounds'))
    .addOption(aggregationOption())
    .option('--state-dir <dir>', 'coordinator state and participant logs (default: a temp dir)')
    .option('--out <dir>', 'save the federated model and metadata here')
    .option('--json', 'print the report as JSON on stdout', false)
    .option('--in-process', 'run coordinator and every member in this process (in-memory grid, real secure aggregation and DP): fast, and fits 100+ members', false);

addVerticalSimulateOptions(addSimulateOptions(
  program
    .command('simulate')
    .description('simulate a consortium on this machine: coordinator + one participant process per party, with centralized and local-only references; a vertical job file runs every party in this process, with the pooled-columns reference')
    .requiredOption('--job <job.json>', 'job file')
    .requiredOption('--party <name=file.csv>', 'a party and its data: NAME=FILE.csv or NAME=postgres://USER@HOST:PORT/DB?table=TABLE (password from PGPASSWORD or the pgpass file) (repeat)', collect, [])
    .option('--seed <n>', 'with --in-process or a vertical job: seed every secret random draw (and a vertical job\'s row plan), for a replayable run', int('--seed')),
)).action(async (o) => {
  const [{ isLoadedVertical, loadAnyJobFile }, vertical] = await Promise.all([import('./job-file.ts'), import('./vertical-simulate.ts')]);
  const any = loadAnyJobFile(o.job, o.schema, { ...(o.rounds ? { rounds: o.rounds } : {}), ...(o.aggregation ? { aggregation: o.aggregation } : {}) });
  if (isLoadedVertical(any)) return vertical.verticalSimulateCommand(any, o);
  vertical.refuseVerticalSimulateFlags(o.job, o);
  const { parseParties } = await import('./simulate.ts');
  const loaded = any;
  const print = o.json ? (l: string) => process.stderr.write(l + '\n') : (l: string) => process.stdout.write(l + '\n');
  if (o.inProcess) {
    if (o.port !== undefined) throw new UsageError('--port sets the port of the coordinator process; --in-process runs none');
    const { printInProcessReport, simulateInProcess } = await import('./simulate-in-process.ts');
    printInProcessReport(await simulateInProcess({ loaded, parties: parseParties(o.party), stateDir: o.stateDir, print, keepState: o.keepState, reportFile: o.report, ...(o.seed !== undefined ? { seed: o.seed } : {}), ...(o.out ? { outDir: o.out } : {}) }), o.json, print);
    return;
  }
  const [{ simulate }, { renderReport }] = await Promise.all([import('./simulate.ts'), import('./report.ts')]);
  const report = await simulate({ loaded, parties: parseParties(o.party), stateDir: o.stateDir, outDir: o.out, json: o.json, print, port: o.port, keepState: o.keepState, reportFile: o.report });
  if (o.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else for (const l of renderReport(report)) print(l);
  if (report.state !== 'SUCCEEDED') process.exitCode = 1;
});

addSimulateOptions(
  program
    .command('demo')
    .description('generate the synthetic consortium (platform, two banks, customs) and simulate it')
    .option('--job <job.json>', 'job file (default: examples/synthetic/job-dp.json: LR, 20 rounds, secure aggregation, record-level DP at ε = 3)')
    .option('--seed <n>', 'generator seed (default: the demo data seed)', int('--seed'))
    .option('--scale <x>', 'size multiplier of the generated parties', (v) => Number(v), 1)
    .option('--members <n>', 'split the consortium into n institutions of the four kinds (default 4)', int('--members')),
).action(async (o) => (await import('./demo.ts')).demoCommand(o));

program
  .command('verify-receipts')
  .description('check a participant\'s signed privacy receipts: signatures, hash chain, ε within budget')
  .requiredOption('--receipts <file>', 'the participant\'s receipts.jsonl (in <state-dir>/privacy/)')
  .option('--roster <roster.json>', 'pin the receipts to the key the consortium roster lists for --participant')
  .option('--participant <name>', 'the participant whose receipts these are (with --roster)')
  .option('--public-key <hex|file>', 'check against this key instead (default: receipt-key.pub beside the file, from the participant\'s own state dir)')
  .option('--json', 'print the result as JSON', false)
  .action(async (o) => {
    const { verifyReceiptsCommand } = await import('./verify-receipts-cmd.ts');
    process.exitCode = verifyReceiptsCommand(
      { receipts: o.receipts, publicKey: o.publicKey, roster: o.roster, participant: o.participant, json: o.json },
      (l) => process.stdout.write(l + '\n'),
    );
  });

const schema = program.command('schema').description('schema tools');
schema
  .command('infer')
  .description('print a starting schema inferred from a sample CSV')
  .argument('<file.csv>', 'sample data file')
  .requiredOption('--label <column>', 'label column')
  .requiredOption('--positive <value>', 'label value of the positive ("bad") class')
  .option('--max-levels <n>', 'categoricals with more distinct values are ignored', int('--max-levels'), 50)
  .option('--out <file>', 'write the schema here instead of stdout')
  .action(async (file: string, o) => (await import('./schema-cmd.ts')).inferCommand(file, o));

const participantsCmd = program
  .command('participants')
  .description('list the participants a coordinator knows')
  .requiredOption('--coordinator <host:port>', 'coordinator address')
  .option('--json', 'JSON output', false);
addTransportOptions(participantsCmd, 'operator').action(async (o) => {
    const c = await connectControl(o.coordinator, o);
    try {
      const list = await c.participants();
      if (o.json) process.stdout.write(JSON.stringify(list, null, 2) + '\n');
      else for (const p of list) process.stdout.write(`${p.name.padEnd(20)} ${p.role.padEnd(10)} ${p.connected ? 'connected' : 'gone'}  last seen ${new Date(p.lastSeenUnixMs).toISOString()}\n`);
    } finally {
      c.close();
    }
  });

registerPrivacyCommand(program);
registerBudgetCommand(program);
registerPsiCommand(program);
registerAuditCommand(program);
registerCertsCommand(program);
registerJobCommands(program);
registerFetchCommand(program);
registerScoreCommands(program);
registerExportCommand(program);
registerIdentityRosterCommands(program);
registerReportCommand(program);

program.parseAsync(process.argv).catch(async (err: unknown) => {
  if (err instanceof UsageError || err instanceof TrustConfigError || err instanceof DataError || err instanceof CoreInputError || err instanceof AuditLogError) {
    process.stderr.write(`fedcredit: ${err.message}\n`);
    process.exit(2);
  }
  const e = err as { code?: number; details?: string; message?: string };
  if (typeof e.code === 'number' && e.details !== undefined) {
    const { explainCallFailure } = await import('./transport.ts');
    process.stderr.write(`fedcredit: coordinator call failed: ${explainCallFailure(e.code, e.details || e.message || '')}\n`);
    process.exit(2);
  }
  process.stderr.write(`fedcredit: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
