/**
 * Where a round's time goes: the V8 sampling profiler (node:inspector) runs over rounds ≥ 1 of
 * one extra job per mode, and every sample is put in one category by its call stack. All parties
 * share the benchmark's process, so the categories add up to the wall time of the rounds: the
 * participants' work of all n members one after another, the coordinator's, the transport's and
 * the runtime's (garbage collection, and the event loop's own time).
 *
 * V8 marks as "(idle)" every sample taken while Node's event loop is in its I/O phase and no
 * JavaScript runs: that is waiting, but also the native work of the I/O callbacks themselves —
 * TLS encryption and decryption, HTTP/2 framing, socket reads and writes. A TLS echo in one
 * process keeps its main thread 99 % busy (its CPU time from /proc) while the profiler calls 42 %
 * of the samples idle, so the category says both.
 *
 * A sample's category is decided by its stack, leaf first:
 * - the model's local computation: any frame of tfjs, its wasm kernels or the participant's trainer;
 * - Ed25519: the Fleet message signatures (trust/signing.ts, with their payload digests), and
 *   the secure sums' own signatures (key adverts, consistency check: advert.ts sign/verify);
 * - the secure-sum protocol: core/secagg (masking PRG, X25519, HKDF, Shamir, secretbox, stage
 *   machines), split by side: the coordinator's server steps or the participants' client steps;
 * - gRPC, HTTP/2 and TLS: @grpc/grpc-js and Node's http2/tls/net internals;
 * - encoding and validation: protobuf tensors and wire codecs (proto/), zod;
 * - everything else is "other": coordinator bookkeeping, the nodes' handler chains, the runtime.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Session } from 'node:inspector/promises';

/** One sample category, in the order the table lists them. */
export const TIME_CATEGORIES = [
  'local model computation (tfjs)',
  'Ed25519: Fleet message signatures (with payload digests)',
  'Ed25519: secure-sum adverts and consistency check',
  'secure-sum protocol, participants (PRG masks, X25519, HKDF, Shamir, secretbox)',
  'secure-sum protocol, coordinator (unmasking, sums)',
  'gRPC, HTTP/2 and TLS',
  'message encoding and validation (protobuf, zod)',
  'garbage collection',
  'event loop outside JavaScript (native TLS and socket work, and waiting)',
  'other (coordinator bookkeeping, handler chains, runtime)',
] as const;
export type TimeCategory = (typeof TIME_CATEGORIES)[number];

interface CallFrame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
/** The parts of a V8 CPU profile that are read here. */
export interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

const has = (frames: CallFrame[], needle: string) => frames.some((f) => f.url.includes(needle));

/** The category of one sample, from its stack (`frames`, leaf first). */
export function categoryOf(frames: CallFrame[]): TimeCategory {
  const leaf = frames[0];
  if (!leaf) return 'other (coordinator bookkeeping, handler chains, runtime)';
  if (leaf.functionName === '(garbage collector)') return 'garbage collection';
  if (leaf.functionName === '(idle)') return 'event loop outside JavaScript (native TLS and socket work, and waiting)';
  if (frames.some((f) => f.url.includes('@tensorflow') || f.functionName.startsWith('wasm-function') || f.url.includes('/participant/trainer/'))) {
    return 'local model computation (tfjs)';
  }
  if (has(frames, '/trust/signing.ts')) return 'Ed25519: Fleet message signatures (with payload digests)';
  if (frames.some((f) => f.url.endsWith('/core/secagg/protocol/advert.ts') && (f.functionName === 'verify' || f.functionName === 'sign'))) {
    return 'Ed25519: secure-sum adverts and consistency check';
  }
  const secagg = frames.findIndex((f) => f.url.includes('/core/secagg/'));
  if (secagg >= 0) {
    const server = frames.slice(secagg).some((f) => /\/core\/secagg\/protocol\/server[-.]|\/core\/round\/secure-sum\.ts/.test(f.url));
    const client = frames.slice(secagg).some((f) => f.url.includes('/participant/') || /\/core\/secagg\/protocol\/client[-.]/.test(f.url));
    if (client || !server) return 'secure-sum protocol, participants (PRG masks, X25519, HKDF, Shamir, secretbox)';
    return 'secure-sum protocol, coordinator (unmasking, sums)';
  }
  for (const f of frames) {
    if (f.url.includes('@grpc/') || /^node:(_tls|tls|http2|net|_http2|internal\/http2|internal\/stream)/.test(f.url)) return 'gRPC, HTTP/2 and TLS';
    if (f.url.includes('/proto/') || f.url.includes('/zod/') || f.url.includes('protobufjs')) return 'message encoding and validation (protobuf, zod)';
    if (f.url.includes('/core/') || f.url.includes('/coordinator/') || f.url.includes('/participant/') || f.url.includes('/trust/')) break;
  }
  return 'other (coordinator bookkeeping, handler chains, runtime)';
}

/** Seconds per category in `profile`. */
export function splitProfile(profile: CpuProfile): Record<TimeCategory, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const category = new Map<number, TimeCategory>();
  const out = Object.fromEntries(TIME_CATEGORIES.map((c) => [c, 0])) as Record<TimeCategory, number>;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i]!;
    let c = category.get(id);
    if (!c) {
      const frames: CallFrame[] = [];
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) frames.push(byId.get(at)!.callFrame);
      c = categoryOf(frames);
      category.set(id, c);
    }
    out[c] += Math.max(0, deltas[i] ?? 0) / 1e6;
  }
  return out;
}

/** A sampling profiler over this process's main thread, started and stopped around parts of a run. */
export class ProcessProfiler {
  private readonly session = new Session();
  private running = false;

  async start(intervalUs = 500): Promise<void> {
    if (this.running) return;
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await this.session.post('Profiler.start');
    this.running = true;
  }

  /**
   * Stops the profiler and returns seconds per category of what it sampled; with `saveAs`, the
   * raw profile is also written there (a .cpuprofile file Chrome DevTools opens).
   */
  async stop(saveAs?: string): Promise<Record<TimeCategory, number>> {
    if (!this.running) throw new Error('the profiler is not running');
    const { profile } = (await this.session.post('Profiler.stop')) as { profile: CpuProfile };
    await this.session.post('Profiler.disable');
    this.session.disconnect();
    this.running = false;
    if (saveAs) {
      await mkdir(path.dirname(saveAs), { recursive: true });
      await writeFile(saveAs, JSON.stringify(profile));
    }
    return splitProfile(profile);
  }
}
