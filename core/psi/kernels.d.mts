/** Bytes of a point's u-coordinate, little-endian. */
export declare const POINT_BYTES: number;
/** expand_message_xmd (RFC 9380 §5.3.1) with SHA-512. */
export declare function expandMessageXmd(msg: Uint8Array, dst: Uint8Array, len: number): Buffer;
/** Canonical 32-byte little-endian encoding of OS2IP(`b[0..48)`) mod 2^255 − 19. */
export declare function fieldElement(b: Uint8Array): Buffer;
/** The u-coordinates (n × 32 bytes) of RFC 9380 hash_to_field and the Elligator 2 map to curve25519 of each message (kernels.mjs). */
export declare function encodeToU(messages: readonly Uint8Array[], dst: Uint8Array): Uint8Array;
/** The u-coordinates of the map of `prefix || UTF-8(id)` for each id (the same as encodeToU of those messages). */
export declare function encodeIdsToU(prefix: Uint8Array, ids: readonly string[], dst: Uint8Array): Uint8Array;
/** X25519 of every 32-byte u-coordinate in `points` with `scalar`. */
export declare function blindPoints(points: Uint8Array, scalar: Uint8Array): Uint8Array;
