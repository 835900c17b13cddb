/**
 * The stateful half of the coordinator fuzz test (test/fuzz.test.ts): four fake participants,
 * registered by Hello, serve real jobs — plain and securely aggregated — so that real tasks are
 * open, and one of them (the victim) answers its task at a chosen stage or secure-sum step with
 * garbage: undecodable replies (NaN, wrong dtypes, huge shapes, truncated bytes, bad key and
 * share sizes), replies that decode but do not fit the task (vectors and masked inputs of the
 * wrong length, the wrong step's message), and replies only the protocol machine can tell are
 * wrong (shares for the wrong peers). The others answer with well-formed values (random masked
 * words in secure sums, so those jobs end with whatever their garbage sums allow). The victim's
 * first bad reply to an open task must be refused with INVALID_ARGUMENT naming the problem; the
 * task then counts as its failure, and later replies to it are stale (FAILED_PRECONDITION).
 */
import { areNeighbours } from '../core/secagg/protocol/graph.ts';
import { shareHolders } from '../core/secagg/protocol/config.ts';
import { SHARE_BYTES } from '../core/secagg/shamir.ts';
import { SEAL_OVERHEAD } from '../core/secagg/secretbox.ts';
import { inputDim } from '../core/data/schema.ts';
import { modelLayout } from '../core/model/layout.ts';
import { layoutSize } from '../core/types.ts';
import { TaskConfigSchema } from '../core/round/task-config.ts';
import type { Task__Output } from '../proto/generated/fedcredit/v1/Task.ts';
import type { JobStatus__Output } from '../proto/generated/fedcredit/v1/JobStatus.ts';
import { secaggStepFromWire } from '../proto/secagg-wire.ts';
import { float64Tensor } from '../proto/tensor.ts';
import type { Rand } from './fuzz-bytes.ts';
import type { FuzzClients } from './fuzz-clients.ts';
import type { Expect, Tally } from './fuzz-tally.ts';
import { S, codes } from './fuzz-tally.ts';
import { SMALL_SCHEMA } from './fuzz-jobs.ts';
import { malformedReply } from './fuzz-replies.ts';
import { PROTOCOL_VERSION } from '../proto/load.ts';

/** The fake participants. */
export const FAKES = ['drv-a', 'drv-b', 'drv-c', 'drv-d'];

/** A driven job: its aggregation, and the stage (plain) or secure-sum step at which the victim sends garbage. */
interface Plan {
  aggregation: 'plain' | 'secagg';
  victimAt?: 'stats' | 'evaluate' | 'train' | 'begin' | 'peer-keys' | 'share-delivery' | 'unmask-request';
}

export const PLANS: Plan[] = [
  { aggregation: 'plain' },
  { aggregation: 'plain', victimAt: 'train' },
  { aggregation: 'secagg', victimAt: 'share-delivery' },
  { aggregation: 'plain', victimAt: 'stats' },
  { aggregation: 'secagg', victimAt: 'begin' },
  { aggregation: 'plain', victimAt: 'evaluate' },
  { aggregation: 'secagg', victimAt: 'peer-keys' },
  { aggregation: 'secagg', victimAt: 'unmask-request' },
];

const CIPHERTEXT_BYTES = SEAL_OVERHEAD + 2 * SHARE_BYTES;
type Body = Record<string, unknown>;
/** A bad reply: `decode` fails wire decoding, `fit` decodes but does not fit the task, `semantic` passes delivery. */
type Garbage = { what: string; kind: 'decode' | 'fit' | 'semantic'; body: Body };

/** Drives jobs with fake participants: every plan once, then again (twice in all at most) until `stop()` says so. */
export class Driver {
  private readonly sessions = new Map<string, string>();
  private readonly planOf = new Map<string, { plan: Plan; victim: string; round: number }>();
  private done = false;
  /** Details of first garbage replies refused for not fitting their task. */
  readonly fitRejections: string[] = [];
  /** Final status of every driven job. */
  readonly outcomes: { plan: Plan; status: JobStatus__Output }[] = [];

  constructor(private readonly c: FuzzClients, private readonly tally: Tally, private readonly r: Rand, private readonly jobIds: string[]) {}

  async run(stop: () => boolean): Promise<void> {
    for (const name of FAKES) {
      const o = await this.c.unary('Hello', { name, role: 'bank', clientVersion: '0', protocolVersion: PROTOCOL_VERSION, schemaDigest: '' });
      this.tally.record('driver: Hello', 'Hello', codes(S.OK), o);
      this.sessions.set(name, (o.value as { session: string }).session);
    }
    const serving = FAKES.map((name) => this.serve(name));
    try {
      for (let i = 0; i < PLANS.length || (i < 2 * PLANS.length && !stop()); i++) await this.drive(PLANS[i % PLANS.length]!, FAKES[i % FAKES.length]!, i);
    } finally {
      this.done = true;
      await Promise.all(serving);
    }
  }

  private async drive(plan: Plan, victim: string, i: number): Promise<void> {
    // Each round's evaluation as a stage of its own: the fake members' training replies hold only the update.
    const job = {
      name: `driven-${i}`, participants: FAKES, minParticipants: 2, rounds: 1, seed: i, aggregation: plan.aggregation, evaluation: { bins: 10, carried: false },
      deadlines: { waitForParticipantsMs: 20_000, stageMs: 15_000 }, secureAggregation: { stepMs: 15_000 },
    };
    const o = await this.c.unary('SubmitJob', { jobJson: JSON.stringify(job), schemaJson: JSON.stringify(SMALL_SCHEMA) });
    this.tally.record('driver: SubmitJob', 'SubmitJob', codes(S.OK), o);
    if (o.code !== S.OK) return;
    const jobId = (o.value as { jobId: string }).jobId;
    this.planOf.set(jobId, { plan, victim, round: Math.floor(i / PLANS.length) });
    this.jobIds.push(jobId);
    for (let t = 0; t < 600; t++) {
      await new Promise((res) => setTimeout(res, 100));
      const s = await this.c.unary('GetJobStatus', { jobId });
      this.tally.record('driver: GetJobStatus', 'GetJobStatus', codes(S.OK), s);
      const status = s.value as JobStatus__Output | undefined;
      if (status && (status.state === 'SUCCEEDED' || status.state === 'FAILED')) {
        this.outcomes.push({ plan, status });
        return;
      }
    }
    this.tally.fail(`driven job ${jobId} (${JSON.stringify(plan)}) did not finish within 60 s`);
  }

  private async serve(name: string): Promise<void> {
    while (!this.done) {
      const o = await this.c.unary('PullTask', { session: this.sessions.get(name), waitMs: 250 });
      this.tally.record('driver: PullTask', 'PullTask', codes(S.OK), o);
      const reply = o.value as { hasTask: boolean; task: Task__Output | null; reregister: boolean } | undefined;
      if (reply?.reregister) this.tally.fail(`fake participant ${name} lost its session`);
      if (reply?.hasTask && reply.task) await this.answer(name, reply.task);
    }
  }

  private async push(name: string, task: Task__Output, body: Body, allowed: Expect, category: string, note: string) {
    const o = await this.c.unary('PushResult', { ...body, session: this.sessions.get(name), taskId: task.taskId });
    this.tally.record(category, 'PushResult', allowed, o, note);
    return o;
  }

  private async answer(name: string, task: Task__Output): Promise<void> {
    const job = this.planOf.get(task.jobId);
    let step: string;
    let valid: Body;
    let garbage: (wrongLength: boolean) => Garbage;
    try {
      ({ step, valid, garbage } = task.secagg ? this.secaggReplies(name, task) : this.plainReplies(task));
    } catch (err) {
      await this.push(name, task, { refusal: { code: 'error', reason: (err as Error).message } }, codes(S.OK), 'driver: refusal', 'cannot answer');
      return;
    }
    if (!job || job.victim !== name || job.plan.victimAt !== step) {
      await this.push(name, task, valid, codes(S.OK), 'driver: valid reply', step);
      return;
    }
    // The victim: 1–5 bad replies, then a valid one that comes too late.
    // The first one closes the task (as the victim's failure, or answered when only the protocol
    // machine can tell it is wrong); later ones are stale (or, if undecodable, may be refused as such).
    for (let k = 0, n = 1 + this.r.int(5); k < n; k++) {
      const first = k === 0;
      // On the first pass over the plans, a vector of the wrong length comes first where the step has vectors.
      const g = garbage(first && job.round === 0);
      const allowed = first ? codes(g.kind === 'semantic' ? S.OK : S.INVALID_ARGUMENT) : g.kind === 'decode' ? codes(S.FAILED_PRECONDITION, S.INVALID_ARGUMENT) : codes(S.FAILED_PRECONDITION);
      const o = await this.push(name, task, g.body, allowed, `driver: ${first ? 'first' : 'later'} garbage for a real task (${g.kind})`, `${step}: ${g.what}`);
      if (first && g.kind === 'fit' && o.code === S.INVALID_ARGUMENT) this.fitRejections.push(o.details);
    }
    await this.push(name, task, valid, codes(S.FAILED_PRECONDITION), 'driver: valid reply after garbage', step);
  }

  /** Replies to a plain task, from the task's own config (shapes of the stage). */
  private plainReplies(task: Task__Output): { step: string; valid: Body; garbage: (wrongLength: boolean) => Garbage } {
    const cfg = TaskConfigSchema.parse(JSON.parse(task.configJson));
    const r = this.r;
    const rows = 10 + r.int(20);
    const numeric = cfg.schema.numeric.length;
    const vectors: Record<string, Float64Array> = {};
    if (task.kind === 'STATS') {
      vectors.stats = Float64Array.from({ length: 3 * numeric }, (_, i) => (i % 3 === 1 ? 0 : rows));
      vectors.label = Float64Array.of(rows, 3);
    } else if (task.kind === 'EVALUATE') {
      const bins = cfg.job.evaluation.bins;
      // Random counts, with at least one negative in the lowest bin and one positive in the highest.
      const hist = Float64Array.from({ length: 2 * bins }, (_, i) => r.int(3) + (i === 0 || i === 2 * bins - 1 ? 1 : 0));
      const pos = hist.subarray(bins).reduce((a, b) => a + b, 0);
      const n = hist.reduce((a, b) => a + b, 0);
      vectors.hist = hist;
      vectors.loss = Float64Array.of(0.5 * n, 0.2 * n, n, pos);
    } else {
      const params = layoutSize(modelLayout(cfg.job.model, inputDim(cfg.schema)));
      vectors.update = Float64Array.from({ length: params }, () => rows * 0.01 * (r.float() - 0.5));
      vectors.weight = Float64Array.of(rows);
      vectors.loss = Float64Array.of(0.6 * rows, rows);
    }
    const wire = (v: Record<string, Float64Array>) => ({ contribution: { vectors: Object.entries(v).map(([k, x]) => float64Tensor(k, x)) } });
    const entries = Object.entries(vectors);
    const garbage = (wrongLength: boolean): Garbage => {
      const [pick, picked] = r.pick(entries);
      const len = picked.length;
      const choice = wrongLength ? 2 : r.int(5);
      if (choice === 0) {
        const [what, body] = malformedReply(r);
        return { what, kind: 'decode', body };
      }
      if (choice === 1) {
        const v = Float64Array.from(picked);
        if (len) v[r.int(len)] = r.pick([NaN, Infinity, -Infinity]);
        return len ? { what: `non-finite element in "${pick}"`, kind: 'decode', body: wire({ ...vectors, [pick]: v }) } : { what: 'extra vector', kind: 'fit', body: wire({ ...vectors, zzz: Float64Array.of(1) }) };
      }
      if (choice === 2) {
        const wrong = r.pick([0, len + 1 + r.int(5), Math.max(0, len - 1), 2 * len + 1]);
        return { what: `"${pick}" of ${wrong} instead of ${len} elements`, kind: wrong === len ? 'semantic' : 'fit', body: wire({ ...vectors, [pick]: new Float64Array(wrong) }) };
      }
      if (choice === 3) {
        const rest = { ...vectors };
        delete rest[pick];
        return { what: `without "${pick}"`, kind: 'fit', body: wire(rest) };
      }
      return { what: 'a secure-aggregation message to a plain stage', kind: 'fit', body: { secagg: { message: 'advertise-keys', cPk: r.bytes(32), sPk: r.bytes(32) } } };
    };
    return { step: task.kind.toLowerCase(), valid: wire(vectors), garbage };
  }

  /** Replies to one step of a secure sum, with random but well-formed keys, ciphertexts, words and shares. */
  private secaggReplies(self: string, task: Task__Output): { step: string; valid: Body; garbage: (wrongLength: boolean) => Garbage } {
    const { config, message: m } = secaggStepFromWire(task.secagg!, self);
    const r = this.r;
    const keys = () => ({ secagg: { message: 'advertise-keys', cPk: r.bytes(32), sPk: r.bytes(32) } });
    const words = (n: number) => ({ secagg: { message: 'masked-input', maskedInput: { name: 'y', dtype: 'UINT32', shape: [n], data: r.bytes(4 * n) } } });
    const decode = (): Garbage => {
      const [what, body] = malformedReply(r);
      return { what, kind: 'decode', body };
    };
    const wrongStep = (): Garbage => ({ what: 'the wrong step\'s message', kind: 'fit', body: m.type === 'begin' ? words(config.length) : keys() });
    const contribution = (): Garbage => ({ what: 'a plain contribution', kind: 'fit', body: { contribution: { vectors: [float64Tensor('update', Float64Array.of(1))] } } });
    switch (m.type) {
      case 'begin':
        return { step: m.type, valid: keys(), garbage: () => r.pick([decode, wrongStep, contribution])() };
      case 'peer-keys': {
        const to = shareHolders(config, m.keys.map((k) => k.id), self).filter((v) => v !== self);
        const ciphertexts = (ids: string[]) => ({ secagg: { message: 'share-keys', ciphertexts: ids.map((peer) => ({ peer, ciphertext: r.bytes(CIPHERTEXT_BYTES) })) } });
        const wrongPeers = (): Garbage => ({ what: 'ciphertexts for the wrong peers', kind: 'semantic', body: ciphertexts([...to.slice(1), `nobody-${r.str(4)}`]) });
        return { step: m.type, valid: ciphertexts(to), garbage: () => r.pick([decode, wrongStep, contribution, wrongPeers])() };
      }
      case 'share-delivery': {
        const wrongLength = (): Garbage => {
          const n = r.pick([0, 1, config.length - 1, config.length + 1 + r.int(100), 2 * config.length]);
          return { what: `${n} masked words instead of ${config.length}`, kind: n === config.length ? 'semantic' : 'fit', body: words(n) };
        };
        return { step: m.type, valid: words(config.length), garbage: (first) => (first ? wrongLength : r.pick([decode, wrongStep, contribution, wrongLength, wrongLength]))() };
      }
      case 'unmask-request': {
        const shares = (owners: string[]) => owners.map((owner) => ({ owner, share: r.bytes(SHARE_BYTES) }));
        const b = m.survivors.filter((v) => v === self || areNeighbours(config, self, v));
        const s = m.dropped.filter((v) => areNeighbours(config, self, v));
        const unmasking = (bs: string[], ss: string[]) => ({ secagg: { message: 'unmasking', selfMaskShares: shares(bs), keyShares: shares(ss) } });
        const wrongOwners = (): Garbage => ({ what: 'shares for the wrong owners', kind: 'semantic', body: unmasking([`nobody-${r.str(4)}`], b) });
        return { step: m.type, valid: unmasking(b, s), garbage: () => r.pick([decode, wrongStep, contribution, wrongOwners])() };
      }
      default:
        throw new Error(`the fuzz driver does not take part in "${m.type}" steps`);
    }
  }
}
