/**
 * The states of the secure-aggregation stage machines (Bonawitz et al., CCS 2017, §4): the
 * client's and the server's state at each stage, plus the terminal `done` and `aborted` states.
 * States are plain objects with a `stage` discriminant, so they persist (codec.ts) and a round
 * can resume after a crash; each state owns its byte arrays.
 */
import type { SecAggConfig, Stage } from './config-types.ts';
import type { GraphCommit, PublicKeys, UnmaskingMessage } from './messages.ts';

// ---- states ---------------------------------------------------------------------------------

interface ClientCommon {
  id: string;
  config: SecAggConfig;
}

/** Client states. Each state owns its byte arrays (never shared with the previous state). */
export type ClientState =
  | (ClientCommon & { stage: 'advertise-keys' })
  | (ClientCommon & {
      /** Waiting for the peers' keys; holds both key pairs and the self-mask seed b_u. */
      stage: 'share-keys';
      cPk: Uint8Array;
      cSk: Uint8Array;
      sPk: Uint8Array;
      sSk: Uint8Array;
      selfSeed: Uint8Array;
      /** Committed-graph rounds: this client's graph nonce (revealed once U1 is announced). */
      nonce?: Uint8Array;
    })
  | (ClientCommon & {
      /** Committed-graph rounds: U1 and its graph commitments are known; waiting for every member's graph nonce and its neighbours' keys. */
      stage: 'graph-reveal';
      cPk: Uint8Array;
      cSk: Uint8Array;
      sPk: Uint8Array;
      sSk: Uint8Array;
      selfSeed: Uint8Array;
      commits: GraphCommit[];
    })
  | (ClientCommon & {
      /** Waiting for the share delivery; c_sk is gone, replaced by the per-peer decryption keys. */
      stage: 'masked-input';
      /** U1, sorted: everyone who advertised keys (the share x-coordinates and U2's bounds follow from it). */
      advertised: string[];
      /** The public keys of this client's share holders (itself and its neighbours in U1), sorted by id: the only keys it uses from here on. */
      peers: PublicKeys[];
      sSk: Uint8Array;
      selfSeed: Uint8Array;
      ownSelfShare: Uint8Array;
      inboundKeys: { from: string; key: Uint8Array }[];
    })
  | (ClientCommon & {
      /** Authenticated rounds: waiting for the consistency request; s_sk and b_u are gone. */
      stage: 'consistency-check';
      advertised: string[];
      shared: string[];
      ownSelfShare: Uint8Array;
      inbox: { from: string; key: Uint8Array; ciphertext: Uint8Array }[];
    })
  | (ClientCommon & {
      /** Waiting for the unmask request; s_sk and b_u are gone. */
      stage: 'unmasking';
      advertised: string[];
      shared: string[];
      ownSelfShare: Uint8Array;
      inbox: { from: string; key: Uint8Array; ciphertext: Uint8Array }[];
      /** Authenticated rounds: the U3 this client signed (sorted); it unmasks for no other. */
      signed?: string[];
    })
  | (ClientCommon & {
      /** Answered; only the already-revealed response is kept, to answer an identical retry. */
      stage: 'done';
      answered: { survivors: string[]; dropped: string[] };
      response: UnmaskingMessage;
    })
  | (ClientCommon & { stage: 'aborted'; at: Stage; reason: string });

/** Server states; byte arrays are owned by the state. */
export type ServerState =
  | { stage: 'advertise-keys'; config: SecAggConfig }
  /** Committed-graph rounds: collecting U1's graph nonces. */
  | { stage: 'graph-reveal'; config: SecAggConfig; keys: PublicKeys[] }
  | { stage: 'share-keys'; config: SecAggConfig; keys: PublicKeys[] }
  | { stage: 'masked-input'; config: SecAggConfig; keys: PublicKeys[]; shared: string[] }
  | {
      /** Authenticated rounds: collecting signatures over U3. */
      stage: 'consistency-check';
      config: SecAggConfig;
      keys: PublicKeys[];
      shared: string[];
      survivors: string[];
      maskedSum: Uint32Array;
    }
  | {
      stage: 'unmasking';
      config: SecAggConfig;
      keys: PublicKeys[];
      shared: string[];
      survivors: string[];
      maskedSum: Uint32Array;
      /** Authenticated rounds: U4, the members of U3 that signed it; only they are asked to unmask. */
      signers?: string[];
    }
  | { stage: 'done'; config: SecAggConfig; survivors: string[]; sum: Uint32Array }
  | { stage: 'aborted'; config: SecAggConfig; at: Stage; reason: string };
