/**
 * The messages of the secure-aggregation stage machines (Bonawitz et al., CCS 2017, §4 and, in
 * authenticated rounds, Fig. 5): the public records they carry (advertised keys, graph nonces,
 * share ciphertexts, revealed shares, signatures), every client → server and server → client
 * message, and the inputs and outputs of the client and server steps. Every message is a plain
 * object with a `type` discriminant; an abort is an output, never an exception. Byte fields are
 * Uint8Array in memory and base64 in the persisted form (codec.ts).
 */
import type { MaskAhead } from './mask-ahead.ts';
import type { Stage } from './config-types.ts';

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

/** A member of U1 and its graph commitment, as U1 is announced in rounds with a committed graph. */
export interface GraphCommit {
  id: string;
  commit: Uint8Array;
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

/** End of stage 1 with the complete graph: the public keys of U1 (everyone who advertised), sorted by id. */
export interface PeerKeysMessage {
  type: 'peer-keys';
  keys: PublicKeys[];
}

/**
 * End of stage 1 with a committed graph: U1 as (id, graph commitment), sorted by id. No keys yet:
 * a member uses only its neighbours' keys, and those come with the reveals, once the graph is drawn.
 */
export interface PeerCommitsMessage {
  type: 'peer-commits';
  commits: GraphCommit[];
}

/**
 * Committed-graph rounds, for one member: every member of U1's graph nonce, from which each party
 * draws the graph, and the key adverts of this member's neighbours in it (sorted by id).
 */
export interface GraphReveals {
  type: 'graph-reveals';
  reveals: GraphNonce[];
  keys: PublicKeys[];
}

/**
 * Committed-graph rounds, end of the graph reveal: every nonce, and for each member of U1 the key
 * adverts of its neighbours in the drawn graph (one {@link GraphReveals} per member).
 */
export interface ForwardReveals {
  type: 'forward-reveals';
  reveals: GraphNonce[];
  /** By recipient: its neighbours' adverts, sorted by id. */
  neighbourKeys: Record<string, PublicKeys[]>;
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
  | PeerCommitsMessage
  | GraphReveals
  | {
      type: 'mask-input';
      delivery: ShareDelivery;
      input: Uint32Array;
      /** The client's mask, computed ahead for this very state (mask-ahead.ts); without it every term is computed now. */
      ahead?: MaskAhead;
    }
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
export type ServerOutput = (PeerKeysMessage | PeerCommitsMessage | ForwardReveals | ForwardShares | ConsistencyRequest | UnmaskRequest | AggregateResult | AbortOutput) & {
  failures: Failure[];
};
