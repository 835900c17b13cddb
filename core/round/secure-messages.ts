/**
 * What travels in one step of a secure sum (secure-sum.ts): the round's public setup plus the
 * server message of the step (coordinator → participant), and the client message in reply.
 * The stage machines and their message types are in core/secagg/protocol; authenticated rounds
 * (Bonawitz et al. Fig. 5) add the consistency-request / consistency-signature step.
 */
import type {
  AdvertiseKeysMessage,
  ConsistencyRequest,
  ConsistencySignatureMessage,
  MaskedInputMessage,
  PeerKeysMessage,
  SecAggConfig,
  ShareDelivery,
  ShareKeysMessage,
  UnmaskingMessage,
  UnmaskRequest,
} from '../secagg/protocol/types';

/** The server message of one step; `begin` opens the round (AdvertiseKeys). */
export type SecAggServerMessage = { type: 'begin' } | PeerKeysMessage | ShareDelivery | ConsistencyRequest | UnmaskRequest;

/** One step of a secure sum as a participant receives it. */
export interface SecAggTask {
  /** The round's public configuration (identical in every step of the round). */
  config: SecAggConfig;
  message: SecAggServerMessage;
}

/** A participant's reply to a step. */
export type SecAggClientMessage = AdvertiseKeysMessage | ShareKeysMessage | MaskedInputMessage | ConsistencySignatureMessage | UnmaskingMessage;

/** The protocol stage a server message opens. */
export const STEP_OF: Record<SecAggServerMessage['type'], SecAggClientMessage['type']> = {
  begin: 'advertise-keys',
  'peer-keys': 'share-keys',
  'share-delivery': 'masked-input',
  'consistency-request': 'consistency-signature',
  'unmask-request': 'unmasking',
};
