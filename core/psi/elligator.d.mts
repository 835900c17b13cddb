/** RFC 9380's Elligator 2 map to curve25519, u-coordinates only, for batches of field elements. */
export declare class Elligator2U {
  constructor(capacity?: number);
  readonly capacity: number;
  /** Where field element i of the next batch goes: 32 canonical little-endian bytes at byte 32·i. */
  readonly input: Buffer;
  /** Maps the first `n` field elements of `input`; returns their u-coordinates (n × 32 bytes). */
  run(n: number): Uint8Array;
}
