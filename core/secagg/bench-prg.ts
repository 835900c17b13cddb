/**
 * Micro-benchmark of the secure-aggregation PRG (ChaCha20, RFC 8439, via node:crypto) and of
 * masking as Bonawitz et al., CCS 2017 use it: y = x + PRG(b_u) + Σ ±PRG(s_uv).
 *
 * Run: `npx tsx core/secagg/bench-prg.ts [words] [masks] [reps]` (defaults 100000, 10, 30).
 * Prints MB/s for raw keystream generation, for expandMask alone and for applyMask with `masks`
 * keys over a vector of `words` uint32 (MB = 10^6 bytes of mask material). This script is a
 * development tool at the edge: it reads the clock and argv, which core modules never do.
 */
import { performance } from 'node:perf_hooks';
import { seededRng } from '../random';
import { applyMask } from './mask';
import type { MaskTerm } from './mask';
import { chacha20Keystream, expandMask } from './prg';

/** Options of one benchmark run. */
interface BenchOptions {
  words: number;
  masks: number;
  reps: number;
}

/** Throughputs measured by {@link runBench}, in MB/s (10^6 bytes per second). */
interface BenchResult {
  keystreamMBps: number;
  expandMaskMBps: number;
  applyMaskMBps: number;
  applyMaskMsPerVector: number;
}

/** Best-of-`reps` time in milliseconds of `fn`, after two warm-up calls. */
function bestMs(reps: number, fn: () => void): number {
  fn();
  fn();
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** Measures keystream, expandMask and applyMask throughput with seeded (non-secret) keys. */
function runBench(opts: BenchOptions): BenchResult {
  const rng = seededRng(2024);
  const bytes = opts.words * 4;
  const key = rng(32);
  const nonce = new Uint8Array(12);
  const masks: MaskTerm[] = Array.from({ length: opts.masks }, (_, i) => ({
    key: rng(32),
    sign: i % 2 === 0 ? 1 : -1,
  }));
  const x = new Uint32Array(opts.words).fill(7);
  let sink = 0;
  const ksMs = bestMs(opts.reps, () => {
    for (let i = 0; i < opts.masks; i++) sink ^= chacha20Keystream(key, nonce, i, bytes)[0];
  });
  const emMs = bestMs(opts.reps, () => {
    for (const m of masks) sink ^= expandMask(m.key, opts.words)[0];
  });
  const amMs = bestMs(opts.reps, () => {
    sink ^= applyMask(x, masks, 32)[0];
  });
  if (sink === 0.5) console.log('unreachable'); // keep results observable to the optimizer
  const total = (bytes * opts.masks) / 1e6;
  return {
    keystreamMBps: total / (ksMs / 1000),
    expandMaskMBps: total / (emMs / 1000),
    applyMaskMBps: total / (amMs / 1000),
    applyMaskMsPerVector: amMs,
  };
}

function main(): void {
  const [w, m, r] = process.argv.slice(2).map(Number);
  const opts: BenchOptions = { words: w || 100_000, masks: m || 10, reps: r || 30 };
  const res = runBench(opts);
  console.log(`node ${process.version}, ${opts.words} words × ${opts.masks} masks, best of ${opts.reps}`);
  console.log(`raw chacha20 keystream : ${res.keystreamMBps.toFixed(0)} MB/s`);
  console.log(`expandMask             : ${res.expandMaskMBps.toFixed(0)} MB/s`);
  console.log(
    `expandMask+applyMask   : ${res.applyMaskMBps.toFixed(0)} MB/s ` +
      `(${res.applyMaskMsPerVector.toFixed(2)} ms per masked vector)`,
  );
}

main();
