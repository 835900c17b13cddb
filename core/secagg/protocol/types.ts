/**
 * Data types of the secure-aggregation stage machines of Bonawitz et al., CCS 2017, "Practical
 * Secure Aggregation for Privacy-Preserving Machine Learning" (§4): AdvertiseKeys → ShareKeys →
 * MaskedInputCollection → Unmasking (Fig. 4, honest-but-curious server), and, when the config says
 * `authenticated`, the active-adversary variant (Fig. 5): key adverts signed with each
 * participant's Ed25519 identity key and checked against the participant's local roster, and a
 * ConsistencyCheck stage between MaskedInputCollection and Unmasking (advert.ts, consistency.ts).
 *
 * Protocol stages are data: client and server states are plain objects with a `stage`
 * discriminant (a {@link Stage}), every message is a plain object with a `type` discriminant, and the
 * machines are pure functions `step(state, input) → { state, output }` (client.ts, server.ts).
 * Dropouts are data too: the server advances on "the deadline of this stage passed with these
 * messages" inputs, and an abort is an output, never an exception. Byte fields are Uint8Array in
 * memory and base64 in the persisted form (codec.ts).
 *
 * The types live in three modules, all re-exported here: the round configuration
 * (config-types.ts), the messages and step inputs/outputs (messages.ts), and the client and
 * server states (states.ts).
 */
export * from './config-types.ts';
export * from './messages.ts';
export * from './states.ts';
