/**
 * Helpers of the coordinator fuzz test (test/fuzz.test.ts): a seeded random source, a protobuf
 * wire writer for messages no typed client would send (wrong wire types, huge length prefixes),
 * byte-level mutations of valid encodings, and gRPC calls that resolve with a status instead of
 * throwing — through the typed clients, or through a generic client with identity (Buffer)
 * serializers that puts arbitrary bytes on the wire.
 */
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { seededRng, uniform01 } from '../core/random.ts';
import { channelOptions, loadProto } from '../proto/load.ts';

/** A seeded source of random choices (core/random.ts xoshiro128**). */
export class Rand {
  private readonly rng: (n: number) => Uint8Array;
  constructor(seed: number) {
    this.rng = seededRng(seed);
  }
  float(): number {
    return uniform01(this.rng);
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
  chance(p: number): boolean {
    return this.float() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  bytes(n: number): Buffer {
    return Buffer.from(this.rng(n));
  }
  /** A string of `n` characters drawn from `alphabet`. */
  str(n: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
}

// ---- protobuf wire writer ------------------------------------------------------------------

/** Base-128 varint of a non-negative integer. */
export function varint(v: bigint): Buffer {
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}

/** A field key: field number and wire type (0 varint, 1 fixed64, 2 length-delimited, 3/4 group, 5 fixed32). */
export function key(field: number, wireType: number): Buffer {
  return varint(BigInt((field << 3) | wireType));
}

/** A length-delimited field whose length prefix claims `claimed` bytes, followed by `actual`. */
export function lengthField(field: number, claimed: bigint, actual: Buffer): Buffer {
  return Buffer.concat([key(field, 2), varint(claimed), actual]);
}

/** A message of random fields 1–16 with random (mostly wrong) wire types and contents. */
export function wrongTypes(r: Rand): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0, n = 1 + r.int(6); i < n; i++) {
    const field = 1 + r.int(16);
    switch (r.int(6)) {
      case 0:
        parts.push(key(field, 0), varint(BigInt(r.int(2 ** 31)) * BigInt(1 + r.int(2 ** 20))));
        break;
      case 1:
        parts.push(key(field, 1), r.bytes(8));
        break;
      case 2:
        parts.push(lengthField(field, BigInt(r.int(64)), r.bytes(r.int(64))));
        break;
      case 3:
        parts.push(key(field, 3), r.bytes(r.int(16)), key(field, 4));
        break;
      case 4:
        parts.push(key(field, 5), r.bytes(4));
        break;
      default:
        parts.push(key(field, 2 + 4 * r.int(2)), r.bytes(r.int(8))); // wire types 2 and 6 (6 does not exist)
    }
  }
  return Buffer.concat(parts);
}

/** Huge length prefixes: a length-delimited field claiming up to 2^64 − 1 bytes. */
export function hugeLengthPrefix(r: Rand): Buffer {
  const claimed = r.pick([2n ** 31n, 2n ** 32n - 1n, 2n ** 63n, 2n ** 64n - 1n, BigInt(1 + r.int(2 ** 30))]);
  return lengthField(1 + r.int(8), claimed, r.bytes(r.int(32)));
}

/** A byte-level mutation of a valid encoding: bit flips, truncation, appended garbage, spliced or huge-length fields. */
export function mutate(r: Rand, valid: Buffer): { bytes: Buffer; how: string } {
  const b = Buffer.from(valid);
  switch (r.int(6)) {
    case 0: {
      const flips = 1 + r.int(8);
      for (let i = 0; i < flips && b.length; i++) b[r.int(b.length)] ^= 1 << r.int(8);
      return { bytes: b, how: 'bit flips' };
    }
    case 1:
      return { bytes: b.subarray(0, r.int(Math.max(1, b.length))), how: 'truncated' };
    case 2:
      return { bytes: Buffer.concat([b, r.bytes(1 + r.int(64))]), how: 'appended garbage' };
    case 3: {
      const at = r.int(b.length + 1);
      return { bytes: Buffer.concat([b.subarray(0, at), r.bytes(1 + r.int(16)), b.subarray(at)]), how: 'spliced garbage' };
    }
    case 4:
      return { bytes: r.chance(0.5) ? Buffer.concat([hugeLengthPrefix(r), b]) : Buffer.concat([b, hugeLengthPrefix(r)]), how: 'huge length prefix' };
    default:
      return { bytes: Buffer.concat([b, wrongTypes(r)]), how: 'wrong wire types' };
  }
}

// ---- calls ---------------------------------------------------------------------------------

/** How a call ended: the status code (0 = OK), its details and, on success, the reply. */
export interface Outcome {
  code: grpc.status;
  details: string;
  value?: unknown;
}

/** The RPCs of both services, with their full paths and whether they stream replies. */
export const METHODS = [
  { service: 'Fleet', name: 'Hello', stream: false },
  { service: 'Fleet', name: 'PullTask', stream: false },
  { service: 'Fleet', name: 'PushResult', stream: false },
  { service: 'Fleet', name: 'Heartbeat', stream: false },
  { service: 'Control', name: 'SubmitJob', stream: false },
  { service: 'Control', name: 'GetJobStatus', stream: false },
  { service: 'Control', name: 'WatchJob', stream: true },
  { service: 'Control', name: 'FetchModel', stream: true },
  { service: 'Control', name: 'ListParticipants', stream: false },
] as const;
export type MethodName = (typeof METHODS)[number]['name'];

type AnyClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

/** Typed and raw clients of one coordinator. */
export class FuzzClients {
  readonly fleet: AnyClient;
  readonly control: AnyClient;
  private readonly raw: AnyClient;
  private readonly serializers = new Map<string, (v: unknown) => Buffer>();

  constructor(address: string, readonly callMs = 5000) {
    const P = loadProto().fedcredit.v1;
    const creds = grpc.credentials.createInsecure();
    this.fleet = new P.Fleet(address, creds, channelOptions()) as unknown as AnyClient;
    this.control = new P.Control(address, creds, channelOptions()) as unknown as AnyClient;
    const id = (b: Buffer) => b;
    const def: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
    for (const m of METHODS) {
      def[m.name] = {
        path: `/fedcredit.v1.${m.service}/${m.name}`,
        requestStream: false,
        responseStream: m.stream,
        requestSerialize: id,
        requestDeserialize: id,
        responseSerialize: id,
        responseDeserialize: id,
      };
      const svc = (m.service === 'Fleet' ? P.Fleet.service : P.Control.service) as unknown as Record<string, { requestSerialize: (v: unknown) => Buffer }>;
      this.serializers.set(m.name, svc[m.name].requestSerialize);
    }
    const Raw = grpc.makeGenericClientConstructor(def as grpc.ServiceDefinition, 'Raw');
    this.raw = new Raw(address, creds, channelOptions()) as unknown as AnyClient;
  }

  /** The valid protobuf encoding of `request` for `method`. */
  encode(method: MethodName, request: unknown): Buffer {
    return this.serializers.get(method)!(request);
  }

  /**
   * The deadline of a call: `callMs`, and 30 s for requests over 64 KiB (megabyte messages cross
   * HTTP/2 flow-control windows, which take longer while both processes are busy).
   */
  private deadline(size: number): Date {
    return new Date(Date.now() + (size > 65_536 ? Math.max(30_000, this.callMs) : this.callMs));
  }

  /** A unary call through the typed client (`method` as in the service, e.g. "Hello"). */
  unary(method: MethodName, request: unknown): Promise<Outcome> {
    const service = METHODS.find((m) => m.name === method)!.service === 'Fleet' ? this.fleet : this.control;
    const fn = service[method[0].toLowerCase() + method.slice(1)].bind(service) as (...a: unknown[]) => unknown;
    return new Promise((resolve) => {
      fn(request, new grpc.Metadata(), { deadline: this.deadline(this.encode(method, request).length) }, (err: grpc.ServiceError | null, value: unknown) =>
        resolve(err ? { code: err.code, details: err.details ?? '' } : { code: grpc.status.OK, details: '', value }),
      );
    });
  }

  /** A server-streaming call through the typed client; `cancelOnData` ends it after the first message (status CANCELLED). */
  stream(method: 'WatchJob' | 'FetchModel', request: unknown, cancelOnData = false): Promise<Outcome & { messages: number }> {
    const fn = this.control[method[0].toLowerCase() + method.slice(1)].bind(this.control) as (...a: unknown[]) => grpc.ClientReadableStream<unknown>;
    return collect(fn(request, new grpc.Metadata(), { deadline: this.deadline(this.encode(method, request).length) }), cancelOnData);
  }

  /** Arbitrary bytes as the request of `method` (identity serializers: nothing checks them client-side). */
  rawCall(method: MethodName, bytes: Buffer, cancelOnData = true): Promise<Outcome & { messages?: number }> {
    const m = METHODS.find((x) => x.name === method)!;
    const fn = this.raw[method].bind(this.raw) as (...a: unknown[]) => unknown;
    const deadline = this.deadline(bytes.length);
    if (m.stream) return collect(fn(bytes, new grpc.Metadata(), { deadline }) as grpc.ClientReadableStream<unknown>, cancelOnData);
    return new Promise((resolve) => {
      fn(bytes, new grpc.Metadata(), { deadline }, (err: grpc.ServiceError | null, value: unknown) =>
        resolve(err ? { code: err.code, details: err.details ?? '' } : { code: grpc.status.OK, details: '', value }),
      );
    });
  }

  close(): void {
    this.fleet.close();
    this.control.close();
    this.raw.close();
  }
}

function collect(call: grpc.ClientReadableStream<unknown>, cancelOnData: boolean): Promise<Outcome & { messages: number }> {
  return new Promise((resolve) => {
    let messages = 0;
    let done = false;
    const finish = (o: Outcome) => {
      if (done) return;
      done = true;
      resolve({ ...o, messages });
    };
    call.on('data', () => {
      messages++;
      if (cancelOnData && messages === 1) call.cancel();
    });
    call.on('error', (err: grpc.ServiceError) => finish({ code: err.code, details: err.details ?? '' }));
    call.on('status', (s: grpc.StatusObject) => finish({ code: s.code, details: s.code === grpc.status.OK ? '' : s.details }));
  });
}

/** Runs `next()` jobs with at most `concurrency` in flight until it returns null. */
export async function pool(concurrency: number, next: () => (() => Promise<void>) | null): Promise<void> {
  const worker = async () => {
    for (let job = next(); job; job = next()) await job();
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Resident set size of a process in MiB, from /proc (NaN where /proc is not available). */
export function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

// ---- bookkeeping ---------------------------------------------------------------------------

/** Status codes a call may end with, by name for readability. */
export const S = grpc.status;
/** A set of acceptable status codes. */
export type Expect = ReadonlySet<grpc.status>;
export const codes = (...list: grpc.status[]): Expect => new Set(list);

/**
 * grpc-js answers a request whose bytes do not parse as the method's protobuf message itself,
 * before any handler runs: INTERNAL "Error deserializing request". That is a clean error of the
 * library (the process keeps serving), not one of ours, and only raw byte messages can cause it;
 * it is counted apart from the handlers' statuses.
 */
export const LIBRARY_PARSE_ERROR = /^Error deserializing request/;

/** Counts of outcomes per category and status, and every outcome that broke the rules. */
export class Tally {
  readonly counts = new Map<string, Map<string, number>>();
  readonly byCode = new Map<string, number>();
  total = 0;
  /** Random, mutated or garbage messages (categories "raw: …", "typed: …" and the driver's garbage). */
  fuzzed = 0;
  libraryParse = 0;
  readonly problems: string[] = [];

  /**
   * Records one call. A problem is an unexpected status, an error without details, or INTERNAL /
   * UNKNOWN from our handlers (only raw bytes may draw the library's parse error).
   */
  record(category: string, method: string, allowed: Expect, o: Outcome, note = ''): void {
    this.total++;
    if (/^(raw|typed):|garbage/.test(category)) this.fuzzed++;
    const raw = category.startsWith('raw');
    const library = raw && o.code === S.INTERNAL && LIBRARY_PARSE_ERROR.test(o.details);
    const name = library ? 'INTERNAL (grpc-js parse)' : S[o.code];
    const perCat = this.counts.get(category) ?? new Map<string, number>();
    perCat.set(name, (perCat.get(name) ?? 0) + 1);
    this.counts.set(category, perCat);
    this.byCode.set(name, (this.byCode.get(name) ?? 0) + 1);
    if (library) {
      this.libraryParse++;
      return;
    }
    const where = `${category} / ${method}${note ? ` (${note})` : ''}`;
    if (!allowed.has(o.code)) this.problems.push(`${where}: got ${S[o.code]} "${o.details.slice(0, 300)}", expected one of ${[...allowed].map((c) => S[c]).join(', ')}`);
    else if (o.code !== S.OK && o.code !== S.CANCELLED && !o.details.trim()) this.problems.push(`${where}: ${S[o.code]} without details`);
  }

  /** A problem found by a check other than the status. */
  fail(what: string): void {
    this.problems.push(what);
  }

  /** A table of counts per category and status, for the log. */
  table(): string {
    const lines = [...this.counts].sort(([a], [b]) => a.localeCompare(b)).map(([cat, m]) => {
      const n = [...m.values()].reduce((a, b) => a + b, 0);
      return `  ${cat.padEnd(44)} ${String(n).padStart(5)}  ${[...m].sort().map(([c, k]) => `${c} ${k}`).join(', ')}`;
    });
    const codes = [...this.byCode].sort().map(([c, k]) => `${c} ${k}`).join(', ');
    return [...lines, `  ${'total'.padEnd(44)} ${String(this.total).padStart(5)}  ${codes}`, `  ${'of which random, mutated or garbage'.padEnd(44)} ${String(this.fuzzed).padStart(5)}`].join('\n');
  }
}
