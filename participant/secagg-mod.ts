/**
 * The participant's side of secure aggregation (Bonawitz et al., CCS 2017), as a {@link Mod}
 * around the local handler. Per secure sum (one `run` id) it keeps the client stage machine
 * (core/secagg/protocol/client.ts) in memory:
 *
 * - `begin`: checks the round configuration against what the job implies (threshold, graph,
 *   encoding plan — recomputed here, not trusted), draws its key pairs and self-mask seed from
 *   node:crypto, starts the local computation (training, statistics or evaluation) and answers
 *   with its public keys;
 * - `peer-keys`: answers with encrypted Shamir shares for its neighbours;
 * - `share-delivery`: waits for the local result, clips and encodes it (secure-plan.ts,
 *   contribution-codec.ts, cryptographic stochastic rounding), masks it and answers with y_u.
 *   The mask itself does not depend on the input: from its answer to the share-keys step on, the
 *   node computes it in the process's idle time (idle-work.ts, core/secagg/protocol/mask-ahead.ts),
 *   and masking adds it and takes out the terms of neighbours that did not share keys;
 * - `consistency-request` (authenticated rounds): signs the survivor set U3;
 * - `unmask-request`: reveals one share per peer, never both (authenticated rounds: only after
 *   checking ≥ t signatures over the U3 it signed).
 *
 * A task may also carry, in `ahead`, a key-setup step (begin, peer keys, graph reveals) of later
 * secure sums (`secureAggregation.keysAhead`: later rounds' training sums and evaluations, set up
 * by the statistics sum and by training sums). Each is handled as its own sum, with the same checks, and answered in the
 * reply's `ahead`; its local computation waits for that sum's share delivery, which brings the
 * round's weights and real task (checked against the configuration it set up). Any other step
 * carried this way is refused.
 *
 * With an `identity` (Ed25519 key and the consortium roster, read locally, never from the
 * coordinator) the node runs the active-adversary variant (Bonawitz et al. Fig. 5): it signs its
 * key adverts, checks its peers' adverts against its roster (so the coordinator cannot substitute
 * keys) and takes part in the ConsistencyCheck; it refuses unauthenticated rounds, and a node
 * without an identity refuses authenticated ones.
 *
 * Before any of that, the node's own floor (releases/floor.ts: at least 3 contributors and t ≥ 2
 * by default) and its release history (releases/guard.ts, releases/log.ts: an input without DP
 * noise is unmasked at most once, and again only over the identical survivor set) decide whether
 * it takes part at all; the release is written to the history before any share leaves the node.
 *
 * A protocol violation becomes a refusal with code `secagg_abort`; a floor or history refusal has
 * code `secagg_refused`. A task without a secure-sum step asks for plain aggregation, which the
 * node refuses unless its operator allowed it.
 */
import type { Rng } from '../core/types.ts';
import { encodeContribution } from '../core/secagg/contribution-codec.ts';
import { checkAuth } from '../core/secagg/protocol/advert.ts';
import { clientStep, initClient, wipeClientState } from '../core/secagg/protocol/client.ts';
import { openMaskAhead } from '../core/secagg/protocol/mask-ahead.ts';
import type { MaskAhead } from '../core/secagg/protocol/mask-ahead.ts';
import { idleWork } from './idle-work.ts';
import type { IdleQueue } from './idle-work.ts';
import type { ClientAuth, ClientInput, ClientOutput, ClientState } from '../core/secagg/protocol/types.ts';
import { prepareForSecureSum, secureRoundParams } from '../core/round/secure-plan.ts';
import { KEY_SETUP_STEPS } from '../core/round/secure-messages.ts';
import type { AheadAnswer, SecAggTask } from '../core/round/secure-messages.ts';
import type { HandlerResult, Mod, ParsedTask } from './handler.ts';
import { cryptoRng } from '../platform/crypto-rng.ts';
import { stageNoised } from '../core/privacy/noised-stages.ts';
import type { Contribution } from '../core/types.ts';
import { createHash } from 'node:crypto';
import type { FloorSettings, ReleaseFloor } from './releases/floor.ts';
import { configFloorProblem, releaseFloor, stepFloorProblem } from './releases/floor.ts';
import { attemptProblem, contributionProblem, DEFAULT_MAX_ATTEMPTS, releaseProblem } from './releases/guard.ts';
import type { InputKey } from './releases/guard.ts';
import { configProblem, stageShape } from './secagg-config.ts';
import { carriedRound } from '../core/round/carried-evaluation.ts';
import { ReleaseLog } from './releases/log.ts';

/** Cryptographic randomness for keys, seeds, Shamir coefficients, nonces and rounding. */

/** Options of the secure-aggregation mod. */
export interface SecAggModOptions {
  /** This participant's name (its id in every round). */
  name: string;
  /** Take part in plain (unmasked) aggregation when a job asks for it. Default false. */
  allowPlain?: boolean;
  rng?: Rng;
  /**
   * This node's Ed25519 identity (tweetnacl 64-byte secret key) and its LOCAL copy of the roster
   * (name → 32-byte public key). With it the node takes part only in authenticated rounds.
   */
  identity?: { secretKey: Uint8Array; peers: Map<string, Uint8Array> };
  /** The operator's floor settings (policy file); absent fields take the safe defaults. */
  floor?: FloorSettings;
  /** Most secure sums of one input this node takes part in (default 8). */
  maxAttemptsPerInput?: number;
  /** The node's release history; default in memory (the CLI keeps it in the state dir). */
  releases?: ReleaseLog;
  /** Clock for history records; default Date.now. */
  now?: () => number;
  /**
   * Where the node computes its masks ahead, in idle time, while it waits for its share delivery:
   * default the process's shared queue ({@link idleWork}); null computes every mask at masking.
   */
  idleWork?: IdleQueue | null;
}

interface Session {
  state: ClientState;
  configKey: string;
  /**
   * The local computation's result, until the input is masked; then dropped, so that the sessions
   * kept for retries do not hold every past update (up to {@link MAX_SESSIONS} per node).
   */
  local?: Promise<HandlerResult>;
  /** Set once the input is masked (a second share delivery is not answered). */
  masked?: boolean;
  key: InputKey;
  floor: ReleaseFloor;
  /** Set at masking: the digest of the exact input and whether it carries fresh DP noise. */
  input?: { digest: string; noised: boolean };
  /** The mask, computed in idle time while the node waits for its share delivery. */
  ahead?: MaskAhead;
}

/**
 * The task a carried step of a later sum is checked as: the carrying task, as the stage that sum
 * belongs to — its kind (training or evaluation, from the run id: the statistics sum sets up the
 * first rounds', a training round's sum the next rounds' and its own round's evaluation) and its
 * round — with what the job implies for that stage: an evaluation has no fitting settings, and a
 * training round carries the previous round's evaluation only when the job evaluates that round.
 * Any other run keeps the carrying task's kind, and the configuration check then refuses it.
 */
function laterTask(task: ParsedTask, step: SecAggTask): ParsedTask {
  const { round, run } = step.config;
  const named = run.startsWith(`${task.jobId}/`) ? run.slice(task.jobId.length + 1).split('/')[0] : undefined;
  const kind = named === 'train' || named === 'evaluate' ? named : task.kind;
  const later = { ...task, kind, round, secagg: step, ahead: undefined, weights: undefined };
  const { evaluates: _, fit, ...rest } = task.config;
  if (kind === 'evaluate') return { ...later, config: rest };
  if (kind !== 'train') return later;
  const carries = carriedRound(task.config.job, round);
  return { ...later, config: { ...rest, ...(fit ? { fit } : {}), ...(carries === undefined ? {} : { evaluates: carries }) } };
}

/** SHA-256 (hex) of a contribution's exact values (vector names sorted; float64 little-endian). */
function contributionDigest(c: Contribution): string {
  const h = createHash('sha256');
  for (const [name, v] of Object.entries(c).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    h.update(`${name}:${v.length}:`);
    h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }
  return h.digest('hex');
}

const MAX_SESSIONS = 16;

/**
 * A configuration's JSON text. Decoded configurations are shared and frozen
 * (proto/secagg-wire.ts), so a frozen one's text is computed once; any other object's each time,
 * as it may have changed since.
 */
const configKeys = new WeakMap<object, string>();
function configKeyOf(config: object): string {
  if (!Object.isFrozen(config)) return JSON.stringify(config);
  let key = configKeys.get(config);
  if (key === undefined) {
    key = JSON.stringify(config);
    configKeys.set(config, key);
  }
  return key;
}

const refuse = (reason: string): HandlerResult => ({ refusal: { code: 'secagg_abort', reason } });
const decline = (reason: string): HandlerResult => ({ refusal: { code: 'secagg_refused', reason } });

/** Builds the mod. Throws `CoreInputError` (`auth.*`) when `opts.identity` is malformed or not this node's. */
export function secAggMod(opts: SecAggModOptions): Mod {
  const rng = opts.rng ?? cryptoRng;
  const auth: ClientAuth | undefined = opts.identity ? { secretKey: opts.identity.secretKey, peers: opts.identity.peers } : undefined;
  if (auth) checkAuth(auth, opts.name);
  const sessions = new Map<string, Session>();
  const releases = opts.releases ?? ReleaseLog.memory();
  const maxAttempts = opts.maxAttemptsPerInput ?? DEFAULT_MAX_ATTEMPTS;
  const now = opts.now ?? Date.now;
  const idle = opts.idleWork === undefined ? idleWork : opts.idleWork;

  /**
   * Moves the session to `state` (wiping the secrets of the one it leaves, and a mask computed
   * ahead for it) and answers with `output`. A state that waits for its share delivery starts
   * its mask in idle time.
   */
  const commit = (s: Session, state: ClientState, output: ClientOutput): HandlerResult => {
    const prev = s.state;
    s.state = state;
    if (state !== prev) {
      wipeClientState(prev);
      endAhead(s);
      const ahead = idle ? openMaskAhead(state) : undefined;
      if (idle && ahead) {
        s.ahead = ahead;
        // Done when the mask is complete, or once the session no longer holds it.
        idle.add(() => s.ahead !== ahead || ahead.advance(1));
      }
    }
    return output.type === 'abort' ? refuse(`secure aggregation: ${output.reason}`) : { secagg: output };
  };
  /** Wipes the session's mask computed ahead, if any (its state moved on or ended). */
  const endAhead = (s: Session): void => {
    s.ahead?.wipe();
    s.ahead = undefined;
  };
  /** Wipes a session's secrets: its client state and a mask computed ahead. */
  const wipeSession = (s: Session): void => {
    wipeClientState(s.state);
    endAhead(s);
  };
  const advance = (s: Session, input: ClientInput): HandlerResult => {
    const { state, output } = clientStep(s.state, input, rng, auth);
    return commit(s, state, output);
  };
  /** Ends a session on this node's own refusal: its secrets are wiped and it answers nothing more. */
  const drop = (run: string, reason: string): HandlerResult => {
    const s = sessions.get(run);
    if (s) wipeSession(s);
    sessions.delete(run);
    return decline(reason);
  };

  return (next) => {
    const one = (task: ParsedTask, carried: boolean) => handle(next, task, carried);
    return async (task) => {
      const result = await one(task, false);
      if (!task.ahead?.length || !('secagg' in result)) return result;
      // Key-setup steps of later rounds' sums, carried by this step: each answered on its own.
      const answers: AheadAnswer[] = [];
      for (const step of task.ahead) {
        const r = await one(laterTask(task, step), true);
        answers.push('secagg' in r ? { run: step.config.run, secagg: r.secagg } : { run: step.config.run, refusal: 'refusal' in r ? `${r.refusal.reason} [${r.refusal.code}]` : 'no answer' });
      }
      return { ...result, ahead: answers };
    };
  };

  /**
   * One step of one secure sum. `carried`: a key-setup step of a later round's sum that rode along
   * with a step of the current one; its local computation waits for that sum's own masked-input
   * step, which brings the round's weights.
   */
  async function handle(next: Parameters<Mod>[0], task: ParsedTask, carried: boolean): Promise<HandlerResult> {
    if (!task.secagg) {
      if (task.config.job.aggregation === 'plain' && opts.allowPlain) return next(task);
      return {
        refusal: {
          code: 'plain_refused',
          reason:
            `this node takes part only in secure aggregation, but job ${task.jobId} asks for plain aggregation (aggregation: "${task.config.job.aggregation}"), ` +
            'which would show the coordinator this node\'s vectors; start the node with --allow-plain-aggregation to permit it',
        },
      };
    }
    if (task.kind === 'vertical') return refuse('a vertical job step cannot carry a secure-aggregation step');
    if (task.config.job.aggregation !== 'secagg') return refuse(`job ${task.jobId} says aggregation "${task.config.job.aggregation}" but sent a secure-aggregation step`);
    const { config, message } = task.secagg;
    const configKey = configKeyOf(config);
    if (carried && !KEY_SETUP_STEPS.has(message.type)) {
      return refuse(`a ${message.type} step of secure sum ${config.run} cannot ride along with another sum's step; only key-setup steps can`);
    }
    if (message.type === 'begin') {
      if (sessions.has(config.run)) return refuse(`asked to begin secure sum ${config.run} a second time; a run is never reused`);
      const problem = configProblem(task, task.secagg, opts.name, auth !== undefined);
      if (problem) return refuse(problem);
      const key: InputKey = { jobId: task.jobId, stage: task.kind, round: task.round };
      const floor = releaseFloor(task.config.job.minParticipants, opts.floor);
      const history = releases.about(key);
      const declined =
        configFloorProblem(config, floor) ??
        attemptProblem(history, key, maxAttempts) ??
        (stageNoised(task.config.job, task.kind, task.config.evaluates !== undefined) ? undefined : contributionProblem(history, key, config.participants));
      if (declined) return decline(declined);
      releases.append({ kind: 'attempt', ...key, run: config.run, at: now() });
      // The local computation starts once the advert is out, so it overlaps the key exchange; a sum
      // set up ahead starts it at its masked-input step, with the weights.
      const local = carried ? undefined : compute(next, task, config.threshold, true);
      const s: Session = { state: initClient(config, opts.name, auth), configKey, ...(local ? { local } : {}), key, floor };
      sessions.set(config.run, s);
      for (const old of [...sessions.keys()].slice(0, Math.max(0, sessions.size - MAX_SESSIONS))) {
        wipeSession(sessions.get(old)!);
        sessions.delete(old);
      }
      return advance(s, { type: 'begin' });
    }
    const s = sessions.get(config.run);
    if (!s) return refuse(`no state for secure sum ${config.run} (this node did not take part in its first step, or restarted since)`);
    if (s.configKey !== configKey) return refuse(`the configuration of secure sum ${config.run} changed between steps`);
    const low = stepFloorProblem(message, s.floor);
    if (low) return drop(config.run, low);
    if (message.type === 'unmask-request') return unmaskOnce(s, message);
    if (message.type !== 'share-delivery') return advance(s, message);

    if (s.masked) return refuse(`secure sum ${config.run}: this node's input was already masked; a second share delivery is not answered`);
    if (!s.local) {
      // Set up ahead: the real task is here now; check it against the configuration it set up.
      const problem = configProblem(task, task.secagg, opts.name, auth !== undefined);
      if (problem) return refuse(problem);
      s.local = compute(next, task, config.threshold, false);
    }
    const local = await s.local;
    s.local = undefined;
    s.masked = true;
    // The mask computed ahead is used by this masking or by none: wiped either way.
    const ahead = s.ahead;
    s.ahead = undefined;
    try {
      if (!('contribution' in local)) return 'refusal' in local ? local : refuse('the local handler did not produce vectors');
      const digest = contributionDigest(local.contribution);
      const noised = local.noised === true;
      if (!noised) {
        const reused = contributionProblem(releases.about(s.key, digest), s.key, message.shared, digest);
        if (reused) return drop(config.run, reused);
      }
      s.input = { digest, noised };
      const { plan } = secureRoundParams(task.config.job, task.kind, stageShape(task), config.run, config.round, config.participants);
      const prepared = prepareForSecureSum(task.kind, local.contribution, task.config.job.secureAggregation);
      const { words } = encodeContribution(prepared, plan, rng);
      const reply = advance(s, { type: 'mask-input', delivery: message, input: words, ...(ahead ? { ahead } : {}) });
      return 'secagg' in reply && local.receipt ? { ...reply, receipt: local.receipt } : reply;
    } finally {
      ahead?.wipe();
    }
  }

  /** The local computation (training, statistics or evaluation) for the sum, as a refusal when it fails; `later`: on the next turn. */
  function compute(next: Parameters<Mod>[0], task: ParsedTask, survivors: number, later: boolean): Promise<HandlerResult> {
    const start = later ? new Promise<void>((resolve) => setImmediate(resolve)) : Promise.resolve();
    return start
      .then(() => next({ ...task, secagg: undefined, ahead: undefined, survivors }))
      .catch((err: Error) => refuse(`${task.kind} failed on this node: ${err.message}`));
  }

  /**
   * Unmasking: the client machine checks the request (and, authenticated, the consistency
   * signatures); only if it would answer does the history decide, and the release is written
   * (fsync) before the shares are returned. A retry with the identical sets gets the same answer.
   */
  function unmaskOnce(s: Session, message: Extract<ClientInput, { type: 'unmask-request' }>): HandlerResult {
    const { config } = s.state;
    const prev = s.state;
    const { state, output } = clientStep(prev, message, rng, auth);
    if (output.type !== 'unmasking') return commit(s, state, output);
    const input = s.input;
    const survivors = [...message.survivors].sort();
    const problem = input ? releaseProblem(releases.about(s.key, input.digest), s.key, survivors, input.digest, input.noised) : 'no input was masked in this run';
    if (problem) {
      if (state !== prev) wipeClientState(state);
      return drop(config.run, problem);
    }
    if (prev.stage !== 'done') releases.append({ kind: 'release', ...s.key, run: config.run, at: now(), survivors, digest: input!.digest, noised: input!.noised });
    return commit(s, state, output);
  }
}
