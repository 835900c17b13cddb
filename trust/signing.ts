/**
 * Signatures on Fleet messages. With a roster, every request a
 * participant sends is signed with its Ed25519 identity key (RFC 8032; tweetnacl key format) over
 *
 *   "fedcredit/fleet/v1" ‖ method ‖ principal ‖ sequence ‖ timestamp ‖ nonce ‖ job ‖ round ‖
 *   stage ‖ run ‖ SHA-256(payload)
 *
 * each field length-prefixed (4-byte big-endian length, then UTF-8 or raw bytes), so no two
 * different field lists encode alike. The principal is the institution's name for Hello and the
 * session token afterwards (a signature made for one session never verifies for another). The
 * payload digest covers every other field of the request through {@link payloadDigest}: a
 * canonical walk of the decoded message in which proto3 default values (empty strings and bytes,
 * 0, false, empty lists and messages) count as absent, so the sender's object and the
 * coordinator's decoded copy (which fills in defaults) hash alike.
 *
 * Pure: hashing and signing only; the clock, nonces and keys are the caller's.
 */
import { createHash } from 'node:crypto';
// Ed25519 in libsodium (the secure-sum adverts' functions): byte-for-byte tweetnacl's signatures
// (advert.test.ts) at about 60 µs per check instead of ≈ 10 ms; the coordinator checks every message.
import { SIGNATURE_BYTES, sign as ed25519Sign, signedBytes as lengthPrefixed, verify as ed25519Verify } from '../core/secagg/protocol/advert.ts';

/** The fields a signature binds besides the payload. */
export interface SignedFields {
  method: 'Hello' | 'PullTask' | 'PushResult' | 'Heartbeat' | 'Score';
  /** Hello: the institution's name; later messages: the session token. */
  principal: string;
  sequence: number;
  timestampMs: number;
  nonce: Uint8Array;
  jobId: string;
  round: number;
  stage: string;
  run: string;
}

/** Wire form of the authentication block (proto MessageAuth). */
export interface WireAuth {
  sequence: number;
  timestampMs: number;
  nonce: Uint8Array;
  signature: Uint8Array;
  jobId: string;
  round: number;
  stage: string;
  run: string;
}

const DOMAIN = 'fedcredit/fleet/v1';
/** Fields of a request that are not part of its payload digest. */
const NOT_PAYLOAD = new Set(['auth', 'session', 'outcome']);


const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

/** Names of the proto enums' zero values, which a decoder fills in for absent enum fields. */
const ENUM_ZERO = new Set(['DTYPE_UNSPECIFIED', 'TASK_KIND_UNSPECIFIED', 'JOB_STATE_UNSPECIFIED']);

/** True for values proto3 does not distinguish from an absent field. */
function isDefault(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (typeof v === 'string') return ENUM_ZERO.has(v);
  if (isBytes(v)) return v.length === 0;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.entries(v as Record<string, unknown>).every(([, x]) => isDefault(x));
  return false;
}

type Hash = ReturnType<typeof createHash>;

/** Byte fields at least this long go to the hash as they are; shorter ones are copied into the batch. */
const DIRECT_BYTES = 1024;

/**
 * The canonical encoding on its way into a hash: small pieces (tags, lengths, keys, short values)
 * are collected in one scratch buffer and handed over in batches, since every `Hash.update` call
 * costs about as much as hashing a few hundred bytes; large byte fields go to the hash directly,
 * without a copy. The bytes hashed are exactly the encoding's, in order. One scratch buffer
 * serves every digest: digests run synchronously and `Hash.update` copies its input.
 */
class CanonicalWriter {
  private static scratch = Buffer.allocUnsafe(16_384);
  private at = 0;

  constructor(private readonly h: Hash) {}

  /** A length-prefixed field (4-byte big-endian length, then the bytes), as `signedBytes` encodes it. */
  field(v: string | Uint8Array): void {
    if (typeof v === 'string') {
      const n = Buffer.byteLength(v, 'utf8');
      this.room(4 + n);
      const buf = CanonicalWriter.scratch;
      if (4 + n > buf.length) {
        this.u32(n);
        this.flush();
        this.h.update(v, 'utf8');
        return;
      }
      buf.writeUInt32BE(n, this.at);
      this.at += 4;
      this.at += buf.write(v, this.at, 'utf8');
      return;
    }
    this.u32(v.length);
    if (v.length >= DIRECT_BYTES) {
      this.flush();
      this.h.update(v);
    } else {
      this.room(v.length);
      CanonicalWriter.scratch.set(v, this.at);
      this.at += v.length;
    }
  }

  /** A number: length 8, then the float64 big-endian. */
  number(v: number): void {
    this.u32(8);
    this.room(8);
    CanonicalWriter.scratch.writeDoubleBE(v, this.at);
    this.at += 8;
  }

  /** Hands what is collected to the hash. */
  flush(): void {
    if (this.at > 0) this.h.update(CanonicalWriter.scratch.subarray(0, this.at));
    this.at = 0;
  }

  private u32(n: number): void {
    this.room(4);
    CanonicalWriter.scratch.writeUInt32BE(n, this.at);
    this.at += 4;
  }

  /** Makes room for `n` more bytes, flushing when the scratch buffer would overflow. */
  private room(n: number): void {
    if (this.at + n > CanonicalWriter.scratch.length) this.flush();
  }
}

/**
 * Writes a canonical, type-tagged encoding of `v`: the length-prefixed pair (tag, value), tag "b"
 * bytes, "s" string, "n" float64 big-endian, "t" boolean, "a" array length then the items, "o" key
 * count then (tag "k", key) and the value per non-default key in sorted order, "z" anything else.
 */
function feed(w: CanonicalWriter, v: unknown): void {
  if (isBytes(v)) {
    w.field('b');
    w.field(v);
  } else if (typeof v === 'string') {
    w.field('s');
    w.field(v);
  } else if (typeof v === 'number') {
    w.field('n');
    w.number(v);
  } else if (typeof v === 'boolean') {
    w.field('t');
    w.field(v ? '1' : '0');
  } else if (Array.isArray(v)) {
    w.field('a');
    w.field(String(v.length));
    for (const x of v) feed(w, x);
  } else if (v && typeof v === 'object') {
    const keys = Object.keys(v as Record<string, unknown>)
      .filter((k) => !isDefault((v as Record<string, unknown>)[k]))
      .sort();
    w.field('o');
    w.field(String(keys.length));
    for (const k of keys) {
      w.field('k');
      w.field(k);
      feed(w, (v as Record<string, unknown>)[k]);
    }
  } else {
    w.field('z');
  }
}

/**
 * SHA-256 of a request's payload: every field except `auth`, `session` and grpc-js's `outcome`
 * oneof marker, defaults treated as absent.
 */
export function payloadDigest(request: object): Uint8Array {
  const h = createHash('sha256');
  const payload = Object.fromEntries(Object.entries(request).filter(([k]) => !NOT_PAYLOAD.has(k)));
  const w = new CanonicalWriter(h);
  feed(w, payload);
  w.flush();
  return new Uint8Array(h.digest());
}

/** The bytes a signature covers. */
export function signedBytes(f: SignedFields, digest: Uint8Array): Uint8Array {
  return lengthPrefixed([DOMAIN, f.method, f.principal, String(f.sequence), String(f.timestampMs), f.nonce, f.jobId, String(f.round), f.stage, f.run, digest]);
}

/** Signs a request: returns its auth block. */
export function signRequest(request: object, f: SignedFields, secretKey: Uint8Array): WireAuth {
  const signature = ed25519Sign(secretKey, signedBytes(f, payloadDigest(request)));
  return { sequence: f.sequence, timestampMs: f.timestampMs, nonce: f.nonce, signature, jobId: f.jobId, round: f.round, stage: f.stage, run: f.run };
}

/** What a node signs a request for: the task binding of a PushResult, empty otherwise. */
export type Binding = Pick<SignedFields, 'jobId' | 'round' | 'stage' | 'run'>;

/**
 * Signs a Fleet request as a node does: Hello by the institution's name with a 16-byte `nonce`
 * and the public key attached; later messages by session and sequence number. The caller
 * supplies the clock and the nonce.
 */
export function signFleetRequest<T extends object>(
  request: T,
  method: SignedFields['method'],
  o: { name: string; session: string; sequence: number; binding?: Partial<Binding>; key: { secretKey: Uint8Array; publicKey: Uint8Array }; nonce: Uint8Array; now: number },
): T & { auth: WireAuth & { publicKey?: Uint8Array } } {
  const hello = method === 'Hello';
  const f: SignedFields = {
    method,
    principal: hello ? o.name : o.session,
    sequence: o.sequence,
    timestampMs: o.now,
    nonce: hello ? o.nonce : new Uint8Array(0),
    jobId: o.binding?.jobId ?? '',
    round: o.binding?.round ?? 0,
    stage: o.binding?.stage ?? '',
    run: o.binding?.run ?? '',
  };
  const auth = signRequest(request, f, o.key.secretKey);
  return { ...request, auth: { ...auth, ...(hello ? { publicKey: o.key.publicKey } : {}) } };
}

/** True when `auth` is a valid signature of `publicKey` over the request for this method and principal. */
export function verifyRequest(request: object, method: SignedFields['method'], principal: string, auth: WireAuth, publicKey: Uint8Array): boolean {
  if (auth.signature.length !== SIGNATURE_BYTES) return false;
  const f: SignedFields = { method, principal, sequence: auth.sequence, timestampMs: auth.timestampMs, nonce: auth.nonce, jobId: auth.jobId, round: auth.round, stage: auth.stage, run: auth.run };
  return ed25519Verify(publicKey, signedBytes(f, payloadDigest(request)), auth.signature);
}

/**
 * Sequence numbers seen in one session: accepts each number once. Numbers more than `width` below
 * the highest seen are refused as too old (the window keeps memory bounded; requests of one
 * session may overtake each other, e.g. a heartbeat and a long poll).
 */
export class ReplayWindow {
  private highest = 0;
  private readonly seen = new Set<number>();

  constructor(private readonly width = 4096) {}

  /** Records `seq`; returns why it is refused, or null when it is new. */
  accept(seq: number): string | null {
    if (!Number.isSafeInteger(seq) || seq < 1) return `sequence number ${seq} is not a positive integer`;
    if (seq <= this.highest - this.width) return `sequence number ${seq} is older than the replay window (highest seen ${this.highest})`;
    if (this.seen.has(seq)) return `replayed message: sequence number ${seq} was already used in this session`;
    this.seen.add(seq);
    if (seq > this.highest) {
      // Everything at or below `from` is already gone; what now falls out of the window lies in
      // (from, to]. Walk that range or the set, whichever is shorter: O(1) per message in order.
      const from = this.highest - this.width;
      const to = seq - this.width;
      this.highest = seq;
      if (to - from > this.seen.size) {
        for (const s of this.seen) if (s <= to) this.seen.delete(s);
      } else {
        for (let s = Math.max(from + 1, 1); s <= to; s++) this.seen.delete(s);
      }
    }
    return null;
  }
}

/**
 * Fresh Hello messages: the timestamp must lie within `skewMs` of the coordinator's clock and
 * the nonce must not have been seen within that time.
 */
export class HelloNonces {
  private readonly seen = new Map<string, number>();

  constructor(private readonly skewMs = 5 * 60_000) {}

  /** Records the nonce; returns why the Hello is refused, or null. */
  accept(timestampMs: number, nonce: Uint8Array, now: number): string | null {
    if (nonce.length !== 16) return `the Hello nonce must be 16 bytes, got ${nonce.length}`;
    const off = timestampMs - now;
    if (Math.abs(off) > this.skewMs) {
      return `the Hello timestamp is ${Math.round(off / 1000)} s off the coordinator's clock (allowed ±${this.skewMs / 1000} s): check the node's clock, or this is a replay`;
    }
    for (const [k, t] of this.seen) if (t < now - 2 * this.skewMs) this.seen.delete(k);
    const key = Buffer.from(nonce).toString('hex');
    if (this.seen.has(key)) return 'replayed Hello: this nonce was already used';
    this.seen.set(key, now);
    return null;
  }
}
