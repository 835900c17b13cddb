/**
 * `fedcredit participant`: validate the local CSV against the schema (nothing is sent when it is
 * invalid), then serve the coordinator's tasks until interrupted.
 */
import { createHash } from 'node:crypto';
import { loadSchemaFile, loadTable } from '../participant/data/load';
import { chain, errorToRefusalMod, schemaCheckMod } from '../participant/handler';
import { localHandler } from '../participant/local-handler';
import { openNodePrivacy } from '../participant/privacy/node-privacy';
import type { NodePrivacy } from '../participant/privacy/node-privacy';
import { UsageError } from './errors';
import { secAggMod } from '../participant/secagg-mod';
import { ParticipantNode } from '../participant/node';
import { initBackend } from '../participant/trainer/backend';
import { createLogger } from '../coordinator/log';
import type { Level } from '../coordinator/log';

/** Canonical digest of a schema (key order independent). */
export function schemaDigest(schema: unknown): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])])) : v;
  return createHash('sha256').update(JSON.stringify(canon(schema))).digest('hex');
}

/** Options of the participant command. */
export interface ParticipantCmdOptions {
  coordinator: string;
  name: string;
  role: string;
  data: string;
  schema: string;
  logLevel: Level;
  /** Take part in plain (unmasked) aggregation when a job asks for it. */
  allowPlain?: boolean;
  /** The node's own state (privacy ledger, receipt key). */
  stateDir?: string;
  /** The institution's differential-privacy budget; with it, the node trains only with DP. */
  privacyBudget?: { epsilon: number; delta: number };
}

/** Runs a participant node until SIGINT/SIGTERM. */
export async function participantCommand(o: ParticipantCmdOptions): Promise<void> {
  const log = createLogger(`participant:${o.name}`, o.logLevel);
  const schema = loadSchemaFile(o.schema);
  const { table, warnings } = loadTable(o.data, schema);
  for (const w of warnings) log.warn(w);
  const backend = await initBackend();
  log.info('data loaded', { file: o.data, rows: table.n, positives: table.labels.reduce((a, b) => a + b, 0), backend: backend.name });
  const digest = schemaDigest(schema);
  let privacy: NodePrivacy | undefined;
  if (o.privacyBudget) {
    if (!o.stateDir) throw new UsageError('--privacy-budget-epsilon needs --state-dir, where the node keeps its privacy ledger and receipt key');
    try {
      privacy = openNodePrivacy(o.name, o.stateDir, o.privacyBudget);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const spent = privacy.ledger.spent();
    log.info('privacy ledger opened', { file: privacy.ledger.file, budgetEpsilon: spent.budget.epsilon, delta: spent.delta, spentEpsilon: spent.epsilon, receiptKey: privacy.signer.publicKeyHex });
  }
  const handler = chain(
    localHandler(o.name, table, (jobId, round, m) => log.info('local metrics (this node only)', { job: jobId, round, auc: m.auc, ks: m.ks, logLoss: m.logLoss, n: m.n }), privacy),
    [errorToRefusalMod, schemaCheckMod(digest, schemaDigest), secAggMod({ name: o.name, allowPlain: o.allowPlain })],
  );
  const node = new ParticipantNode({ coordinator: o.coordinator, name: o.name, role: o.role, schemaDigest: digest, handler, log });
  const stop = () => {
    log.info('stopping');
    node.stop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await node.run();
}
