/**
 * Assembles a participant: the handler chain a node runs over its validated data — error to
 * refusal, the institution's policy, the schema check, secure aggregation with the release
 * guard, then the trainer with the node's privacy ledger — and, for a networked node, the Fleet
 * client that pulls tasks from a coordinator. The `fedcredit participant` command and the
 * in-process simulator both build participants here. Jobs with personalization leave each
 * member's personal models and value report in its state dir (./personal/).
 */
import type * as grpc from '@grpc/grpc-js';
import type { DataSchema } from '../core/data/schema.ts';
import { schemaDigest } from '../core/data/schema-digest.ts';
import type { Table } from '../core/data/table.ts';
import type { Rng } from '../core/types.ts';
import type { Logger } from '../platform/log.ts';
import type { Identity, Roster } from '../trust/format.ts';
import { memberKeys } from '../trust/format.ts';
import type { Mod, TaskHandler } from './handler.ts';
import { chain, errorToRefusalMod, schemaCheckMod } from './handler.ts';
import type { LocalMetricsSink } from './local-handler.ts';
import { localHandler } from './local-handler.ts';
import { ParticipantNode } from './node.ts';
import type { Policy } from './policy.ts';
import { policyMod } from './policy.ts';
import { openNodePrivacy } from './privacy/node-privacy.ts';
import type { NodePrivacy } from './privacy/node-privacy.ts';
import { ReleaseLog } from './releases/log.ts';
import { secAggMod } from './secagg-mod.ts';
import { initBackend } from './trainer/backend.ts';

/** Everything a participant's handler chain needs. */
export interface ParticipantHandlerOptions {
  /** The node's name in the consortium (the roster's name when there is one). */
  name: string;
  /** The node's rows, validated against `schema` (participant/data/load.ts `loadTable`). */
  table: Table;
  schema: DataSchema;
  /** The node's own state: release history, privacy ledger and receipts (created when missing). */
  stateDir: string;
  /** The institution's policy, with the file it came from (named in refusals). */
  policy?: { policy: Policy; file: string };
  /** The institution's differential-privacy budget; with it the node trains only with DP. */
  privacyBudget?: { epsilon: number; delta: number };
  /** Take part in plain (unmasked) aggregation when a job asks for it (the policy must allow it too). */
  allowPlain?: boolean;
  /** The node's identity key: signs privacy receipts and secure-aggregation adverts. */
  identity?: Identity;
  /** The consortium roster: peers' key adverts are checked against it, never the coordinator's word. */
  roster?: Roster;
  /** Secret randomness for secure aggregation and DP noise (default: node:crypto's CSPRNG); inject a seeded one to replay a run. */
  rng?: Rng;
  /** Extra mods, applied inside the policy and schema checks and outside secure aggregation. */
  mods?: Mod[];
  /** Receives the node's own held-out metrics per job and round (they never leave the node). */
  onLocalMetrics?: LocalMetricsSink;
  log?: Logger;
}

/** A participant's assembled handler and the state it keeps. */
export interface ParticipantHandler {
  handler: TaskHandler;
  /** SHA-256 of the canonical schema, announced when the node joins. */
  schemaDigest: string;
  releases: ReleaseLog;
  /** The node's ledger and receipt signer, when it has a privacy budget. */
  privacy?: NodePrivacy;
}

/** Thrown when a participant cannot be assembled (state dir, ledger, identity); the message says what and where. */
export class ParticipantSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParticipantSetupError';
  }
}

/** Checks that the identity is the one the roster lists for this node's name. */
function checkIdentity(name: string, identity?: Identity, roster?: Roster): void {
  if (!identity) return;
  if (identity.name !== name) throw new ParticipantSetupError(`the identity key is for "${identity.name}", but this node runs as "${name}"`);
  if (!roster) return;
  const m = roster.members.find((x) => x.name === name);
  if (!m) throw new ParticipantSetupError(`"${name}" is not a member of consortium "${roster.consortium}" in the roster`);
  if (m.publicKey !== Buffer.from(identity.publicKey).toString('hex')) throw new ParticipantSetupError(`the roster lists a different identity key for "${name}" than the identity holds`);
}

/** Builds the handler chain of a participant over its data (no network). */
export function createParticipantHandler(o: ParticipantHandlerOptions): ParticipantHandler {
  checkIdentity(o.name, o.identity, o.roster);
  const digest = schemaDigest(o.schema);
  let releases: ReleaseLog;
  let privacy: NodePrivacy | undefined;
  try {
    // What this node has helped unmask, across restarts: without it a coordinator could difference two sums.
    releases = ReleaseLog.open(o.stateDir);
    // With an identity, receipts are signed with the key the roster lists, so they can be checked against it.
    if (o.privacyBudget) privacy = openNodePrivacy(o.name, o.stateDir, o.privacyBudget, o.identity);
  } catch (err) {
    throw new ParticipantSetupError((err as Error).message);
  }
  if (releases.tornMovedTo) o.log?.warn('the release history ended in a torn line (the node stopped while writing it); moved aside', { file: releases.tornMovedTo });
  const rows = { total: o.table.n, positives: o.table.labels.reduce((a, b) => a + b, 0) };
  const { policy } = o;
  // The policy runs first: nothing below it (schema check, secure sum, training) sees a job it forbids.
  const handler = chain(localHandler(o.name, o.table, o.onLocalMetrics ?? (() => {}), privacy, o.rng, {
    stateDir: o.stateDir, releaseOwnFigures: policy?.policy.releaseValueReport ?? false, ...(o.log ? { log: o.log } : {}),
  }), [
    errorToRefusalMod,
    ...(policy ? [policyMod({ policy: policy.policy, file: policy.file, self: o.name, rows })] : []),
    schemaCheckMod(digest, schemaDigest),
    ...(o.mods ?? []),
    secAggMod({
      name: o.name, allowPlain: o.allowPlain, releases,
      ...(o.rng ? { rng: o.rng } : {}),
      ...(policy ? { floor: { minContributors: policy.policy.minContributors, minOtherParticipants: policy.policy.minOtherParticipants }, maxAttemptsPerInput: policy.policy.maxAttemptsPerInput } : {}),
      ...(o.identity && o.roster ? { identity: { secretKey: o.identity.secretKey, peers: memberKeys(o.roster) } } : {}),
    }),
  ]);
  return { handler, schemaDigest: digest, releases, ...(privacy ? { privacy } : {}) };
}

/** A networked participant: the handler chain plus the Fleet client. */
export interface ParticipantOptions extends ParticipantHandlerOptions {
  /** The coordinator's Fleet address, host:port. */
  coordinator: string;
  /** The node's role when it has no identity (an identity's role wins). */
  role?: string;
  /** Transport credentials (mutual TLS, trust/tls.ts `clientCredentials`); default plaintext. */
  credentials?: grpc.ChannelCredentials;
  log: Logger;
}

/** A participant ready to join its coordinator. */
export interface Participant extends ParticipantHandler {
  node: ParticipantNode;
  /** Joins and serves tasks until {@link Participant.stop}; rejects when the coordinator refuses the node. */
  run(): Promise<void>;
  stop(): void;
}

/** Builds a participant that pulls its tasks from `coordinator` once `run` is called. */
export function createParticipant(o: ParticipantOptions): Participant {
  const assembled = createParticipantHandler(o);
  const node = new ParticipantNode({
    coordinator: o.coordinator, name: o.name, role: o.identity?.role ?? o.role ?? 'other', schemaDigest: assembled.schemaDigest, handler: assembled.handler, log: o.log,
    ...(o.credentials ? { credentials: o.credentials } : {}),
    ...(o.identity ? { identity: o.identity } : {}),
  });
  // The tfjs backend (tfjs-node, wasm or cpu, picked at run time) is ready before the first task.
  return { ...assembled, node, run: async () => { await initBackend(); await node.run(); }, stop: () => node.stop() };
}
