/**
 * A second, independent implementation of the Fleet message-signing encoding, written from
 * docs/protocol.md ("Message authentication") rather than from trust/signing.ts: the canonical
 * payload bytes (whose SHA-256 is the payload digest) and the bytes an Ed25519 signature covers.
 * The vectors record its output byte for byte, and the test checks that its SHA-256 equals
 * trust/signing.ts `payloadDigest` — so the document, the vectors and the code agree.
 */

const utf8 = new TextEncoder();

/** lp(x): 4-byte big-endian length, then the bytes (strings as UTF-8). */
export function lp(x: string | Uint8Array): Uint8Array {
  const body = typeof x === 'string' ? utf8.encode(x) : x;
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length, false);
  out.set(body, 4);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Enum names of value 0: a decoder fills them in for absent enum fields, so they count as absent. */
const ENUM_ZERO_NAMES = ['DTYPE_UNSPECIFIED', 'TASK_KIND_UNSPECIFIED', 'JOB_STATE_UNSPECIFIED'];

/** True for a value proto3 cannot tell from an absent field. */
export function absent(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return true;
  if (typeof v === 'string') return ENUM_ZERO_NAMES.includes(v);
  if (v instanceof Uint8Array || Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.values(v).every(absent);
  return false;
}

/** The canonical bytes of one value (see the document for the grammar). */
export function encodeValue(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return concat([lp('b'), lp(v)]);
  if (typeof v === 'string') return concat([lp('s'), lp(v)]);
  if (typeof v === 'number') {
    const f = new Uint8Array(8);
    new DataView(f.buffer).setFloat64(0, v, false);
    return concat([lp('n'), lp(f)]);
  }
  if (typeof v === 'boolean') return concat([lp('t'), lp(v ? '1' : '0')]);
  if (Array.isArray(v)) return concat([lp('a'), lp(String(v.length)), ...v.map(encodeValue)]);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => !absent(o[k])).sort();
    return concat([lp('o'), lp(String(keys.length)), ...keys.flatMap((k) => [lp('k'), lp(k), encodeValue(o[k])])]);
  }
  return lp('z');
}

/** Top-level fields that are not part of the payload: the auth block, the session, the oneof marker. */
const NOT_PAYLOAD = ['auth', 'session', 'outcome'];

/** The canonical payload bytes of a Fleet request (a proto-loader-shaped object, camelCase keys). */
export function payloadBytes(request: Record<string, unknown>): Uint8Array {
  const payload: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(request)) if (!NOT_PAYLOAD.includes(k)) payload[k] = v;
  return encodeValue(payload);
}

/** The fields a Fleet signature binds besides the payload digest. */
export interface Binding {
  method: string;
  principal: string;
  sequence: number;
  timestampMs: number;
  nonce: Uint8Array;
  jobId: string;
  round: number;
  stage: string;
  run: string;
}

/** The bytes an Ed25519 signature of a Fleet request covers. */
export function fleetSignedBytes(b: Binding, payloadDigest: Uint8Array): Uint8Array {
  return concat([
    lp('fedcredit/fleet/v1'),
    lp(b.method),
    lp(b.principal),
    lp(String(b.sequence)),
    lp(String(b.timestampMs)),
    lp(b.nonce),
    lp(b.jobId),
    lp(String(b.round)),
    lp(b.stage),
    lp(b.run),
    lp(payloadDigest),
  ]);
}
