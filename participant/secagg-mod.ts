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
 *   contribution-codec.ts, cryptographic stochastic rounding), masks it and answers with y_u;
 * - `consistency-request` (authenticated rounds): signs the survivor set U3;
 * - `unmask-request`: reveals one share per peer, never both (authenticated rounds: only after
 *   checking ≥ t signatures over the U3 it signed).
 *
 * With an `identity` (Ed25519 key and the consortium roster, read locally, never from the
 * coordinator) the node runs the active-adversary variant (Bonawitz et al. Fig. 5): it signs its
 * key adverts, checks its peers' adverts against its roster (so the coordinator cannot substitute
 * keys) and takes part in the ConsistencyCheck; it refuses unauthenticated rounds, and a node
 * without an identity refuses authenticated ones.
 *
 * A protocol violation becomes a refusal with code `secagg_abort`. A task without a secure-sum
 * step asks for plain aggregation, which the node refuses unless its operator allowed it.
 */
import type { Rng } from '../core/types';
import { encodeContribution } from '../core/secagg/contribution-codec';
import { checkAuth } from '../core/secagg/protocol/advert';
import { clientStep, initClient, wipeClientState } from '../core/secagg/protocol/client';
import type { ClientAuth, ClientInput, ClientState } from '../core/secagg/protocol/types';
import { prepareForSecureSum, secureRoundParams } from '../core/round/secure-plan';
import type { SecAggTask } from '../core/round/secure-messages';
import { statsShape } from '../core/data/preprocess';
import { inputDim } from '../core/data/schema';
import { evaluationShape } from '../core/metrics/histogram';
import { trainShapeFor } from '../core/round/client-round';
import { modelLayout } from '../core/model/layout';
import { layoutSize } from '../core/types';
import type { ContributionShape } from '../core/types';
import type { HandlerResult, Mod, ParsedTask } from './handler';
import { cryptoRng } from './crypto-rng';

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
}

interface Session {
  state: ClientState;
  configKey: string;
  local: Promise<HandlerResult>;
}

const MAX_SESSIONS = 16;

/** The shape of the vectors a task kind aggregates (public: from the job and schema). */
export function stageShape(task: ParsedTask): ContributionShape {
  const { job, schema } = task.config;
  if (task.kind === 'stats') return statsShape(schema);
  if (task.kind === 'evaluate') return evaluationShape(job.evaluation.bins);
  return trainShapeFor(job, layoutSize(modelLayout(job.model, inputDim(schema))));
}

const refuse = (reason: string): HandlerResult => ({ refusal: { code: 'secagg_abort', reason } });

/** Builds the mod. Throws `CoreInputError` (`auth.*`) when `opts.identity` is malformed or not this node's. */
export function secAggMod(opts: SecAggModOptions): Mod {
  const rng = opts.rng ?? cryptoRng;
  const auth: ClientAuth | undefined = opts.identity ? { secretKey: opts.identity.secretKey, peers: opts.identity.peers } : undefined;
  if (auth) checkAuth(auth, opts.name);
  const sessions = new Map<string, Session>();

  const advance = (s: Session, input: ClientInput): HandlerResult => {
    const prev = s.state;
    const { state, output } = clientStep(prev, input, rng, auth);
    s.state = state;
    if (state !== prev) wipeClientState(prev);
    return output.type === 'abort' ? refuse(`secure aggregation: ${output.reason}`) : { secagg: output };
  };

  return (next) => async (task) => {
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
    if (task.config.job.aggregation !== 'secagg') return refuse(`job ${task.jobId} says aggregation "${task.config.job.aggregation}" but sent a secure-aggregation step`);
    const { config, message } = task.secagg;
    const configKey = JSON.stringify(config);
    if (message.type === 'begin') {
      if (sessions.has(config.run)) return refuse(`asked to begin secure sum ${config.run} a second time; a run is never reused`);
      const problem = configProblem(task, task.secagg, opts.name, auth !== undefined);
      if (problem) return refuse(problem);
      const local = next({ ...task, secagg: undefined, survivors: config.threshold }).catch((err: Error) => refuse(`${task.kind} failed on this node: ${err.message}`));
      const s: Session = { state: initClient(config, opts.name, auth), configKey, local };
      sessions.set(config.run, s);
      for (const old of [...sessions.keys()].slice(0, Math.max(0, sessions.size - MAX_SESSIONS))) {
        wipeClientState(sessions.get(old)!.state);
        sessions.delete(old);
      }
      return advance(s, { type: 'begin' });
    }
    const s = sessions.get(config.run);
    if (!s) return refuse(`no state for secure sum ${config.run} (this node did not take part in its first step, or restarted since)`);
    if (s.configKey !== configKey) return refuse(`the configuration of secure sum ${config.run} changed between steps`);
    if (message.type !== 'share-delivery') return advance(s, message);

    const local = await s.local;
    if (!('contribution' in local)) return 'refusal' in local ? local : refuse('the local handler did not produce vectors');
    const { plan } = secureRoundParams(task.config.job, task.kind, stageShape(task), config.run, config.round, config.participants);
    const prepared = prepareForSecureSum(task.kind, local.contribution, task.config.job.secureAggregation);
    const { words } = encodeContribution(prepared, plan, rng);
    const reply = advance(s, { type: 'mask-input', delivery: message, input: words });
    return 'secagg' in reply && local.receipt ? { ...reply, receipt: local.receipt } : reply;
  };
}

/**
 * Why this node will not take part in a round with `step.config`, or undefined: the round must be
 * authenticated exactly when this node has an identity (`signed`), the run must belong to the
 * task's job and stage, this node must be a participant, and the threshold, graph and vector
 * length must be what the job implies for these participants.
 */
function configProblem(task: ParsedTask, step: SecAggTask, self: string, signed: boolean): string | undefined {
  const { config } = step;
  if (signed && config.authenticated !== true) {
    return 'this node requires signed secure aggregation (it has a roster); the coordinator ran an unauthenticated round';
  }
  if (!signed && config.authenticated) {
    return 'the coordinator ran a signed (authenticated) secure aggregation round, but this node has no identity key and roster to take part in it';
  }
  if (!config.run.startsWith(`${task.jobId}/${task.kind}/${task.round}/`)) return `secure sum ${config.run} does not belong to job ${task.jobId}, ${task.kind} of round ${task.round}`;
  if (config.round !== task.round) return `secure sum round ${config.round} differs from task round ${task.round}`;
  if (!config.participants.includes(self)) return `${self} is not among the participants of secure sum ${config.run}`;
  let expected: ReturnType<typeof secureRoundParams>;
  try {
    expected = secureRoundParams(task.config.job, task.kind, stageShape(task), config.run, config.round, config.participants);
  } catch (err) {
    return `the job's secure-aggregation settings cannot work: ${(err as Error).message}`;
  }
  const want = expected.config;
  if (config.threshold !== want.threshold) return `threshold t = ${config.threshold} differs from the job's t = ${want.threshold} for ${config.participants.length} participants`;
  if (config.bits !== want.bits || config.length !== want.length) return `vector encoding (${config.length} words mod 2^${config.bits}) differs from the job's (${want.length} words mod 2^${want.bits})`;
  if (JSON.stringify(config.graph) !== JSON.stringify(want.graph)) return 'the neighbour graph differs from the one the job implies';
  return undefined;
}
