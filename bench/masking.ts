/**
 * Masking benchmarks, all in this process and interleaved so that both sides of every ratio see
 * the same machine state:
 *
 * 1. Throughput. A client masks its vector x (`words` uint32) with its self mask and `k`
 *    pairwise masks: applyMask(x, k + 1 terms, 32 bits) (core/secagg/mask.ts), i.e. k + 1
 *    ChaCha20 keystreams of 4·words bytes plus the additions. Its rate, in MB (10^6 bytes) of
 *    mask material per second, is compared with this machine's raw ChaCha20 keystream rate
 *    through node:crypto, measured two ways (chacha20Keystream of the whole vector, and
 *    createCipheriv/update over a reused 64 KiB zero buffer) — the faster one is the reference.
 *    Also timed: the textbook composition expandMask + addMod/subMod per term (what applyMask
 *    did before it was chunked), for comparison.
 * 2. Protocol steps. The pure stage machines (core/secagg/protocol) for n clients over the real
 *    train-vector length and neighbour graph of the round benchmark, driven in memory: the time of
 *    a client's masked-input step (share decryption, key agreement, key derivation, masking) and
 *    of the coordinator's unmasking step (Shamir reconstruction of the survivors' self-mask seeds,
 *    and of a dropped client's masking key, then removeMask), with no dropout and with one client
 *    dropping before it sends its masked input.
 */
import { createCipheriv, diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import nacl from 'tweetnacl';
import { generateKeyPair, sharedSecret } from '../core/secagg/keys.ts';
import { applyMask, maskKernel } from '../core/secagg/mask.ts';
import type { MaskTerm } from '../core/secagg/mask.ts';
import { chacha20Keystream, expandMask } from '../core/secagg/prg.ts';
import { addMod, subMod } from '../core/secagg/quantize.ts';
import { clientStep, initClient } from '../core/secagg/protocol/client.ts';
import { graphRevealsFor, initServer, serverStep } from '../core/secagg/protocol/server.ts';
import type { SecAggConfig } from '../core/secagg/protocol/config-types.ts';
import type { ClientOutput, MaskedInputMessage, ServerOutput } from '../core/secagg/protocol/messages.ts';
import type { ClientState, ServerState } from '../core/secagg/protocol/states.ts';
import { secureRoundParams } from '../core/round/secure-plan.ts';
import { trainShape } from '../core/aggregate/train.ts';
import { JobSpecSchema } from '../core/job.ts';
import type { Rng } from '../core/types.ts';
import { median } from './stats.ts';

const rng: Rng = (n) => new Uint8Array(randomBytes(n));

/** Result of {@link runMaskingBench}. */
export interface MaskingResult {
  words: number;
  /** Mask terms per vector: 1 self mask + k pairwise. */
  terms: number;
  reps: number;
  kernel: 'wasm-simd' | 'js';
  /** MB (10^6 bytes) of mask material per second, medians over the interleaved repetitions. */
  keystreamApiMBps: number;
  keystreamChunkedMBps: number;
  keystreamMBps: number;
  maskingMBps: number;
  textbookMBps: number;
  ratio: number;
  textbookRatio: number;
  maskingMsPerVector: number;
}

/** Median time in ms of one call of each function, calls interleaved round-robin over `reps` rounds after `warm` warm-up rounds. */
function interleaved<K extends string>(fns: Record<K, () => void>, reps: number, warm: number): Record<K, number> {
  // Object.keys of a Record<K, …> lists exactly its K keys.
  const runs = (Object.keys(fns) as K[]).map((name) => ({ name, fn: fns[name], times: [] as number[] }));
  for (let r = -warm; r < reps; r++) {
    for (const run of runs) {
      const t0 = performance.now();
      run.fn();
      const dt = performance.now() - t0;
      if (r >= 0) run.times.push(dt);
    }
  }
  return Object.fromEntries(runs.map((run) => [run.name, median(run.times)])) as Record<K, number>;
}

/** Keystream and masking throughput for `words` words and `terms` mask terms. */
export function runMaskingBench(words: number, terms: number, reps = 60): MaskingResult {
  const keys = Array.from({ length: terms }, () => rng(32));
  const masks: MaskTerm[] = keys.map((key, i) => ({ key, sign: i % 2 === 0 ? 1 : -1 }));
  const x = new Uint32Array(rng(4 * words).buffer);
  const zeroNonce = new Uint8Array(12);
  const zeroChunk = new Uint8Array(65536);
  const iv = new Uint8Array(16);
  const bytes = 4 * words;
  let sink = 0;
  const ms = interleaved(
    {
      keystreamApi: () => {
        for (const key of keys) sink ^= chacha20Keystream(key, zeroNonce, 0, bytes)[0]!;
      },
      keystreamChunked: () => {
        for (const key of keys) {
          const c = createCipheriv('chacha20', key, iv);
          for (let off = 0; off < bytes; off += zeroChunk.length) {
            sink ^= c.update(off + zeroChunk.length <= bytes ? zeroChunk : zeroChunk.subarray(0, bytes - off))[0]!;
          }
          c.final();
        }
      },
      masking: () => {
        sink ^= applyMask(x, masks, 32)[0]!;
      },
      textbook: () => {
        const y = Uint32Array.from(x);
        for (const m of masks) {
          const prg = expandMask(m.key, words);
          if (m.sign === 1) addMod(y, prg, 32);
          else subMod(y, prg, 32);
        }
        sink ^= y[0]!;
      },
    },
    reps,
    5,
  );
  if (sink === 0.5) console.error('unreachable'); // keeps the results observable
  const mb = (bytes * terms) / 1e6;
  const rate = (t: number) => mb / (t / 1000);
  const keystreamMBps = Math.max(rate(ms.keystreamApi), rate(ms.keystreamChunked));
  return {
    words,
    terms,
    reps,
    kernel: maskKernel(),
    keystreamApiMBps: rate(ms.keystreamApi),
    keystreamChunkedMBps: rate(ms.keystreamChunked),
    keystreamMBps,
    maskingMBps: rate(ms.masking),
    textbookMBps: rate(ms.textbook),
    ratio: rate(ms.masking) / keystreamMBps,
    textbookRatio: rate(ms.textbook) / keystreamMBps,
    maskingMsPerVector: ms.masking,
  };
}

/** Result of {@link runProtocolBench}. */
export interface ProtocolStepResult {
  parties: number;
  words: number;
  neighbours: number;
  threshold: number;
  reps: number;
  /** Medians over clients and repetitions of one client's steps: keys, shares, masked input, unmasking. */
  clientStepsMs: { advertiseKeys: number; shareKeys: number; maskedInput: number; unmasking: number };
  /** Median over clients and repetitions of one client's masked-input step. */
  clientMaskStepMs: number;
  /** One X25519 agreement with core/secagg/keys.ts sharedSecret (stateless: raw 32-byte keys in and out), ms. */
  x25519CoreMs: number;
  /** The same agreement with tweetnacl's pure-JavaScript scalarMult, ms. */
  x25519NaclMs: number;
  /** One X25519 agreement with node:crypto on an already imported KeyObject (for comparison), ms. */
  x25519NodeMs: number;
  /** Coordinator: summing the masked inputs (masked-input deadline step). */
  serverSumStepMs: number;
  /** Coordinator: unmasking step, nobody dropped. */
  unmaskMs: number;
  /** Coordinator: unmasking step when one client dropped before sending its masked input. */
  /** NaN when one dropout is not survivable at this size (t = n). */
  unmaskOneDroppedMs: number;
}

function expectType<T extends ClientOutput['type'] | ServerOutput['type']>(o: { type: string }, t: T): void {
  if (o.type !== t) throw new Error(`protocol bench: expected ${t}, got ${o.type}${'reason' in o ? `: ${String(o.reason)}` : ''}`);
}

/** One in-memory round; returns the step timings (ms). */
interface RoundTimes {
  steps: Record<'begin' | 'peer-keys' | 'peer-commits' | 'graph-reveals' | 'mask-input' | 'consistency-request' | 'unmask-request', number[]>;
  clientMs: number[];
  sumMs: number;
  unmaskMs: number;
}

function timedRound(config: SecAggConfig, dropBeforeMasking: string | undefined): RoundTimes {
  const ids = config.participants;
  const clients = new Map<string, ClientState>(ids.map((u) => [u, initClient(config, u)]));
  let server: ServerState = initServer(config);
  const steps: RoundTimes['steps'] = { begin: [], 'peer-keys': [], 'peer-commits': [], 'graph-reveals': [], 'mask-input': [], 'consistency-request': [], 'unmask-request': [] };
  const client = (u: string, input: Parameters<typeof clientStep>[1]) => {
    const t = performance.now();
    const { state, output } = clientStep(clients.get(u)!, input, rng);
    steps[input.type].push(performance.now() - t);
    clients.set(u, state);
    return output;
  };
  const advance = (input: Parameters<typeof serverStep>[1]) => {
    const { state, output } = serverStep(server, input);
    server = state;
    return output;
  };
  const adverts = ids.map((u) => client(u, { type: 'begin' }));
  adverts.forEach((a) => expectType(a, 'advertise-keys'));
  const announced = advance({ type: 'advertise-keys-deadline', messages: adverts as Extract<ClientOutput, { type: 'advertise-keys' }>[] });
  let shares: ClientOutput[];
  if (announced.type === 'peer-commits') {
    // SecAgg+: every advertiser reveals its graph nonce, then all draw the graph and get their neighbours' keys.
    const nonces = ids.map((u) => client(u, { type: 'peer-commits', commits: announced.commits }));
    nonces.forEach((s) => expectType(s, 'graph-nonce'));
    const reveals = advance({ type: 'graph-reveal-deadline', messages: nonces as Extract<ClientOutput, { type: 'graph-nonce' }>[] });
    if (reveals.type !== 'forward-reveals') throw new Error(`protocol bench: ${reveals.type}`);
    shares = ids.map((u) => client(u, graphRevealsFor(reveals, u)));
  } else {
    expectType(announced, 'peer-keys');
    if (announced.type !== 'peer-keys') throw new Error('unreachable');
    shares = ids.map((u) => client(u, { type: 'peer-keys', keys: announced.keys }));
  }
  shares.forEach((s) => expectType(s, 'share-keys'));
  const fwd = advance({ type: 'share-keys-deadline', messages: shares as Extract<ClientOutput, { type: 'share-keys' }>[] });
  if (fwd.type !== 'forward-shares') throw new Error(`protocol bench: ${fwd.type}`);
  const clientMs: number[] = [];
  const masked: MaskedInputMessage[] = [];
  for (const u of fwd.shared) {
    if (u === dropBeforeMasking) continue;
    const input = new Uint32Array(rng(4 * config.length).buffer);
    const delivery = fwd.deliveries.find((d) => d.to === u)!;
    const t0 = performance.now();
    const out = client(u, { type: 'mask-input', delivery, input });
    clientMs.push(performance.now() - t0);
    expectType(out, 'masked-input');
    masked.push(out as MaskedInputMessage);
  }
  let t0 = performance.now();
  const req = advance({ type: 'masked-input-deadline', messages: masked });
  const sumMs = performance.now() - t0;
  if (req.type !== 'unmask-request') throw new Error(`protocol bench: ${req.type}`);
  const responses = req.survivors.map((u) => client(u, { type: 'unmask-request', survivors: req.survivors, dropped: req.dropped }));
  responses.forEach((r) => expectType(r, 'unmasking'));
  t0 = performance.now();
  const result = advance({ type: 'unmasking-deadline', messages: responses as Extract<ClientOutput, { type: 'unmasking' }>[] });
  const unmaskMs = performance.now() - t0;
  expectType(result, 'result');
  return { steps, clientMs, sumMs, unmaskMs };
}

/**
 * Protocol-step timings for `parties` clients and the train vector of a model with `parameters`
 * parameters, with the same plan, neighbour graph and threshold as a real round of the job defaults.
 */
export function runProtocolBench(parties: number, parameters: number, reps = 3): ProtocolStepResult {
  // The job defaults (minParticipants 2): t is a majority of each participant's share holders,
  // so the round survives the one dropout the second timing simulates.
  const job = JobSpecSchema.parse({ aggregation: 'secagg' });
  const ids = Array.from({ length: parties }, (_, i) => `party-${String(i + 1).padStart(2, '0')}`);
  const clientMs: number[] = [];
  const steps: RoundTimes['steps'] = { begin: [], 'peer-keys': [], 'peer-commits': [], 'graph-reveals': [], 'mask-input': [], 'consistency-request': [], 'unmask-request': [] };
  const sumMs: number[] = [];
  const unmask: number[] = [];
  const unmaskDropped: number[] = [];
  let last: ReturnType<typeof secureRoundParams> | undefined;
  for (let r = -1; r < reps; r++) {
    // A fresh run id per round: mask keys are single-use.
    const params = secureRoundParams(job, 'train', trainShape(parameters), `bench/train/1/${r + 2}`, 1, ids);
    last = params;
    const a = timedRound(params.config, undefined);
    // In a small consortium (t = n) one dropout aborts the sum: that timing is then n/a.
    const b = survivableDropout(() => timedRound({ ...params.config, run: `${params.config.run}-drop` }, ids[parties - 1]));
    if (r < 0) continue; // warm-up
    clientMs.push(...a.clientMs, ...(b?.clientMs ?? []));
    for (const k of Object.keys(steps) as (keyof RoundTimes['steps'])[]) steps[k].push(...a.steps[k]);
    sumMs.push(a.sumMs);
    unmask.push(a.unmaskMs);
    if (b) unmaskDropped.push(b.unmaskMs);
  }
  return {
    parties,
    words: last!.config.length,
    neighbours: last!.neighbours,
    threshold: last!.config.threshold,
    reps,
    clientStepsMs: {
      advertiseKeys: median(steps.begin),
      shareKeys: median(steps['graph-reveals'].length ? steps['graph-reveals'] : steps['peer-keys']),
      maskedInput: median(steps['mask-input']),
      unmasking: median(steps['unmask-request']),
    },
    clientMaskStepMs: median(clientMs),
    ...x25519Bench(),
    serverSumStepMs: median(sumMs),
    unmaskMs: median(unmask),
    unmaskOneDroppedMs: unmaskDropped.length ? median(unmaskDropped) : Number.NaN,
  };
}

/** The timed round with one dropout, or undefined when the protocol aborts it (too few survivors). */
function survivableDropout(round: () => RoundTimes): RoundTimes | undefined {
  try {
    return round();
  } catch (err) {
    if ((err as Error).message === 'protocol bench: abort') return undefined;
    throw err;
  }
}

/**
 * Cost of one X25519 agreement: the core's sharedSecret (raw keys in, JWK import into OpenSSL,
 * as the protocol calls it with its own public key known), tweetnacl's pure-JS scalarMult, and
 * node:crypto's diffieHellman on already imported KeyObjects.
 */
function x25519Bench(reps = 200): { x25519CoreMs: number; x25519NaclMs: number; x25519NodeMs: number } {
  const a = generateKeyPair(rng);
  const b = generateKeyPair(rng);
  const nodeA = generateKeyPairSync('x25519');
  const nodeB = generateKeyPairSync('x25519');
  const ms = interleaved(
    {
      core: () => void sharedSecret(a.secretKey, b.publicKey, a.publicKey),
      nacl: () => void nacl.scalarMult(a.secretKey, b.publicKey),
      node: () => void diffieHellman({ privateKey: nodeA.privateKey, publicKey: nodeB.publicKey }),
    },
    reps,
    20,
  );
  return { x25519CoreMs: ms.core, x25519NaclMs: ms.nacl, x25519NodeMs: ms.node };
}
