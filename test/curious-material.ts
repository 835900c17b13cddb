/**
 * What the curious coordinator holds, for the curious-coordinator test (secagg-curious.test.ts):
 * the public configuration of every secure sum it ran, the secure-aggregation replies it
 * recorded, read back per secure sum, and its state directory, which must hold aggregates only —
 * no masked vector, ciphertext, share or seed in any form.
 */
import { expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import { ControlClient } from '../client/control-client.ts';
import type { JobStatus } from '../client/control-client.ts';
import type { DataSchema } from '../core/data/schema.ts';
import type { JobSpec } from '../core/job.ts';
import { taskFor } from '../core/round/grid.ts';
import type { TaskKind } from '../core/types.ts';
import { toHex } from '../core/secagg/hex.ts';
import type { SecAggConfig } from '../core/secagg/protocol/types.ts';

/** A secure sum's public configuration, as the coordinator sent it with its tasks. */
export interface SentConfig {
  config: SecAggConfig;
  kind: TaskKind;
}

/**
 * Runs `job` on the coordinator to its end, tapping its grid (passively) for the public
 * configuration of every secure sum, in the order the sums ran.
 */
export async function runTapped(coord: CoordinatorHandle, job: JobSpec, schema: DataSchema): Promise<{ jobId: string; final: JobStatus; configs: SentConfig[] }> {
  const configs: SentConfig[] = [];
  const realRun = coord.grid.run.bind(coord.grid);
  coord.grid.run = (ps, tasks, ms) => {
    for (const p of ps) {
      const t = taskFor(tasks, p);
      if (t.secagg && !configs.some((c) => c.config.run === t.secagg!.config.run)) configs.push({ config: t.secagg.config, kind: t.kind });
    }
    return realRun(ps, tasks, ms);
  };
  const control = new ControlClient(coord.address);
  try {
    const jobId = await control.submit(job, schema);
    const final = await control.follow(jobId, () => undefined);
    return { jobId, final, configs };
  } finally {
    coord.grid.run = realRun;
    control.close();
  }
}

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

/** A recorded PushResult request. */
export interface RecordedPush {
  session: string;
  outcome: string;
  secagg: RecordedReply | null;
  contribution: unknown;
  refusal: unknown;
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

/** A round record as the coordinator stores it (rounds/NNNN.json). */
export interface StoredRound {
  round: number;
  metrics: Record<string, number>;
  trainLoss: number | null;
  failures: unknown[];
  secure: Record<string, number>;
  scoreHistogram?: { bins: number; negatives: number[]; positives: number[]; noised: boolean };
}

export const STEPS = ['advertise-keys', 'share-keys', 'masked-input', 'unmasking'];

/**
 * The recorded replies split into the secure sums they belong to, in the order of `configs`:
 * steps are sequential (each waits for every reply), so each sum is 4·n consecutive replies.
 */
export function receivedSums(pushes: RecordedPush[], configs: SentConfig[], names: string[], sessionOwner: Map<string, string>): ReceivedSum[] {
  return configs.map(({ config, kind }, s) => {
    const r: ReceivedSum = { config, kind, keys: new Map(), ciphertexts: [], masked: new Map(), selfMaskShares: [], keyShares: [] };
    const chunk = pushes.slice(s * 4 * names.length, (s + 1) * 4 * names.length);
    chunk.forEach((p, i) => {
      const from = sessionOwner.get(p.session)!;
      expect(from, 'a recorded session belongs to a registered participant').toBeDefined();
      const m = p.secagg!;
      expect(m.message).toBe(STEPS[Math.floor(i / names.length)]);
      if (m.message === 'advertise-keys') r.keys.set(from, { cPk: b64(m.cPk), sPk: b64(m.sPk) });
      if (m.message === 'share-keys') for (const c of m.ciphertexts) r.ciphertexts.push({ src: from, dst: c.peer, ct: b64(c.ciphertext) });
      if (m.message === 'masked-input') {
        expect(m.maskedInput!.dtype).toBe('UINT32');
        expect(typeof m.maskedInput!.values).toBe('string'); // the recorder keeps UINT32 data as base64
        r.masked.set(from, words(b64(m.maskedInput!.values)));
      }
      if (m.message === 'unmasking') {
        for (const x of m.selfMaskShares) r.selfMaskShares.push({ holder: from, owner: x.owner, share: b64(x.share) });
        for (const x of m.keyShares) r.keyShares.push({ holder: from, owner: x.owner, share: b64(x.share) });
      }
    });
    expect([...r.keys.keys()].sort()).toEqual(names);
    expect([...r.masked.keys()].sort()).toEqual(names);
    expect(r.ciphertexts.length).toBe(names.length * (names.length - 1));
    return r;
  });
}

/** Every file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/**
 * Checks that the state directory holds aggregates only: exactly the expected files of a 2-round
 * job, none containing any of `secrets` (raw, hex, base64, or masked words as JSON numbers), no
 * JSON array of a masked input's length, and round records of metrics and public counts alone.
 */
export function expectAggregatesOnly(stateDir: string, jobDir: string, secrets: { what: string; bytes: Uint8Array }[], maskedLengths: Set<number>, rounds: StoredRound[]): void {
  const files = filesUnder(stateDir);
  expect(files.map((f) => path.relative(jobDir, f)).sort()).toEqual(
    [
      '../../audit.jsonl', 'job.json', 'preprocessing.json', 'status.json', 'strategy.json',
      ...[0, 1, 2].flatMap((r) => [`rounds/000${r}.json`, `state/000${r}.json`, `weights/000${r}.f32`]),
      // The survivor set of every unmasking (names only), kept so that a restarted coordinator reruns a stage over it.
      'releases/stats-0000.json', ...[0, 1, 2].map((r) => `releases/evaluate-000${r}.json`), ...[1, 2].map((r) => `releases/train-000${r}.json`),
    ].sort(),
  );
  const contents = files.map((f) => ({ f, raw: readFileSync(f), text: readFileSync(f, 'latin1') }));
  for (const { what, bytes } of secrets) {
    const raw = Buffer.from(bytes.subarray(0, 24));
    const needles = [toHex(bytes.subarray(0, 24)), Buffer.from(bytes.subarray(0, 24)).toString('base64').slice(0, 28)];
    if (what.includes(' y_')) {
      const [w0, w1, w2] = words(bytes.subarray(0, 12));
      needles.push(`${w0},${w1},${w2}`, `${w0}, ${w1}, ${w2}`);
    }
    for (const { f, raw: content, text } of contents) {
      expect(content.indexOf(raw), `${what} (raw) in ${f}`).toBe(-1);
      for (const n of needles) expect(text.includes(n), `${what} in ${f}`).toBe(false);
    }
  }
  const numericArrays = (v: unknown): number[][] =>
    Array.isArray(v) ? (v.every((x) => typeof x === 'number') ? [v as number[]] : v.flatMap(numericArrays)) : v && typeof v === 'object' ? Object.values(v).flatMap(numericArrays) : [];
  for (const { f, text } of contents.filter((c) => c.f.endsWith('.json'))) {
    for (const a of numericArrays(JSON.parse(text))) expect(maskedLengths.has(a.length), `${f} holds a vector of a masked input's length ${a.length}`).toBe(false);
  }
  for (const r of rounds) {
    // An evaluated round also stores the consortium's summed score histogram: its counts add up
    // to every member's held-out rows (the metrics' n and positives), not one member's.
    const keys = ['failures', 'finishedAt', 'metrics', 'participants', 'round', 'seconds', 'secure', 'trainLoss'];
    if (r.scoreHistogram) {
      keys.push('scoreHistogram');
      const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
      expect(sum(r.scoreHistogram.negatives) + sum(r.scoreHistogram.positives)).toBe(r.metrics.n);
      expect(sum(r.scoreHistogram.positives)).toBe(r.metrics.positives);
    }
    expect(Object.keys(r).sort()).toEqual(keys.sort());
    expect(Object.values(r.metrics).every((x) => typeof x === 'number')).toBe(true);
    const { steps, ...facts } = r.secure as Record<string, unknown> & { steps?: Record<string, unknown>[] };
    expect(Object.values(facts).every((x) => typeof x === 'number')).toBe(true);
    // The step timings are public step names and durations, nothing else.
    expect(steps?.length).toBeGreaterThan(0);
    for (const x of steps ?? []) {
      expect(Object.keys(x).sort()).toEqual(['seconds', 'step']);
      expect(['advertise-keys', 'graph-nonce', 'share-keys', 'masked-input', 'consistency-signature', 'unmasking']).toContain(x.step);
      expect(typeof x.seconds).toBe('number');
    }
    expect(r.failures).toEqual([]);
  }
}
