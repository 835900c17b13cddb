/**
 * The coordinator's side of a vertical job, over the same {@link Grid} as horizontal rounds:
 * it runs the steps in order (messages.ts), relays each party's sealed envelopes to their
 * recipients unopened, and deals the correlated randomness of every training step's cross
 * products (cross-product.ts) — the one thing it adds, and why it must not collude with a party.
 * It learns what parties make public (counts, the label holder's metrics), message sizes and
 * timing. Any party's failure fails the job, naming the party and the step: the arithmetic needs
 * every party, and there is no partial result.
 */
import type { Grid, StageReply, StageTask } from '../round/grid.ts';
import type { Rng } from '../types.ts';
import { dealerCorrection, SEED_BYTES } from './cross-product.ts';
import { encodePeerKey } from './key-advert.ts';
import { type LabelPrivacy, labelPrivacy } from './label-privacy.ts';
import type { Envelope, PublicInfo, VerticalReply, VerticalStepConfig, VerticalStepName } from './messages.ts';
import { packArrays, type PackedArray } from './pack.ts';
import { computingParties, crossProducts, partiesOf, type VerticalJobSpec } from './spec.ts';

/** A vertical job that could not finish: which step, which party, why. */
export class VerticalJobError extends Error {
  constructor(message: string, readonly step: string, readonly party?: string) {
    super(message);
    this.name = 'VerticalJobError';
  }
}

/** Progress of a vertical job. */
export type VerticalEvent = { type: 'step'; step: VerticalStepName; t: number; steps: number; parties: string[] };

/** Ports of one run. */
export interface VerticalRunDeps {
  grid: Grid;
  /** The dealer's randomness (crypto-backed in production). */
  rng: Rng;
  now: () => number;
  emit?: (e: VerticalEvent) => void;
}

/** What a finished vertical job reports (all of it public to the coordinator). */
export interface VerticalOutcome {
  jobId: string;
  parties: string[];
  psi: { labelIds: number; shared: Record<string, number>; partyIds: Record<string, number>; leftOut: Record<string, { empty: number; malformed: number; duplicate: number }> };
  rows: { aligned: number; train: number; test: number };
  steps: number;
  /** The joint model on the held-out rows, as released by the label holder. */
  metrics: { auc: number; ks: number; logLoss: number };
  /** The same model trained on the label holder's columns only. */
  labelHolderOnly: { auc: number; ks: number };
  seconds: { keys: number; psi: number; train: number; evaluate: number; total: number };
  /** Bytes of sealed envelopes the coordinator relayed, and of dealt material it sent. */
  bytes: { relayed: number; dealt: number };
  /** Label privacy of what the feature parties learned, when the job asked for it. */
  labelPrivacy?: LabelPrivacy;
}

/** Runs a vertical job to its end; throws {@link VerticalJobError} when it cannot. */
export async function runVerticalJob(jobId: string, job: VerticalJobSpec, deps: VerticalRunDeps): Promise<VerticalOutcome> {
  const { grid, rng, now } = deps;
  const started = now();
  const parties = partiesOf(job);
  const [L, H] = computingParties(job);
  const online = await grid.waitFor(parties.length, parties, job.deadlines.waitForParticipantsMs);
  const missing = parties.filter((p) => !online.includes(p));
  if (missing.length) throw new VerticalJobError(`party ${missing.map((p) => `"${p}"`).join(', ')} did not connect within ${job.deadlines.waitForParticipantsMs} ms`, 'connect', missing[0]);
  const inbox = new Map<string, Envelope[]>();
  const peers: Record<string, string> = {};
  const bytes = { relayed: 0, dealt: 0 };

  const step = async (name: VerticalStepName, who: string[], t = 0, dealt?: Map<string, Record<string, PackedArray>>): Promise<Map<string, VerticalReply>> => {
    deps.emit?.({ type: 'step', step: name, t, steps: total, parties: who });
    const tasks = (p: string): StageTask => {
      const packed = dealt?.get(p) ? packArrays(dealt.get(p)!) : undefined;
      bytes.dealt += packed?.length ?? 0;
      const config: VerticalStepConfig = { jobId, step: name, t, job, peers: name === 'keys' ? {} : peers };
      const envelopes = inbox.get(p) ?? [];
      inbox.delete(p);
      return { kind: 'vertical', round: t, config, vertical: { envelopes, ...(packed ? { dealt: packed } : {}) } };
    };
    const { replies, failures } = await grid.run(who, tasks, job.deadlines.stepMs);
    if (failures.length) {
      const f = failures[0]!;
      throw new VerticalJobError(`${name}${name.startsWith('train') ? ` ${t}` : ''}: party "${f.participant}" failed: ${f.reason}`, name, f.participant);
    }
    const out = new Map<string, VerticalReply>();
    for (const p of who) {
      const r = replies.get(p) as StageReply | undefined;
      if (!r || !('vertical' in r)) throw new VerticalJobError(`${name}: party "${p}" sent no vertical reply`, name, p);
      for (const e of r.vertical.envelopes) {
        if (!parties.includes(e.peer) || e.peer === p) throw new VerticalJobError(`${name}: party "${p}" addressed an envelope to "${e.peer}", not another party of the job`, name, p);
        bytes.relayed += e.data.length;
        const box = inbox.get(e.peer) ?? [];
        box.push({ peer: p, data: e.data });
        inbox.set(e.peer, box);
      }
      out.set(p, r.vertical);
    }
    return out;
  };
  let total = 0;
  const num = (info: PublicInfo | undefined, key: string, p: string, name: string): number => {
    const v = info?.[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new VerticalJobError(`${name}: party "${p}" did not report "${key}"`, name, p);
    return v;
  };

  const keys = await step('keys', parties);
  const columns = new Map<string, number>();
  for (const [p, r] of keys) {
    if (!r.publicKey) throw new VerticalJobError(`keys: party "${p}" sent no public key`, 'keys', p);
    peers[p] = encodePeerKey(r.publicKey, r.keySignature);
    const k = num(r.info, 'width', p, 'keys');
    if (!Number.isInteger(k) || k < 1 || k > 1 << 16) throw new VerticalJobError(`keys: party "${p}" reports a gradient width of ${k} (1 to 65536 allowed)`, 'keys', p);
    columns.set(p, k);
  }
  const tKeys = now();
  const blind = await step('psi-blind', [L]);
  const answers = await step('psi-answer', job.featureParties);
  const match = (await step('psi-match', [L])).get(L)!.info;
  const align = await step('psi-align', job.featureParties);
  const aligned = num(match, 'rows', L, 'psi-match');
  total = num(match, 'steps', L, 'psi-match');
  const shared: Record<string, number> = {};
  const partyIds: Record<string, number> = { [L]: num(blind.get(L)!.info, 'ids', L, 'psi-blind') };
  const leftOut: VerticalOutcome['psi']['leftOut'] = {};
  for (const [p, r] of [...blind, ...answers]) {
    leftOut[p] = { empty: num(r.info, 'emptyIds', p, 'psi'), malformed: num(r.info, 'malformedIds', p, 'psi'), duplicate: num(r.info, 'duplicateIds', p, 'psi') };
  }
  for (const [p, r] of align) {
    if (num(r.info, 'width', p, 'psi-align') !== columns.get(p)) throw new VerticalJobError(`psi-align: party "${p}" changed its gradient width`, 'psi-align', p);
    if (num(r.info, 'rows', p, 'psi-align') !== aligned) throw new VerticalJobError(`psi-align: party "${p}" aligned ${r.info?.rows} rows, the label holder ${aligned}`, 'psi-align', p);
    shared[p] = num(match, `shared:${p}`, L, 'psi-match');
    partyIds[p] = num(answers.get(p)!.info, 'ids', p, 'psi-answer');
  }
  const tPsi = now();

  const B = job.train.batchSize;
  const pairs = crossProducts(job);
  let dealtB = new Map<string, Record<string, PackedArray>>();
  for (let t = 0; t <= total; t++) {
    const dealtA = new Map<string, Record<string, PackedArray>>();
    const nextB = new Map<string, Record<string, PackedArray>>();
    if (t < total) {
      for (const [a, b] of pairs) {
        const seedA = rng(SEED_BYTES);
        const seedB = rng(SEED_BYTES);
        dealtA.set(a, { ...dealtA.get(a), [`a:${b}`]: seedA });
        nextB.set(b, { ...nextB.get(b), [`b:${a}`]: seedB, [`c:${a}`]: dealerCorrection(seedA, seedB, B, columns.get(a)!) });
      }
    }
    await step('train-a', parties, t, dealtA);
    if (t < total) {
      dealtB = nextB;
      await step('train-b', [L, H], t, dealtB);
    }
  }
  const tTrain = now();
  await step('evaluate', job.featureParties);
  const score = (await step('score', [L])).get(L)!.info;
  const end = now();
  const lp = labelPrivacy(job);
  return {
    jobId, parties,
    psi: { labelIds: partyIds[L]!, shared, partyIds, leftOut },
    rows: { aligned, train: num(match, 'train', L, 'psi-match'), test: num(match, 'test', L, 'psi-match') },
    steps: total,
    metrics: { auc: num(score, 'auc', L, 'score'), ks: num(score, 'ks', L, 'score'), logLoss: num(score, 'logLoss', L, 'score') },
    labelHolderOnly: { auc: num(score, 'labelHolderOnlyAuc', L, 'score'), ks: num(score, 'labelHolderOnlyKs', L, 'score') },
    seconds: { keys: (tKeys - started) / 1000, psi: (tPsi - tKeys) / 1000, train: (tTrain - tPsi) / 1000, evaluate: (end - tTrain) / 1000, total: (end - started) / 1000 },
    bytes,
    ...(lp ? { labelPrivacy: lp } : {}),
  };
}
