/**
 * What every party knows about a secure-aggregation round before it starts, in the protocol of
 * Bonawitz et al., CCS 2017, "Practical Secure Aggregation for Privacy-Preserving Machine
 * Learning" (§4): the stages of a round, the neighbour graph, the round configuration, an
 * authenticated client's identity and local roster, and the fixed byte lengths of the values the
 * parties draw. Plain data, so it persists.
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

/** Length in bytes of the self-mask seed b_u. */
export const SELF_SEED_BYTES = 32;
/** Length in bytes of a graph nonce and of its commitment. */
export const GRAPH_NONCE_BYTES = 32;
