/** Bytes of a point's u-coordinate, little-endian. */
export declare const POINT_BYTES: number;
/** expand_message_xmd (RFC 9380 §5.3.1) with SHA-512. */
export declare function expandMessageXmd(msg: Uint8Array, dst: Uint8Array, len: number): Buffer;
/** The u-coordinates (n × 32 bytes) of RFC 9380 encode_to_curve (edwards25519_XMD:SHA-512_ELL2_NU_) of each message. */
export declare function encodeToU(messages: readonly Uint8Array[], dst: Uint8Array): Uint8Array;
/** X25519 of every 32-byte u-coordinate in `points` with `scalar`. */
export declare function blindPoints(points: Uint8Array, scalar: Uint8Array): Uint8Array;
