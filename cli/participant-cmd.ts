/**
 * `fedcredit participant`: validate the local data — a CSV file or a PostgreSQL table or query —
 * against the schema (nothing is sent when it is invalid), then serve the coordinator's tasks until
 * interrupted. The node itself is assembled by participant/create.ts; this command adds files,
 * logging and signals.
 */
import { loadSchemaFile } from '../participant/data/load.ts';
import { dataSourceWarnings, describeDataSource, loadDataSource, parseDataSource } from '../participant/data/source.ts';
import type { DataSourceFlags } from '../participant/data/source.ts';
import { createParticipant, ParticipantSetupError } from '../participant/create.ts';
import type { Participant } from '../participant/create.ts';
import { UsageError } from './errors.ts';
import { initBackend } from '../participant/trainer/backend.ts';
import { loadPolicy, policyWarnings } from '../participant/policy.ts';
import type { Policy } from '../participant/policy.ts';
import { createLogger } from '../platform/log.ts';
import type { Level, LogFormat } from '../platform/log.ts';
import type { Transport } from './transport.ts';
import { clientCredentials } from '../trust/tls.ts';
import { FleetRefusedError } from '../participant/node.ts';

/** Options of the participant command. */
export interface ParticipantCmdOptions {
  coordinator: string;
  name: string;
  role: string;
  /** A CSV path or a postgres:// URL (see {@link dataSource}). */
  data: string;
  /** With a postgres:// `data`: the table or query and the password file (participant/data/source.ts). */
  dataSource?: Omit<DataSourceFlags, 'data'>;
  schema: string;
  logLevel: Level;
  /** Log lines: readable, JSON, or readable on a terminal only (default). */
  logFormat?: LogFormat;
  /** Take part in plain (unmasked) aggregation when a job asks for it. */
  allowPlain?: boolean;
  /** The node's own state: release history, privacy ledger, receipts, and the receipt key when there is no identity. Required. */
  stateDir: string;
  /** The institution's differential-privacy budget; with it, the node trains only with DP. */
  privacyBudget?: { epsilon: number; delta: number };
  /**
   * The institution's policy file (participant/policy.ts): every task's job is checked against it
   * before data is touched. Plain aggregation then needs both `allowPlain` and the policy's
   * allowPlainAggregation.
   */
  policy?: string;
  /** Mutual TLS, identity key and roster (cli/transport.ts); empty for an `--insecure` test network. */
  transport?: Transport;
}

/** Runs a participant node until SIGINT/SIGTERM. */
export async function participantCommand(o: ParticipantCmdOptions): Promise<void> {
  const log = createLogger(`participant:${o.name}`, o.logLevel, o.logFormat);
  const transport = o.transport ?? {};
  // A bad policy file stops the node before it reads data or connects (DataError: exit code 2).
  const policy: Policy | undefined = o.policy === undefined ? undefined : loadPolicy(o.policy);
  const schema = loadSchemaFile(o.schema);
  const source = parseDataSource({ ...o.dataSource, data: o.data });
  for (const w of dataSourceWarnings(source)) log.warn(w);
  const { table, warnings } = await loadDataSource(source, schema);
  for (const w of warnings) log.warn(w);
  const backend = await initBackend();
  log.info('data loaded', { source: describeDataSource(source), rows: table.n, positives: table.labels.reduce((a, b) => a + b, 0), backend: backend.name });
  if (policy && o.policy) {
    log.info('policy loaded', { file: o.policy, policy });
    for (const w of policyWarnings(policy, schema)) log.warn(`policy ${o.policy}: ${w}`);
    if (policy.allowPlainAggregation !== (o.allowPlain === true)) {
      log.warn('plain aggregation needs both --allow-plain-aggregation and the policy\'s allowPlainAggregation: true; this node refuses plain jobs', { policy: policy.allowPlainAggregation, flag: o.allowPlain === true });
    }
  }
  let participant: Participant;
  try {
    participant = createParticipant({
      coordinator: o.coordinator, name: o.name, role: o.role, table, schema, stateDir: o.stateDir, log, allowPlain: o.allowPlain,
      onLocalMetrics: (jobId, round, m) => log.info('local metrics (this node only)', { job: jobId, round, auc: m.auc, ks: m.ks, logLoss: m.logLoss, n: m.n }),
      ...(policy && o.policy ? { policy: { policy, file: o.policy } } : {}),
      ...(o.privacyBudget ? { privacyBudget: o.privacyBudget } : {}),
      ...(transport.identity ? { identity: transport.identity } : {}),
      ...(transport.roster ? { roster: transport.roster } : {}),
      ...(transport.tls ? { credentials: clientCredentials(transport.tls) } : {}),
    });
  } catch (err) {
    if (err instanceof ParticipantSetupError) throw new UsageError(err.message);
    throw err;
  }
  if (participant.privacy) {
    const spent = participant.privacy.ledger.spent();
    log.info('privacy ledger opened', {
      file: participant.privacy.ledger.file, budgetEpsilon: spent.budget.epsilon, delta: spent.delta, spentEpsilon: spent.epsilon,
      receiptKey: participant.privacy.signer.publicKeyHex, receiptKeySource: participant.privacy.signer.keySource,
    });
    if (participant.privacy.signer.keySource === 'state-dir') log.warn('no identity key: privacy receipts are signed with this state dir\'s own key, which no roster lists, so they cannot be told apart from receipts someone else made (test networks only)');
  }
  if (!transport.identity) log.warn('no identity key: messages are not signed, so only a coordinator without a roster (test network) accepts this node');
  const stop = () => {
    log.info('stopping');
    participant.stop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await participant.run();
  } catch (err) {
    if (err instanceof FleetRefusedError) throw new UsageError(err.message);
    throw err;
  }
}
