/**
 * `fedcredit participant`: validate the local CSV against the schema (nothing is sent when it is
 * invalid), then serve the coordinator's tasks until interrupted.
 */
import { schemaDigest } from '../core/data/schema-digest.ts';
import { loadSchemaFile, loadTable } from '../participant/data/load.ts';
import { chain, errorToRefusalMod, schemaCheckMod } from '../participant/handler.ts';
import { localHandler } from '../participant/local-handler.ts';
import { openNodePrivacy } from '../participant/privacy/node-privacy.ts';
import type { NodePrivacy } from '../participant/privacy/node-privacy.ts';
import { UsageError } from './errors.ts';
import { secAggMod } from '../participant/secagg-mod.ts';
import { ParticipantNode } from '../participant/node.ts';
import { initBackend } from '../participant/trainer/backend.ts';
import { loadPolicy, policyMod, policyWarnings } from '../participant/policy.ts';
import type { Policy } from '../participant/policy.ts';
import { createLogger } from '../platform/log.ts';
import type { Level } from '../platform/log.ts';
import type { Transport } from './transport.ts';
import { clientCredentials } from '../trust/tls.ts';
import { FleetRefusedError } from '../participant/node.ts';
import { memberKeys } from '../trust/format.ts';
import { ReleaseLog } from '../participant/releases/log.ts';

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

/** Checks that the identity is the one the roster lists for this node's name. */
function checkIdentity(t: Transport, name: string): void {
  const id = t.identity;
  if (!id) return;
  if (id.name !== name) throw new UsageError(`the identity key is for "${id.name}", but this node runs as --name ${name}`);
  if (!t.roster) return;
  const m = t.roster.members.find((x) => x.name === name);
  if (!m) throw new UsageError(`"${name}" is not a member of consortium "${t.roster.consortium}" in the roster`);
  if (m.publicKey !== Buffer.from(id.publicKey).toString('hex')) throw new UsageError(`the roster lists a different identity key for "${name}" than the identity file holds`);
}

/** Runs a participant node until SIGINT/SIGTERM. */
export async function participantCommand(o: ParticipantCmdOptions): Promise<void> {
  const log = createLogger(`participant:${o.name}`, o.logLevel);
  const transport = o.transport ?? {};
  checkIdentity(transport, o.name);
  // A bad policy file stops the node before it reads data or connects (DataError: exit code 2).
  const policy: Policy | undefined = o.policy === undefined ? undefined : loadPolicy(o.policy);
  const schema = loadSchemaFile(o.schema);
  const { table, warnings } = loadTable(o.data, schema);
  for (const w of warnings) log.warn(w);
  const backend = await initBackend();
  log.info('data loaded', { file: o.data, rows: table.n, positives: table.labels.reduce((a, b) => a + b, 0), backend: backend.name });
  const digest = schemaDigest(schema);
  // What this node has helped unmask, across restarts: without it a coordinator could difference two sums.
  let releases: ReleaseLog;
  try {
    releases = ReleaseLog.open(o.stateDir);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (releases.tornMovedTo) log.warn('the release history ended in a torn line (the node stopped while writing it); moved aside', { file: releases.tornMovedTo });
  let privacy: NodePrivacy | undefined;
  if (o.privacyBudget) {
    try {
      // With an identity, receipts are signed with the key the roster lists, so they can be checked against it.
      privacy = openNodePrivacy(o.name, o.stateDir, o.privacyBudget, transport.identity);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const spent = privacy.ledger.spent();
    log.info('privacy ledger opened', {
      file: privacy.ledger.file, budgetEpsilon: spent.budget.epsilon, delta: spent.delta, spentEpsilon: spent.epsilon,
      receiptKey: privacy.signer.publicKeyHex, receiptKeySource: privacy.signer.keySource,
    });
    if (privacy.signer.keySource === 'state-dir') log.warn('no identity key: privacy receipts are signed with this state dir\'s own key, which no roster lists, so they cannot be told apart from receipts someone else made (test networks only)');
  }
  const rows = { total: table.n, positives: table.labels.reduce((a, b) => a + b, 0) };
  if (policy && o.policy) {
    log.info('policy loaded', { file: o.policy, policy });
    for (const w of policyWarnings(policy, schema)) log.warn(`policy ${o.policy}: ${w}`);
    if (policy.allowPlainAggregation !== (o.allowPlain === true)) {
      log.warn('plain aggregation needs both --allow-plain-aggregation and the policy\'s allowPlainAggregation: true; this node refuses plain jobs', { policy: policy.allowPlainAggregation, flag: o.allowPlain === true });
    }
  }
  // The policy runs first: nothing below it (schema check, secure sum, training) sees a job it forbids.
  const handler = chain(
    localHandler(o.name, table, (jobId, round, m) => log.info('local metrics (this node only)', { job: jobId, round, auc: m.auc, ks: m.ks, logLoss: m.logLoss, n: m.n }), privacy),
    [
      errorToRefusalMod,
      ...(policy && o.policy ? [policyMod({ policy, file: o.policy, self: o.name, rows })] : []),
      schemaCheckMod(digest, schemaDigest),
      secAggMod({
        name: o.name, allowPlain: o.allowPlain, releases,
        ...(policy ? { floor: { minContributors: policy.minContributors, minOtherParticipants: policy.minOtherParticipants }, maxAttemptsPerInput: policy.maxAttemptsPerInput } : {}),
        // Peers' key adverts are checked against this node's own copy of the roster, never the coordinator's word.
        ...(transport.identity && transport.roster ? { identity: { secretKey: transport.identity.secretKey, peers: memberKeys(transport.roster) } } : {}),
      }),
    ],
  );
  const node = new ParticipantNode({
    coordinator: o.coordinator, name: o.name, role: transport.identity?.role ?? o.role, schemaDigest: digest, handler, log,
    ...(transport.tls ? { credentials: clientCredentials(transport.tls) } : {}),
    ...(transport.identity ? { identity: transport.identity } : {}),
  });
  if (!transport.identity) log.warn('no identity key: messages are not signed, so only a coordinator without a roster (test network) accepts this node');
  const stop = () => {
    log.info('stopping');
    node.stop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await node.run();
  } catch (err) {
    if (err instanceof FleetRefusedError) throw new UsageError(err.message);
    throw err;
  }
}
