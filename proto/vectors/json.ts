/**
 * JSON forms of the test vectors: bytes as lowercase hex, typed vectors as plain number arrays, and
 * the recording / replaying byte source that makes every random draw of a vector reproducible in
 * any language (a "tape": the exact bytes each draw returned, in order, with the step that drew it).
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Rng } from '../../core/types.ts';

/** Directory of the vector files (this file's directory). */
export const VECTORS_DIR = path.dirname(fileURLToPath(import.meta.url));

/** Lowercase hex of `b`. */
export const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** Bytes of a hex string. */
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

/** SHA-256 of `b`. */
export const sha256 = (b: Uint8Array | string): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());

/** Plain number array of a typed vector. */
export const nums = (v: ArrayLike<number>): number[] => Array.from(v);

/**
 * A JSON-safe copy of a value that may hold byte arrays (→ hex), Buffers (→ hex), typed number
 * arrays (→ arrays) and undefined fields (dropped).
 */
export function jsonSafe(v: unknown): unknown {
  if (v instanceof Uint8Array) return hex(v);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = jsonSafe(x);
    return out;
  }
  return v;
}

/** Writes a vector file: 2-space JSON and a final newline (stable for diffs). */
export function writeVector(file: string, value: unknown): void {
  writeFileSync(path.join(VECTORS_DIR, file), `${JSON.stringify(value, null, 2)}\n`);
}

/** One random draw: the step that asked for it and the bytes it got. */
export interface Draw {
  step: string;
  hex: string;
}

/** A byte source that records every draw, labelled with the current step. */
export interface Tape {
  rng: Rng;
  /** Labels the draws that follow. */
  at(step: string): void;
  draws: Draw[];
}

/** Records the draws of `source`. */
export function recordingTape(source: Rng): Tape {
  let step = '';
  const draws: Draw[] = [];
  return {
    draws,
    at: (s) => {
      step = s;
    },
    rng: (n) => {
      const b = source(n);
      draws.push({ step, hex: hex(b) });
      return b;
    },
  };
}

/**
 * Replays recorded draws in order: each call must ask for exactly as many bytes as the recorded
 * draw holds, in the same step; anything else throws (the code under test drew differently).
 */
export function replayTape(recorded: readonly Draw[], name = 'tape'): Tape {
  let step = '';
  let i = 0;
  const draws: Draw[] = [];
  return {
    draws,
    at: (s) => {
      step = s;
    },
    rng: (n) => {
      const d = recorded[i++];
      if (!d) throw new Error(`${name}: draw ${i - 1} of ${n} bytes in step "${step}" was not recorded`);
      if (d.hex.length !== 2 * n || d.step !== step) {
        throw new Error(`${name}: draw ${i - 1} asks for ${n} bytes in step "${step}", the tape has ${d.hex.length / 2} bytes in step "${d.step}"`);
      }
      draws.push(d);
      return unhex(d.hex);
    },
  };
}
