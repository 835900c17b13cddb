/**
 * A train task under client-level DP (job privacy mode "client"; core/privacy/client-dp.ts): the
 * node previews the round's spend against its ledger, trains locally without per-example noise,
 * clips its whole model delta to the round's S, rounds it to integers and — for distributed noise
 * — adds its own discrete Gaussian noise, calibrated so the secure sum of any t survivors carries
 * the job's noise. It charges its ledger and signs the receipt before the update leaves.
 */
import { clientContribution, clientPlanFor } from '../../core/round/client-round.ts';
import { encodeClientUpdate } from '../../core/privacy/client-dp-codec.ts';
import type { Rng } from '../../core/types.ts';
import type { TrainInput } from '../local-handler.ts';
import type { HandlerResult, ParsedTask } from '../handler.ts';
import { trainLocal } from '../trainer/train.ts';
import { cryptoRng } from '../../platform/crypto-rng.ts';
import type { NodePrivacy } from './node-privacy.ts';
import { formatDelta, formatEpsilon } from '../../core/privacy/ledger-format.ts';
import { jobPrivacyCost } from '../../core/privacy/job-cost.ts';
import { privacyRefusal } from './node-privacy.ts';

/** The local data of a train task. */
export type ClientTrainInput = TrainInput;

/** Runs one client-DP train task; refusals name what is missing or over budget. */
export async function trainWithClientDp(task: ParsedTask, input: ClientTrainInput, privacy: NodePrivacy | undefined, rng: Rng = cryptoRng): Promise<HandlerResult> {
  const { job } = task.config;
  if (job.privacy.mode !== 'client') throw new Error('trainWithClientDp needs a job with client-level privacy');
  if (job.privacy.noise === 'distributed' && task.survivors === undefined) {
    return { refusal: { code: 'privacy_needs_secagg', reason: 'distributed client-level noise is only added inside a secure sum, but this task is not part of one' } };
  }
  const clipNorm = input.fit.clipNorm;
  if (clipNorm === undefined) return { refusal: { code: 'bad_task', reason: 'a client-level DP train task must carry the round\'s clip norm (fit.clipNorm)' } };
  let plan: ReturnType<typeof clientPlanFor>;
  try {
    plan = clientPlanFor(job, input.weights.length, task.survivors ?? 1)!;
  } catch (err) {
    return { refusal: { code: 'privacy_settings', reason: `client-level privacy settings cannot work: ${(err as Error).message}` } };
  }
  const refusal = privacyRefusal(task, plan.spend, privacy);
  if (refusal) return refusal;
  const out = await trainLocal({ spec: job.model, inputDim: input.inputDim, weights: input.weights, x: input.x, y: input.y, fit: input.fit });
  const delta = new Float64Array(input.weights.length);
  // trainLocal returns weights of the input's layout, so both have delta.length entries.
  for (let i = 0; i < delta.length; i++) delta[i] = out.weights[i]! - input.weights[i]!;
  const enc = encodeClientUpdate(delta, clipNorm, plan, rng);
  // Charged (and persisted) before the update can leave this node.
  const receipt = privacy!.charge(task, plan.spend);
  return { contribution: clientContribution(enc.update, enc.clipBit), receipt };
}

/**
 * At a client-level DP job's first task: a refusal when the whole job (every round at this
 * round's t) would exceed the node's budget, so nothing is spent on a job that cannot finish;
 * undefined when it fits or the node has no budget (the train task then refuses).
 */
export function clientJobRefusal(task: ParsedTask, paramCount: number, privacy: NodePrivacy | undefined): HandlerResult | undefined {
  const { job } = task.config;
  if (!privacy || job.privacy.mode !== 'client' || privacy.ledger.entries().some((e) => e.kind === 'charge' && e.jobId === task.jobId)) return undefined;
  let cost: ReturnType<typeof jobPrivacyCost>;
  try {
    cost = jobPrivacyCost(job, { parameters: paramCount, survivors: task.survivors ?? 1, orders: privacy.ledger.orders });
  } catch (err) {
    return { refusal: { code: 'privacy_settings', reason: `client-level privacy settings cannot work: ${(err as Error).message}` } };
  }
  if (cost.mode !== 'client') return undefined;
  const preview = privacy.ledger.previewJob(task.jobId, { all: cost.all });
  if (preview.fits) return undefined;
  return {
    refusal: {
      code: 'privacy_budget',
      reason: `privacy budget: the whole job (${job.rounds} rounds) would take this node's ε from ${formatEpsilon(preview.epsilonBefore)} to ${formatEpsilon(preview.epsilonAfter)} at δ = ${formatDelta(preview.delta)}, beyond its budget ε = ${formatEpsilon(preview.budgetEpsilon)}; refused before round 1, nothing was spent`,
    },
  };
}
