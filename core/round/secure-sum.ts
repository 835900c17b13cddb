/**
 * Secure aggregation as a {@link SumProtocol}: every aggregate of a job (preprocessing statistics,
 * model updates, evaluation histograms) is formed by one run of the stage machines of Bonawitz et
 * al., CCS 2017 (core/secagg/protocol), driven over the Grid in four steps per participant:
 *
 * 1. AdvertiseKeys — the task (with the global weights) and `begin`; the participant starts its
 *    local computation and answers with its two public keys. With a SecAgg+ graph (fewer
 *    neighbours than participants), the advert also commits to a nonce, and an extra step
 *    collects every advertiser's nonce, from which everyone draws the graph (graph-draw.ts).
 * 2. ShareKeys — the peers' keys; the answer is encrypted Shamir shares for its neighbours.
 * 3. MaskedInputCollection — the shares addressed to it; the answer is its masked, encoded
 *    contribution y_u (deadline: the job's stage deadline, since local training ends here).
 * 4. Unmasking — survivors and dropped; the answer is one share per peer, never both.
 *
 * Authenticated rounds (`options.authenticated`, when the consortium has a roster: Bonawitz et
 * al. Fig. 5, the active-adversary variant): the adverts of step 1 are signed with each
 * participant's identity key and checked by every peer against its own roster, and a
 * ConsistencyCheck step runs between 3 and 4 — the survivors sign U3, and only with ≥ t
 * signatures (sent along) do the signers answer the unmask request.
 *
 * With `secureAggregation.keysAhead` = w, the statistics sum sets up the first w training rounds'
 * sums (and the baseline evaluation's), and every training sum keeps the next w rounds' sums set up
 * (and sets up its own round's evaluation): it carries steps 1–2 (with the graph-nonce step) of
 * those not set up yet in its own calls (secure-ahead.ts) — in its own first steps when it sets up
 * its own keys, else in its masked-input, consistency and unmasking steps. Each of those sums then
 * starts at step 3, with the round's weights.
 *
 * The coordinator learns the sum over the survivors, decoded with the public encoding plan
 * (secure-plan.ts), and nothing else. A dropout at any step is a failure record; fewer than t
 * survivors abort the round with the reason and nothing is unmasked. No clock or randomness here:
 * deadlines are the Grid's, all secrets are drawn by the participants, and step timings come
 * from a clock the caller passes in.
 */
import { decodeSum } from '../secagg/contribution-codec.ts';
import { sameMembers } from '../secagg/protocol/config.ts';
import { graphRevealsFor, initServer, serverStep } from '../secagg/protocol/server.ts';
import type { SecAggConfig, ServerInput, ServerOutput, ServerState, ShareDelivery } from '../secagg/protocol/types.ts';
import type { JobSpec } from '../job.ts';
import { CoreInputError } from '../types.ts';
import type { Grid, StageFailure, StageTask } from './grid.ts';
import type { SecAggClientMessage, SecAggServerMessage } from './secure-messages.ts';
import { CLIPPED, MODULUS_BITS, secureRoundParams } from './secure-plan.ts';
import type { SecureStepTime, SumProtocol, SumResult, SumRunOptions } from './sum-protocol.ts';
import { CarriedSetups } from './secure-ahead.ts';
import type { PreparedSum, SetupKind } from './secure-ahead.ts';
import { personalizationOf } from '../job.ts';
import { evaluationShape } from '../metrics/histogram.ts';
import { evaluationRounds } from '../privacy/record-plan.ts';
import type { ContributionShape } from '../types.ts';
import { carriedRound, carriedShape, isCarried } from './carried-evaluation.ts';

type Deadline = ServerInput['type'];

/**
 * How many training rounds ahead a job keeps its secure sums' keys set up when its
 * `secureAggregation.keysAhead` is absent: the next round's, so that every sum after the
 * statistics runs from its masked-input step. A job that sets 0 has every sum set up its own keys.
 */
export const DEFAULT_KEYS_AHEAD = 1;
const DEADLINE_OF: Record<SecAggClientMessage['type'], Deadline> = {
  'advertise-keys': 'advertise-keys-deadline',
  'graph-nonce': 'graph-reveal-deadline',
  'share-keys': 'share-keys-deadline',
  'masked-input': 'masked-input-deadline',
  'consistency-signature': 'consistency-check-deadline',
  unmasking: 'unmasking-deadline',
};

/** How the coordinator runs its secure sums. */
export interface SecureSumOptions {
  /**
   * Run the active-adversary variant (signed key adverts, ConsistencyCheck). The coordinator sets
   * it when it runs with a roster; participants with an identity refuse rounds without it.
   */
  authenticated?: boolean;
  /**
   * The consortium roster (name → Ed25519 public key), optional: with it the coordinator drops a
   * participant whose advert or consistency signature does not verify, instead of letting every
   * honest participant abort on it. Safety never depends on it (participants check themselves).
   */
  roster?: ReadonlyMap<string, Uint8Array>;
  /**
   * A monotonic clock in milliseconds (e.g. `performance.now`). With it every sum reports how
   * long each of its steps took (`secure.steps`); without it, no timings.
   */
  now?: () => number;
}

/**
 * A secure sum for one job. `jobId`, the coordinator's `incarnation` (a fresh value per
 * coordinator process, so a job resumed after a crash never repeats a run id) and an internal
 * attempt counter make every run id unique: participants draw fresh keys per run id and refuse a
 * run id they have seen, so no mask is ever reused, even when a stage is retried. `options`:
 * {@link SecureSumOptions} (authenticated rounds, the roster).
 */
export function secureSum(
  jobId: string,
  job: Pick<JobSpec, 'secureAggregation' | 'minParticipants' | 'seed' | 'privacy' | 'rounds' | 'evaluation' | 'model'> & { personalization?: JobSpec['personalization'] },
  incarnation = '0',
  options: SecureSumOptions = {},
): SumProtocol {
  if (!/^[0-9a-z]{1,32}$/.test(incarnation)) throw new CoreInputError(`incarnation must be 1–32 lowercase letters or digits, got "${incarnation}"`, 'incarnation');
  let attempt = 0;
  const runId = (kind: string, round: number) => `${jobId}/${kind}/${round}/${incarnation}.${++attempt}`;
  /** Later sums whose keys an earlier sum set up, by {@link sumKey} (used for the same participants and shape only). */
  const prepared = new Map<string, PreparedSum & { participants: string[]; shapeKey: string }>();
  const keysAhead = job.secureAggregation.keysAhead ?? DEFAULT_KEYS_AHEAD;
  const evaluatedAlone = new Set(evaluationRounds(job).filter((r) => carriedRound(job, r + 1) !== r));
  /**
   * The later sums a sum sets up too, with their vectors' shapes: a training sum of `round`, the
   * training sums of the next keysAhead rounds and the evaluation of `round` itself when it runs in
   * a stage of its own (not the final one of a job that releases personalization figures, whose
   * vectors depend on who takes part); the statistics sum, which precedes them all, the baseline
   * evaluation (when it is a stage of its own) and the first keysAhead training sums — each unless
   * already set up for these participants and shapes. A round's update vectors are the same in
   * every round; whether it also carries the previous round's evaluation depends on the round.
   * Boosted-tree jobs, which aggregate per tree level, set up nothing ahead.
   */
  const aheadSums = (task: StageTask, participants: string[], shape: ContributionShape, trainShape?: ContributionShape): { kind: SetupKind; config: SecAggConfig; shapeKey: string }[] => {
    if (keysAhead === 0 || job.model.type === 'gbdt') return [];
    if (task.kind !== 'train' && task.kind !== 'stats') return [];
    const round = task.kind === 'stats' ? 0 : task.round;
    const update = task.kind === 'train' ? Object.fromEntries(Object.entries(shape).filter(([name]) => !isCarried(name))) : trainShape;
    if (!update) return [];
    const wanted: { kind: SetupKind; round: number; shape: ContributionShape }[] = [];
    const personal = round === job.rounds && personalizationOf(job) !== undefined && job.privacy.mode !== 'record';
    if (evaluatedAlone.has(round) && !personal) wanted.push({ kind: 'evaluate', round, shape: evaluationShape(job.evaluation.bins) });
    for (let r = round + 1; r <= Math.min(job.rounds, round + keysAhead); r++) {
      wanted.push({ kind: 'train', round: r, shape: carriedRound(job, r) === undefined ? update : { ...update, ...carriedShape(job.evaluation.bins) } });
    }
    return wanted.flatMap((w) => {
      const ready = prepared.get(sumKey(w.kind, w.round));
      if (ready && ready.shapeKey === shapeKeyOf(w.shape) && sameMembers(ready.participants, participants)) return [];
      const c = secureRoundParams(job, w.kind, w.shape, runId(w.kind, w.round), w.round, participants).config;
      return [{ kind: w.kind, config: options.authenticated ? { ...c, authenticated: true } : c, shapeKey: shapeKeyOf(w.shape) }];
    });
  };
  return {
    name: 'secagg',
    async run(grid, participants, task, shape, deadlineMs, runOptions = {}) {
      const result = await runOnce(grid, participants, task, shape, deadlineMs, runOptions);
      // A member that failed this sum (a restarted node, a missed deadline) has no usable state for
      // the sums set up with it: those rounds set up afresh, so that it can take part again.
      const failed = new Set(result.failures.map((f) => f.participant));
      for (const [key, p] of prepared) if (p.participants.some((m) => failed.has(m))) prepared.delete(key);
      return result;
    },
  };

  async function runOnce(grid: Grid, participants: string[], task: StageTask, shape: ContributionShape, deadlineMs: number, runOptions: SumRunOptions): Promise<SumResult> {
    const stage = `round ${task.round}: ${task.kind}`;
    const shapeKey = shapeKeyOf(shape);
    const carried = (task.kind === 'train' || task.kind === 'evaluate') && !runOptions.exact ? takePrepared(prepared, sumKey(task.kind, task.round), participants, shapeKey) : undefined;
    let params: ReturnType<typeof secureRoundParams>;
    try {
      params = secureRoundParams(job, task.kind, shape, carried?.config.run ?? runId(task.kind, task.round), task.round, participants);
    } catch (err) {
      if (!(err instanceof CoreInputError)) throw err;
      return { sum: null, contributors: [], failures: [], error: `secure aggregation cannot run: ${err.message}` };
    }
    const { plan } = params;
    // A sum set up ahead keeps the configuration its keys were set up for (the same values, recomputed above).
    const config = carried?.config ?? (options.authenticated ? { ...params.config, authenticated: true } : params.config);
    const failures = new Map<string, StageFailure>((carried?.failures ?? []).map((f) => [f.participant, f]));
    const fail = (participant: string, step: string, reason: string) => {
      if (!failures.has(participant)) failures.set(participant, { participant, stage: `${stage} (secagg ${step})`, reason });
    };
    const base = { kind: task.kind, round: task.round, config: task.config };
    const receipts: Record<string, string> = {};
    const { now } = options;
    const steps: SecureStepTime[] = [];
    let server: ServerState = carried?.server ?? initServer(config);
    // A training (or the statistics) sum sets up the keys of the later sums it keeps ahead that are not set up yet.
    const ahead = !runOptions.exact ? aheadSums(task, participants, shape, runOptions.trainShape) : [];
    const setups = ahead.length ? new CarriedSetups(task.round, ahead, options.roster) : undefined;
    for (const a of ahead) prepared.delete(sumKey(a.kind, a.config.round));
    /** Keeps the setups completed so far for their sums. */
    const keepPrepared = () => {
      for (const p of setups?.prepared() ?? []) {
        const key = sumKey(p.kind, p.round);
        if (prepared.get(key)?.config.run === p.config.run) continue;
        prepared.set(key, { ...p, participants: [...participants].sort(), shapeKey: ahead.find((a) => a.config.run === p.config.run)!.shapeKey });
      }
    };

    /** One step: send each participant its message, collect replies of the expected type, advance the server. */
    const step = async (
      to: string[],
      messageFor: (p: string) => SecAggServerMessage,
      expect: SecAggClientMessage['type'],
      ms: number,
      first = false,
    ): Promise<ServerOutput> => {
      const started = now?.();
      // Each step also carries the next step of every later sum this one is setting up.
      const carries = setups?.running() ? setups : undefined;
      const { replies, failures: lost } = await grid.run(
        to,
        (p) => {
          const later = carries?.tasksFor(p);
          return { ...base, ...(first && task.weights ? { weights: task.weights } : {}), secagg: { config, message: messageFor(p) }, ...(later ? { ahead: later } : {}) };
        },
        ms,
      );
      if (carries) {
        carries.absorb(replies);
        keepPrepared();
      }
      for (const f of lost) fail(f.participant, expect, f.reason);
      const messages: SecAggClientMessage[] = [];
      for (const [p, reply] of replies) {
        if (!('secagg' in reply) || reply.secagg.type !== expect) fail(p, expect, `expected a ${expect} message`);
        else {
          messages.push({ ...reply.secagg, from: p });
          if (reply.receipt) receipts[p] = reply.receipt;
        }
      }
      const out = serverStep(server, { type: DEADLINE_OF[expect], messages } as ServerInput, options.roster);
      server = out.state;
      if (now && started !== undefined) steps.push({ step: expect, seconds: Math.max(0, now() - started) / 1000 });
      for (const f of out.output.failures) fail(f.participant, f.stage, f.reason);
      return out.output;
    };
    /** The key setup (adverts, graph nonces, shares): U2 with each member's share delivery, or the output that ended it. */
    const setUp = async (stepMs: number): Promise<{ shared: string[]; deliveries: ShareDelivery[] } | ServerOutput> => {
      const announced = await step(config.participants, () => ({ type: 'begin' }), 'advertise-keys', stepMs, true);
      let forwarded: ServerOutput;
      if (announced.type === 'peer-commits') {
        // SecAgg+: every advertiser reveals its graph nonce, the graph is drawn from all of them,
        // and each member gets every nonce with its neighbours' keys.
        const advertisers = announced.commits.map((c) => c.id);
        const reveals = await step(advertisers, () => ({ type: 'peer-commits', commits: announced.commits }), 'graph-nonce', stepMs);
        if (reveals.type !== 'forward-reveals') return reveals;
        forwarded = await step(advertisers, (p) => graphRevealsFor(reveals, p), 'share-keys', stepMs);
      } else if (announced.type === 'peer-keys') {
        forwarded = await step(announced.keys.map((k) => k.id), () => ({ type: 'peer-keys', keys: announced.keys }), 'share-keys', stepMs);
      } else {
        return announced;
      }
      return forwarded.type === 'forward-shares' ? { shared: forwarded.shared, deliveries: forwarded.deliveries } : forwarded;
    };
    const aborted = (out: ServerOutput): SumResult => ({
      sum: null,
      contributors: [],
      failures: [...failures.values()],
      error: `secure aggregation aborted, nothing was unmasked: ${out.type === 'abort' ? out.reason : out.type}`,
    });

    const { stepMs } = job.secureAggregation;
    const shares = carried ? { shared: carried.shared, deliveries: carried.deliveries } : await setUp(stepMs);
    if ('type' in shares) return aborted(shares);
    // The weights travel with the first step this sum sends: the masked-input step when an earlier sum set up its keys.
    let request = await step(shares.shared, (p) => shares.deliveries.find((d) => d.to === p)!, 'masked-input', deadlineMs, carried !== undefined);
    const { exact } = runOptions;
    if (exact && (request.type === 'consistency-request' || request.type === 'unmask-request') && !sameMembers(request.survivors, exact)) {
      return {
        sum: null,
        contributors: [],
        failures: [...failures.values()],
        error:
          `secure aggregation stopped before unmasking: this stage was unmasked over [${[...exact].sort().join(', ')}] before the coordinator restarted, ` +
          `and its inputs (without DP noise) may be released again only over exactly that set, but [${request.survivors.join(', ')}] sent masked inputs`,
      };
    }
    if (request.type === 'consistency-request') {
      const check = { type: 'consistency-request' as const, survivors: request.survivors, dropped: request.dropped };
      request = await step(request.survivors, () => check, 'consistency-signature', stepMs);
    }
    if (request.type !== 'unmask-request') return aborted(request);
    const { survivors, dropped, signatures } = request;
    await runOptions.beforeUnmask?.([...survivors]);
    const unmask = { type: 'unmask-request' as const, survivors, dropped, ...(signatures ? { signatures } : {}) };
    const result = await step(signatures ? signatures.map((s) => s.id) : survivors, () => unmask, 'unmasking', stepMs);
    if (result.type !== 'result') return aborted(result);
    // A later sum's setup with a step still to go (two steps after a carried setup, without a
    // consistency check, are not enough for three) finishes in steps of its own.
    for (let next = setups?.ownStep(); setups && next; next = setups.ownStep()) {
      const started = now?.();
      const { run, own, to, expect, kind, round } = next;
      const { replies } = await grid.run(
        to,
        (p) => {
          const later = setups.tasksFor(p)?.filter((t) => t.config.run !== run);
          return { ...base, secagg: own(p), ...(later?.length ? { ahead: later } : {}) };
        },
        stepMs,
      );
      setups.absorb(replies, run);
      keepPrepared();
      if (now && started !== undefined) steps.push({ step: `${expect} (key setup of round ${round}'s ${kind} sum)`, seconds: Math.max(0, now() - started) / 1000 });
    }

    const decoded = decodeSum(result.sum, plan, result.survivors.length);
    const clipped = decoded[CLIPPED]?.[0];
    if (clipped === undefined) throw new CoreInputError(`the decoded secure sum lacks its "${CLIPPED}" count`, 'plan');
    delete decoded[CLIPPED];
    const survivorReceipts = Object.fromEntries(Object.entries(receipts).filter(([p]) => result.survivors.includes(p)));
    return {
      sum: decoded,
      contributors: result.survivors,
      failures: [...failures.values()],
      ...(Object.keys(survivorReceipts).length ? { receipts: survivorReceipts } : {}),
      secure: {
        participants: config.participants.length,
        survivors: result.survivors.length,
        threshold: config.threshold,
        neighbours: params.neighbours,
        modulusBits: MODULUS_BITS,
        clipped,
        words: config.length,
        ...(config.authenticated ? { authenticated: true } : {}),
        ...(now ? { steps } : {}),
        ...(carried ? { keysSetUpIn: carried.setUpIn } : {}),
      },
    };
  }
}

/** The vector names and lengths of a shape, in a canonical order. */
function shapeKeyOf(shape: ContributionShape): string {
  return JSON.stringify(Object.entries(shape).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The key of a stage's sum among those set up ahead. */
function sumKey(kind: string, round: number): string {
  return `${kind}/${round}`;
}

/** Removes and returns the sum under `key` set up ahead, when it was set up for exactly these participants and this shape. */
function takePrepared<T extends { participants: string[]; shapeKey: string }>(prepared: Map<string, T>, key: string, participants: string[], shapeKey: string): T | undefined {
  const p = prepared.get(key);
  prepared.delete(key);
  return p && p.shapeKey === shapeKey && sameMembers(p.participants, participants) ? p : undefined;
}
