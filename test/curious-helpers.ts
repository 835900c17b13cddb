/**
 * Reading what the coordinator received and stored, for the curious-coordinator test
 * (secagg-curious.test.ts): recorded replies, masked words, sums mod 2^32, and the attempt to
 * open share ciphertexts with every key derivable from the coordinator's material.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { TaskKind } from '../core/types.ts';
import { deriveKey } from '../core/secagg/kdf.ts';
import type { KeyContext } from '../core/secagg/kdf.ts';
import { isAllZero } from '../core/secagg/keys.ts';
import { open } from '../core/secagg/secretbox.ts';
import { addMod } from '../core/secagg/quantize.ts';
import type { SecAggConfig } from '../core/secagg/protocol/types.ts';

export const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
export const words = (bytes: Uint8Array): Uint32Array => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Uint32Array.from({ length: bytes.length / 4 }, (_, i) => view.getUint32(4 * i, true));
};
export const wordBytes = (w: Uint32Array): Buffer => {
  const out = Buffer.alloc(4 * w.length);
  w.forEach((x, i) => out.writeUInt32LE(x, 4 * i));
  return out;
};

/** A SecAggReply as the recorder wrote it (Buffers → base64, the UINT32 tensor → base64). */
export interface RecordedReply {
  message: string;
  cPk: string;
  sPk: string;
  ciphertexts: { peer: string; ciphertext: string }[];
  maskedInput: { name: string; dtype: string; shape: number[]; values: string } | null;
  selfMaskShares: { owner: string; share: string }[];
  keyShares: { owner: string; share: string }[];
}

/** Everything the coordinator received in one secure sum, by participant. */
export interface ReceivedSum {
  config: SecAggConfig;
  kind: TaskKind;
  keys: Map<string, { cPk: Uint8Array; sPk: Uint8Array }>;
  ciphertexts: { src: string; dst: string; ct: Uint8Array }[];
  masked: Map<string, Uint32Array>;
  selfMaskShares: { holder: string; owner: string; share: Uint8Array }[];
  keyShares: { holder: string; owner: string; share: Uint8Array }[];
}

export const STEPS = ['advertise-keys', 'share-keys', 'masked-input', 'unmasking'];

/** The sum of `vectors` mod 2^32. */
export function sumMod(vectors: Uint32Array[]): Uint32Array {
  const out = new Uint32Array(vectors[0].length);
  for (const v of vectors) addMod(out, v, 32);
  return out;
}

/** Nonempty proper subsets of `items`. */
export function properSubsets<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let mask = 1; mask < (1 << items.length) - 1; mask++) out.push(items.filter((_, i) => mask & (1 << i)));
  return out;
}

/** Every file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** How many keys derivable from `candidates` open a share ciphertext of the channel src → dst. */
export function keysThatOpen(ct: Uint8Array, cfg: SecAggConfig, src: string, dst: string, candidates: Uint8Array[]): { tried: number; opened: number } {
  let tried = 0;
  let opened = 0;
  const attempt = (key: Uint8Array) => {
    tried++;
    try {
      open(key, ct);
      opened++;
    } catch {
      // expected: authentication fails
    }
  };
  const ctx = (purpose: KeyContext['purpose'], a: string, b: string): KeyContext => ({ run: cfg.run, round: cfg.round, purpose, a, b });
  for (const x of candidates) {
    if (x.length === 32) attempt(x);
    if (x.length < 16 || isAllZero(x)) continue;
    for (const c of [ctx('share-enc', src, dst), ctx('share-enc', dst, src), ctx('mask', src, dst), ctx('self-mask', src, src), ctx('self-mask', dst, dst)]) {
      attempt(deriveKey(x, c));
    }
  }
  return { tried, opened };
}
