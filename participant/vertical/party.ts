/**
 * A party of vertical jobs: its table, the consortium's ID salt, and the steps it runs for each
 * job (keys, private set intersection, training, evaluation). It refuses steps that do not fit
 * its role or the job's state, and a change of a peer's key in the middle of a job.
 */
import { generateKeyPair } from '../../core/secagg/keys.ts';
import { decodePeerKey, signKeyAdvert, verifyKeyAdvert } from '../../core/vertical/key-advert.ts';
import type { Rng } from '../../core/types.ts';
import { CoreInputError } from '../../core/types.ts';
import type { Envelope, VerticalReply, VerticalTask } from '../../core/vertical/messages.ts';
import { partiesOf } from '../../core/vertical/spec.ts';
import { cryptoRng } from '../../platform/crypto-rng.ts';
import { PsiPool } from '../psi/pool.ts';
import { evaluatePart, scoreHeldOut } from './evaluate-steps.ts';
import { psiAlign, psiAnswer, psiBlind, psiMatch } from './psi-steps.ts';
import type { JobState, ModelPart, ReceiveHook, VerticalPartyData } from './state.ts';
import { trainA, trainB } from './train-steps.ts';
import { gradientWidth } from './model-part.ts';
import { combineScores, type ScoredApplicant, scorePart, sealApplicants } from './scoring.ts';
import { encodeRows } from './table.ts';
import { loadPart, savePart } from './saved-part.ts';

export type { ScoredApplicant } from './scoring.ts';

export type { ModelPart, ReceiveHook, VerticalPartyData } from './state.ts';

/** Settings of a vertical party. */
export interface VerticalPartyOptions {
  /** The party's name in the consortium (as the job names it). */
  name: string;
  data: VerticalPartyData;
  /** The consortium's secret salt for hashing IDs (the same at every party; never sent). */
  salt: string;
  /** Randomness for keys, masks and shuffles (default: the operating system's CSPRNG). */
  rng?: Rng;
  /** Worker threads for the intersection (default: a pool of one per core, created on first use). */
  pool?: PsiPool;
  /** Called with the content of every envelope this party opens (audits, tests). */
  onReceive?: ReceiveHook;
  /**
   * Label holder only: the seed of the row plan (held-out rows, step order) instead of a fresh
   * random one, so that a simulation or example can score reference models on the same rows.
   */
  planSeed?: number;
  /** The institution's Ed25519 identity secret key (64 bytes): it signs the party's key of every job. */
  identitySecretKey?: Uint8Array;
  /**
   * The consortium roster's identity keys by party name. With it, every peer's job key must carry
   * a valid signature under the peer's roster key, so a coordinator cannot substitute keys.
   */
  roster?: ReadonlyMap<string, Uint8Array>;
  /** Where the party keeps each trained job (its part, keys and peers' keys) to score after a restart. */
  stateDir?: string;
}

/** What a score request needs from the transport: the feature parties' sealed parts, or who failed. */
export type ScoreTransport = (r: { jobId: string; request: string; envelopes: Envelope[]; deadlineMs: number }) => Promise<{ envelopes: Envelope[]; failures: Array<{ participant: string; reason: string }> }>;

/** Options of {@link VerticalParty.score}. */
export interface ScoreOptions {
  /** Score with the declared reduced model (the label holder's columns only) when a party is down. */
  fallback?: 'label-holder-only';
  /** How long the feature parties have to answer (default 5 s). */
  deadlineMs?: number;
}

/** Scored applicants, and the parties that did not answer (then the reduced model was used). */
export interface ScoreResult {
  applicants: ScoredApplicant[];
  unavailable: string[];
}

/** A score request that could not be served: which parties failed. */
export class ScoringError extends Error {
  constructor(message: string, readonly parties: string[]) {
    super(message);
    this.name = 'ScoringError';
  }
}

const LABEL_STEPS = new Set(['keys', 'psi-blind', 'psi-match', 'train-a', 'train-b', 'score']);
const FEATURE_STEPS = new Set(['keys', 'psi-answer', 'psi-align', 'train-a', 'train-b', 'evaluate', 'score-part']);

/** One institution's node in vertical jobs. */
export class VerticalParty {
  private readonly jobs = new Map<string, JobState>();
  private readonly rng: Rng;
  private pool?: PsiPool;
  private readonly ownPool: boolean;

  constructor(private readonly o: VerticalPartyOptions) {
    this.rng = o.rng ?? cryptoRng;
    this.pool = o.pool;
    this.ownPool = !o.pool;
    const { data } = o;
    if (data.values.length !== data.columns.length) throw new CoreInputError(`${data.columns.length} column names but ${data.values.length} columns`, 'data');
    data.values.forEach((c, j) => {
      if (c.length !== data.ids.length) throw new CoreInputError(`column "${data.columns[j]}" has ${c.length} values for ${data.ids.length} IDs`, 'data');
    });
  }

  get name(): string {
    return this.o.name;
  }

  /** The part of a finished job's model this party holds. */
  modelPart(jobId: string): ModelPart | undefined {
    return this.jobs.get(jobId)?.part;
  }

  /** Runs one step of a job. */
  handle = async (task: VerticalTask): Promise<VerticalReply> => {
    const { config: c, envelopes, dealt } = task;
    const self = this.o.name;
    const isLabel = c.job.labelHolder === self;
    if (!partiesOf(c.job).includes(self)) throw new CoreInputError(`job ${c.jobId} does not name this party ("${self}")`, 'job');
    if (!(isLabel ? LABEL_STEPS : FEATURE_STEPS).has(c.step)) throw new CoreInputError(`step "${c.step}" is not for a ${isLabel ? 'label holder' : 'feature party'}`, 'step');
    if (c.step === 'keys') return this.start(c.jobId, c.job, isLabel);
    const s = this.jobs.get(c.jobId) ?? (c.step === 'score-part' ? this.loadSaved(c.jobId) : undefined);
    if (!s) throw new CoreInputError(`job ${c.jobId} is unknown to this party (was it restarted?); a vertical job cannot continue and must be submitted again`, 'job');
    if (c.step === 'score-part') {
      if (!c.request) throw new CoreInputError('a score-part step needs a request id', 'request');
      return scorePart(s, this.o.data, c.request, envelopes, this.rng);
    }
    this.learnPeers(s, c.peers);
    const pool = () => (this.pool ??= new PsiPool());
    switch (c.step) {
      case 'psi-blind':
        return psiBlind(s, this.o.data, this.o.salt, pool(), this.rng);
      case 'psi-answer':
        return psiAnswer(s, this.o.data, this.o.salt, envelopes, pool(), this.rng);
      case 'psi-match':
        return psiMatch(s, this.o.data, envelopes, pool(), this.rng, this.o.planSeed);
      case 'psi-align':
        return psiAlign(s, this.o.data, envelopes, this.rng);
      case 'train-a':
        return trainA(s, c.t, envelopes, dealt, this.rng);
      case 'train-b':
        return trainB(s, c.t, envelopes, dealt, this.rng);
      case 'evaluate':
        return this.saved(s, evaluatePart(s, this.rng));
      default:
        return this.saved(s, scoreHeldOut(s, envelopes, this.rng));
    }
  };

  /** The last step of a job for this party: the trained state is written to the state dir. */
  private saved(s: JobState, reply: VerticalReply): VerticalReply {
    if (this.o.stateDir) savePart(this.o.stateDir, s);
    return reply;
  }

  /** A trained job from the state dir, kept in memory once read. */
  private loadSaved(jobId: string): JobState | undefined {
    if (!this.o.stateDir) return undefined;
    const s = loadPart(this.o.stateDir, jobId, this.o.name);
    if (s) this.jobs.set(jobId, s);
    return s;
  }

  private start(jobId: string, job: VerticalTask['config']['job'], isLabel: boolean): VerticalReply {
    if (isLabel && !this.o.data.labels) throw new CoreInputError('this party is the job\'s label holder but its data has no label column', 'labels');
    if (this.jobs.has(jobId)) throw new CoreInputError(`job ${jobId} has already started here`, 'job');
    const keys = generateKeyPair(this.rng);
    // Inputs: the label holder's columns and an intercept; a feature party's and its has-record column.
    const k = this.o.data.columns.length + 1;
    const width = gradientWidth(job.model, k, isLabel);
    this.jobs.set(jobId, { jobId, job, self: this.o.name, keys, peerKeys: new Map(), pairKeys: new Map(), k, width, isLabel, ...(this.o.onReceive ? { onReceive: this.o.onReceive } : {}) });
    const id = this.o.identitySecretKey;
    return {
      envelopes: [], publicKey: keys.publicKey, info: { rows: this.o.data.ids.length, width },
      ...(id ? { keySignature: signKeyAdvert(id, jobId, this.o.name, keys.publicKey) } : {}),
    };
  }

  private learnPeers(s: JobState, peers: Record<string, string>): void {
    for (const p of partiesOf(s.job)) {
      if (p === s.self) continue;
      const entry = peers[p];
      if (entry === undefined) throw new CoreInputError(`the step does not carry party "${p}"'s public key`, 'peers');
      const { publicKey: key, signature } = decodePeerKey(entry, p);
      if (this.o.roster) {
        const identity = this.o.roster.get(p);
        if (!identity) throw new CoreInputError(`party "${p}" of job ${s.jobId} is not in this node's roster`, 'peers');
        if (!verifyKeyAdvert(identity, s.jobId, p, key, signature)) {
          throw new CoreInputError(`party "${p}"'s key for job ${s.jobId} is not signed with its roster key: the coordinator relayed a key the party did not sign`, 'peers');
        }
      }
      const known = s.peerKeys.get(p);
      if (known && Buffer.compare(Buffer.from(known), Buffer.from(key)) !== 0) throw new CoreInputError(`party "${p}"'s public key changed in the middle of job ${s.jobId}`, 'peers');
      s.peerKeys.set(p, key);
    }
    const own = peers[s.self];
    if (own !== undefined && Buffer.compare(decodePeerKey(own, s.self).publicKey, s.keys.publicKey) !== 0) {
      throw new CoreInputError(`the step lists a public key for this party that is not its own for job ${s.jobId}`, 'peers');
    }
  }

  /**
   * Label holder: scores applicants with a trained job's joint model. `table` holds the
   * applicants' rows with this party's columns and the ID column; `send` carries the request to
   * the feature parties (the node's Fleet client). When a feature party does not answer, the
   * request fails naming it, unless `fallback` is "label-holder-only": then every applicant is
   * scored with the declared reduced model and marked so.
   */
  async score(jobId: string, table: { header: readonly string[]; rows: readonly (readonly string[])[] }, idColumn: string, send: ScoreTransport, o: ScoreOptions = {}): Promise<ScoreResult> {
    const s = this.jobs.get(jobId) ?? this.loadSaved(jobId);
    if (!s?.part) throw new CoreInputError(`job ${jobId} has not been trained on this node${this.o.stateDir ? '' : ' (without a state dir, a trained job does not outlive the process)'}`, 'job');
    if (!s.isLabel) throw new CoreInputError(`only the label holder of job ${jobId} scores applicants`, 'job');
    const encoding = this.o.data.encoding;
    if (!encoding) throw new CoreInputError('this party\'s data carries no column encoding (build it with verticalPartyData)', 'data');
    const at = table.header.indexOf(idColumn);
    if (at < 0) throw new CoreInputError(`applicants: no ID column "${idColumn}"`, 'idColumn');
    const ids = table.rows.map((r) => r[at] ?? '');
    const own = encodeRows(encoding, table.header, table.rows);
    const request = Buffer.from(this.rng(12)).toString('hex');
    const reply = await send({ jobId, request, envelopes: sealApplicants(s, request, ids, this.rng), deadlineMs: o.deadlineMs ?? 5000 });
    if (reply.failures.length === 0) return { applicants: combineScores(s, request, ids, own, reply.envelopes), unavailable: [] };
    const unavailable = reply.failures.map((f) => f.participant);
    if (o.fallback !== 'label-holder-only') {
      throw new ScoringError(`scoring failed: ${reply.failures.map((f) => `party "${f.participant}": ${f.reason}`).join('; ')}`, unavailable);
    }
    return { applicants: combineScores(s, request, ids, own, 'reduced'), unavailable };
  }

  /** Ends the worker threads this party started. */
  async close(): Promise<void> {
    if (this.ownPool && this.pool) await this.pool.close();
    this.pool = undefined;
  }
}
