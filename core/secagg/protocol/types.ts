/**
 * Data types of the secure-aggregation stage machines of Bonawitz et al., CCS 2017, "Practical
 * Secure Aggregation for Privacy-Preserving Machine Learning" (§4): AdvertiseKeys → ShareKeys →
 * MaskedInputCollection → Unmasking (Fig. 4, honest-but-curious server), and, when the config says
 * `authenticated`, the active-adversary variant (Fig. 5): key adverts signed with each
 * participant's Ed25519 identity key and checked against the participant's local roster, and a
 * ConsistencyCheck stage between MaskedInputCollection and Unmasking (advert.ts, consistency.ts).
 *
 * Protocol stages are data: client and server states are plain objects with a
 * {@link Stage} discriminant, every message is a plain object with a `type` discriminant, and the
 * machines are pure functions `step(state, input) → { state, output }` (client.ts, server.ts).
 * Dropouts are data too: the server advances on "the deadline of this stage passed with these
 * messages" inputs, and an abort is an output, never an exception. Byte fields are Uint8Array in
 * memory and base64 in the persisted form (codec.ts).
 */

/** The stages of one aggregation round, plus the two terminal states. */
export type Stage = 'advertise-keys' | 'graph-reveal' | 'share-keys' | 'masked-input' | 'consistency-check' | 'unmasking' | 'done' | 'aborted';

/**
 * Who masks with whom. `complete`: everyone with everyone (Bonawitz et al. 2017). `explicit`: a
 * symmetric adjacency list over the participant ids, e.g. the k-regular graphs of SecAgg+ (Bell
 * et al., CCS 2020) built by `ringNeighbours` (graph.ts). `committed`: a k-regular ring over the
 * key advertisers U1 whose arrangement is drawn, after U1 is fixed, from a nonce every member of
 * U1 committed to in its advert (graph-draw.ts) — randomness no single party controls; the
 * round's states then carry the drawn graph as `explicit`. Plain data, so it persists.
 */
export type NeighbourGraph = { kind: 'complete' } | { kind: 'explicit'; adjacency: Record<string, string[]> } | { kind: 'committed'; k: number };

/** What every party knows about a round before it starts (validated by `validateConfig`). */
export interface SecAggConfig {
  /** Federated job (and attempt) id; bound into every derived key and share ciphertext. */
  run: string;
  /** Aggregation round number, a uint32; bound into every derived key and share ciphertext. */
  round: number;
  /** The round's selected participants U (distinct, non-empty ids). */
  participants: string[];
  /** Shamir threshold t and minimum number of participants at every stage, 1 ≤ t ≤ |U|. */
  threshold: number;
  /** Inputs live in Z_{2^bits}, 1 ≤ bits ≤ 32. */
  bits: number;
  /** Length of every input vector (≥ 1). */
  length: number;
  /** Neighbour graph; the neighbour set N(u) is `neighboursOf(config, u)` (graph.ts). */
  graph: NeighbourGraph;
  /**
   * Active-adversary variant (Bonawitz et al. Fig. 5): signed key adverts and ConsistencyCheck.
   * Absent means false (the honest-but-curious variant, Fig. 4). An authenticated client refuses
   * a round without it, and a client without an identity refuses a round with it.
   */
  authenticated?: boolean;
}

/**
 * What an authenticated client knows that the server must not be able to change: its Ed25519
 * identity secret key (tweetnacl, 64 bytes) and its LOCAL roster, name → Ed25519 public key
 * (32 bytes), distributed out of band — never taken from the coordinator. Passed to `initClient`
 * and every `clientStep`; never stored in a client state.
 */
export interface ClientAuth {
  secretKey: Uint8Array;
  peers: ReadonlyMap<string, Uint8Array>;
}

/** A participant's Ed25519 signature (64 bytes), e.g. over the survivor set U3. */
export interface SignatureOf {
  id: string;
  signature: Uint8Array;
}

/**
 * A participant's two advertised X25519 public keys (c: share encryption, s: masking), with its
 * Ed25519 signature over them in authenticated rounds (advert.ts).
 */
export interface PublicKeys {
  id: string;
  cPk: Uint8Array;
  sPk: Uint8Array;
  signature?: Uint8Array;
  /** Rounds with a committed graph: SHA-256 commitment to the owner's graph nonce (graph-draw.ts). */
  commit?: Uint8Array;
}

/** A participant's revealed graph nonce (rounds with a committed graph). */
export interface GraphNonce {
  id: string;
  nonce: Uint8Array;
}

/** A share ciphertext on its way out of its sender, addressed to `to`. */
export interface OutgoingCiphertext {
  to: string;
  ciphertext: Uint8Array;
}

/** A share ciphertext delivered to its recipient, from `from`. */
export interface IncomingCiphertext {
  from: string;
  ciphertext: Uint8Array;
}

/** One Shamir share revealed in Unmasking: the encoded share (shamir.ts wire form) of `owner`'s secret. */
export interface RevealedShare {
  owner: string;
  share: Uint8Array;
}

// ---- client → server messages -------------------------------------------------------------

/** Stage 1 reply: the client's two public keys (signed in authenticated rounds). */
export interface AdvertiseKeysMessage {
  type: 'advertise-keys';
  from: string;
  cPk: Uint8Array;
  sPk: Uint8Array;
  signature?: Uint8Array;
  /** Rounds with a committed graph: the commitment to this client's graph nonce (signed with the keys). */
  commit?: Uint8Array;
}

/** Committed-graph rounds, after U1 is announced: the client's graph nonce. */
export interface GraphNonceMessage {
  type: 'graph-nonce';
  from: string;
  nonce: Uint8Array;
}

/** Stage 2 reply: one encrypted (b-share, s-share) pair per neighbour. */
export interface ShareKeysMessage {
  type: 'share-keys';
  from: string;
  ciphertexts: OutgoingCiphertext[];
}

/** Stage 3 reply: the masked input y_u. */
export interface MaskedInputMessage {
  type: 'masked-input';
  from: string;
  y: Uint32Array;
}

/** ConsistencyCheck reply (authenticated rounds): the client's signature over U3 (consistency.ts). */
export interface ConsistencySignatureMessage {
  type: 'consistency-signature';
  from: string;
  signature: Uint8Array;
}

/** Stage 4 reply: b-shares of the survivors and s-shares of the dropped, never both for one owner. */
export interface UnmaskingMessage {
  type: 'unmasking';
  from: string;
  selfMaskShares: RevealedShare[];
  keyShares: RevealedShare[];
}

/** A party gives up the round; `stage` is where it was, `reason` says why in words. */
export interface AbortOutput {
  type: 'abort';
  stage: Stage;
  reason: string;
}

// ---- server → client messages -------------------------------------------------------------

/** End of stage 1: the public keys of U1 (everyone who advertised), sorted by id. */
export interface PeerKeysMessage {
  type: 'peer-keys';
  keys: PublicKeys[];
}

/** Committed-graph rounds: every member of U1's graph nonce, from which each party draws the graph. */
export interface GraphReveals {
  type: 'graph-reveals';
  reveals: GraphNonce[];
}

/** End of stage 2, for one recipient: U2 (everyone who shared) and the ciphertexts addressed to `to`. */
export interface ShareDelivery {
  type: 'share-delivery';
  to: string;
  shared: string[];
  ciphertexts: IncomingCiphertext[];
}

/** End of stage 3 in authenticated rounds: U3 (`survivors`) and U2 \ U3 (`dropped`), to be signed. */
export interface ConsistencyRequest {
  type: 'consistency-request';
  survivors: string[];
  dropped: string[];
}

/**
 * End of stage 3 (or of ConsistencyCheck): U3 (`survivors`) and U2 \ U3 (`dropped`); in
 * authenticated rounds also the signatures over U3 of the members of U3 that signed it (≥ t).
 */
export interface UnmaskRequest {
  type: 'unmask-request';
  survivors: string[];
  dropped: string[];
  signatures?: SignatureOf[];
}

// ---- step inputs and outputs --------------------------------------------------------------

/**
 * What a client reacts to: the local start signal, a server message, or (stage 3) the server's
 * share delivery together with the client's own quantized input vector x_u ∈ Z_{2^bits}^length.
 */
export type ClientInput =
  | { type: 'begin' }
  | PeerKeysMessage
  | GraphReveals
  | { type: 'mask-input'; delivery: ShareDelivery; input: Uint32Array }
  | ConsistencyRequest
  | UnmaskRequest;

/** What a client sends (or its refusal to go on). */
export type ClientOutput =
  | AdvertiseKeysMessage
  | GraphNonceMessage
  | ShareKeysMessage
  | MaskedInputMessage
  | ConsistencySignatureMessage
  | UnmaskingMessage
  | AbortOutput;

/** The deadline of a stage passed; `messages` are the replies that arrived before it. */
export type ServerInput =
  | { type: 'advertise-keys-deadline'; messages: AdvertiseKeysMessage[] }
  | { type: 'graph-reveal-deadline'; messages: GraphNonceMessage[] }
  | { type: 'share-keys-deadline'; messages: ShareKeysMessage[] }
  | { type: 'masked-input-deadline'; messages: MaskedInputMessage[] }
  | { type: 'consistency-check-deadline'; messages: ConsistencySignatureMessage[] }
  | { type: 'unmasking-deadline'; messages: UnmaskingMessage[] };

/** A participant whose reply was missing or unusable in a stage (data, not an exception). */
export interface Failure {
  participant: string;
  stage: Stage;
  reason: string;
}

/** Stage 2 outcome: U2 and one delivery per member of U2. */
export interface ForwardShares {
  type: 'forward-shares';
  shared: string[];
  deliveries: ShareDelivery[];
}

/** The round's outcome: Σ_{u ∈ U3} x_u mod 2^bits. */
export interface AggregateResult {
  type: 'result';
  survivors: string[];
  sum: Uint32Array;
}

/** What the server sends or concludes after a stage, with the stage's failures. */
export type ServerOutput = (PeerKeysMessage | GraphReveals | ForwardShares | ConsistencyRequest | UnmaskRequest | AggregateResult | AbortOutput) & {
  failures: Failure[];
};

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
      /** Committed-graph rounds: U1's checked keys are known; waiting for every member's graph nonce. */
      stage: 'graph-reveal';
      cPk: Uint8Array;
      cSk: Uint8Array;
      sPk: Uint8Array;
      sSk: Uint8Array;
      selfSeed: Uint8Array;
      keys: PublicKeys[];
    })
  | (ClientCommon & {
      /** Waiting for the share delivery; c_sk is gone, replaced by the per-peer decryption keys. */
      stage: 'masked-input';
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

/** Length in bytes of the self-mask seed b_u. */
export const SELF_SEED_BYTES = 32;
/** Length in bytes of a graph nonce and of its commitment. */
export const GRAPH_NONCE_BYTES = 32;
