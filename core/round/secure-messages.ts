/**
 * What travels in one step of a secure sum (secure-sum.ts): the round's public setup plus the
 * server message of the step (coordinator → participant), and the client message in reply.
 * The stage machines and their message types are in core/secagg/protocol; authenticated rounds
 * (Bonawitz et al. Fig. 5) add the consistency-request / consistency-signature step, and rounds
 * with a committed SecAgg+ graph get U1 as graph commitments (peer-commits), answer with their
 * graph nonce, and get every member's nonce with their neighbours' keys (graph-reveals) before
 * they share keys.
 */
import type {
  AdvertiseKeysMessage,
  ConsistencyRequest,
  ConsistencySignatureMessage,
  GraphNonceMessage,
  GraphReveals,
  MaskedInputMessage,
  PeerCommitsMessage,
  PeerKeysMessage,
  SecAggConfig,
  ShareDelivery,
  ShareKeysMessage,
  UnmaskingMessage,
  UnmaskRequest,
} from '../secagg/protocol/types.ts';

/** The server message of one step; `begin` opens the round (AdvertiseKeys). */
export type SecAggServerMessage = { type: 'begin' } | PeerKeysMessage | PeerCommitsMessage | GraphReveals | ShareDelivery | ConsistencyRequest | UnmaskRequest;

/** One step of a secure sum as a participant receives it. */
export interface SecAggTask {
  /** The round's public configuration (identical in every step of the round). */
  config: SecAggConfig;
  message: SecAggServerMessage;
}

/** A participant's reply to a step. */
export type SecAggClientMessage =
  | AdvertiseKeysMessage
  | GraphNonceMessage
  | ShareKeysMessage
  | MaskedInputMessage
  | ConsistencySignatureMessage
  | UnmaskingMessage;

/** The reply a server message asks for. */
export function expectedReply(step: SecAggTask): SecAggClientMessage['type'] {
  switch (step.message.type) {
    case 'begin':
      return 'advertise-keys';
    case 'peer-commits':
      return 'graph-nonce';
    case 'peer-keys':
    case 'graph-reveals':
      return 'share-keys';
    case 'share-delivery':
      return 'masked-input';
    case 'consistency-request':
      return 'consistency-signature';
    case 'unmask-request':
      return 'unmasking';
  }
}

/** The key-setup steps of a secure sum (the only ones another sum's step can carry), and their replies. */
export const KEY_SETUP_STEPS: ReadonlySet<string> = new Set<SecAggServerMessage['type']>(['begin', 'peer-keys', 'peer-commits', 'graph-reveals']);
export type KeySetupReply = Extract<SecAggClientMessage['type'], 'advertise-keys' | 'graph-nonce' | 'share-keys'>;
export const KEY_SETUP_REPLIES: ReadonlySet<string> = new Set<KeySetupReply>(['advertise-keys', 'graph-nonce', 'share-keys']);

/** True for the reply types of the key-setup steps. */
export function isKeySetupReply(type: SecAggClientMessage['type']): type is KeySetupReply {
  return KEY_SETUP_REPLIES.has(type);
}

/**
 * A participant's answer to one key-setup step of a later round's secure sum that rode along with
 * a step of this one (`StageTask.ahead`): its message, or why it will not take part in that sum.
 */
export type AheadAnswer = { run: string } & ({ secagg: SecAggClientMessage } | { refusal: string });
