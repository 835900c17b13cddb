/**
 * Assembles a vertical party's node: its table and the consortium's ID salt in a
 * {@link VerticalParty}, served to a coordinator by the same Fleet client as horizontal nodes. A
 * vertical node takes part in vertical jobs only; it refuses horizontal tasks with a reason. With
 * `stateDir`, every trained job is kept on disk, so the node can still score after a restart.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../platform/log.ts';
import { type Identity, memberKeys, type Roster } from '../../trust/format.ts';
import type { TaskHandler } from '../handler.ts';
import { ParticipantNode } from '../node.ts';
import { type ScoreOptions, type ScoreResult, VerticalParty, type VerticalPartyOptions } from './party.ts';

/** Settings of a vertical node. */
export interface VerticalNodeOptions extends VerticalPartyOptions {
  coordinator: string;
  role?: string;
  log: Logger;
  credentials?: grpc.ChannelCredentials;
  identity?: Identity;
  /** The consortium roster: with it, peers' job keys must be signed with their roster keys. */
  rosterFile?: Roster;
  pollWaitMs?: number;
}

/** A running vertical node. */
export interface VerticalNode {
  party: VerticalParty;
  node: ParticipantNode;
  run(): Promise<void>;
  stop(): Promise<void>;
  /** Label holder: scores applicants with a trained job over the Fleet (VerticalParty.score). */
  score(jobId: string, table: { header: readonly string[]; rows: readonly (readonly string[])[] }, idColumn: string, o?: ScoreOptions): Promise<ScoreResult>;
}

/** What a vertical node announces as its schema digest (it has no horizontal schema). */
export const VERTICAL_SCHEMA_DIGEST = 'vertical-party';

const horizontalRefused: TaskHandler = async (task) => ({
  refusal: { code: 'vertical_only', reason: `this node serves vertical jobs only; it has no schema for the ${task.kind} task of job ${task.jobId}` },
});

/** Builds the node (it connects when {@link VerticalNode.run} is called). */
export function createVerticalNode(o: VerticalNodeOptions): VerticalNode {
  const party = new VerticalParty({
    ...o,
    ...(o.identity ? { identitySecretKey: o.identity.secretKey } : {}),
    ...(o.rosterFile ? { roster: memberKeys(o.rosterFile) } : {}),
  });
  const node = new ParticipantNode({
    coordinator: o.coordinator, name: o.name, role: o.identity?.role ?? o.role ?? 'other', schemaDigest: VERTICAL_SCHEMA_DIGEST,
    handler: horizontalRefused, vertical: party.handle, log: o.log,
    ...(o.pollWaitMs !== undefined ? { pollWaitMs: o.pollWaitMs } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
    ...(o.identity ? { identity: o.identity } : {}),
  });
  return {
    party, node,
    run: () => node.run(),
    score: (jobId, table, idColumn, so) => party.score(jobId, table, idColumn, (r) => node.score(r), so),
    stop: async () => {
      node.stop();
      await party.close();
    },
  };
}
