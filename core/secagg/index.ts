/**
 * Secure-aggregation primitives (Bonawitz et al., CCS 2017, "Practical Secure Aggregation for
 * Privacy-Preserving Machine Learning"): X25519 key agreement (RFC 7748), HKDF-SHA256 key
 * derivation (RFC 5869), ChaCha20 mask expansion (RFC 8439), Shamir sharing over GF(2^521 − 1),
 * quantization into Z_{2^bits}, additive masking and secretbox share encryption. The protocol
 * state machines in `./protocol` are built on these; nothing here does I/O or draws randomness
 * other than through an injected `Rng`.
 */
export * from './keys.ts';
export * from './kdf.ts';
export * from './prg.ts';
export * from './field.ts';
export * from './shamir.ts';
export * from './quantize.ts';
export * from './mask.ts';
export * from './secretbox.ts';
export * from './hex.ts';
