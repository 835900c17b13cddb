/**
 * Random bytes for the coordinator fuzz test (test/fuzz.test.ts): a seeded source of random
 * choices, a protobuf wire writer for messages no typed client would send (wrong wire types, huge
 * length prefixes), and byte-level mutations of valid encodings.
 */
import { seededRng, uniform01 } from '../core/random.ts';

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
  /** One of `items`, which must not be empty. */
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new RangeError('Rand.pick: there is nothing to pick from (no items)');
    return item;
  }
  bytes(n: number): Buffer {
    return Buffer.from(this.rng(n));
  }
  /** A string of `n` characters drawn from `alphabet`. */
  str(n: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet.charAt(this.int(alphabet.length));
    return s;
  }
}

/** A string of `min` to 5·`min` characters, and once in 50 draws a whole megabyte. */
export const huge = (r: Rand, min: number): string => 'h'.repeat(r.chance(0.02) ? 1_000_000 : min + r.int(4 * min));

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
      for (let i = 0; i < flips && b.length; i++) {
        const at = r.int(b.length);
        b[at] = b[at]! ^ (1 << r.int(8));
      }
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
