/**
 * What a whole job costs one participant in differential privacy: ε at the job's δ, the Rényi
 * curves its ledger checks the job with, and every planned release with the spend its ledger
 * charges for it and how often it happens. The one computation of a job's privacy cost: the
 * participant's policy, its ledger checks and charges, the simulator's budgets and the CLI all
 * call {@link jobPrivacyCost}. The ledger spend of each kind of release is built here too, so
 * that what a participant charges is what the cost lists; and the job's client-level round plan,
 * which both sides of a round derive from the job.
 *
 * - mode "none": nothing is noised; ε = ∞ and there are no releases.
 * - mode "record" (./record-plan.ts): on the training rows the preprocessing statistics and the
 *   noisy row count once, then DP-SGD every round — or, for gradient-boosted trees
 *   (./boosting-plan.ts), no count, the sketch once and every tree level's histograms; on the
 *   held-out rows every evaluation. A row is in
 *   one of the two parts only, so the job's curve is the pointwise maximum of the two sides.
 * - mode "client" (./client-dp.ts): one noised model update per round over all of the
 *   institution's data; every round costs the same.
 *
 * Pure: no I/O, randomness or clock. A caller that asks again and again for the same job may pass
 * a {@link CostMemo} it owns; there is no hidden cache.
 */
import { inputDim } from '../data/schema.ts';
import type { DataSchema } from '../data/schema.ts';
import type { JobSpec } from '../job.ts';
import { modelLayout } from '../model/layout.ts';
import { CoreInputError, layoutSize } from '../types.ts';
import type { ClientDpPlan, ClientDpSettings } from './client-dp.ts';
import { clientDpPlan } from './client-dp.ts';
import { epsilonFromRdp } from './conversion.ts';
import type { RdpCurve } from './curve.ts';
import { DEFAULT_RDP_ORDERS, repeatRdp } from './curve.ts';
import type { MechanismSpend, Partition } from './ledger-format.ts';
import { mechanismRdp } from './ledger-format.ts';
import type { DpSgdPlan, NoisedRelease, RecordReleasePlan } from './record-plan.ts';
import { COUNT_RELEASE, dpSgdPlan, recordJobCost, recordReleasePlan } from './record-plan.ts';
import type { BoostingReleasePlan } from './boosting-plan.ts';
import { boostingJobCost, boostingReleasePlan } from './boosting-plan.ts';

/** The parts of a job its privacy cost depends on. */
export type CostJob = Pick<JobSpec, 'privacy' | 'rounds' | 'evaluation' | 'train' | 'model'>;

/** What the cost depends on besides the job. */
export interface CostContext {
  /** t: every secure sum carries the noise of at least t participants (1 without a secure sum). */
  survivors: number;
  /** The job's data schema: record level needs it; client level takes the model's size from it. */
  schema?: DataSchema;
  /** Client level: the model's parameter count d (default: from `job.model` and `schema`). */
  parameters?: number;
  /**
   * Record level: the participant's training rows that fix DP-SGD's sampling rate — its noisy
   * count once drawn, or the expected count before. Not needed at other levels.
   */
  trainingRows?: number;
  /** Rényi orders of the returned curves (and of record-level calibration); default {@link DEFAULT_RDP_ORDERS}. */
  orders?: readonly number[];
  /** Results of earlier calls, owned by the caller. */
  memo?: CostMemo;
}

/** A planned release of the job. */
export type ReleaseName = 'stats' | 'count' | 'dp-sgd' | 'sketch' | 'tree' | 'evaluation' | 'client-update';

/** One kind of release: what the ledger charges for one of them, and how many the job makes. */
export interface ReleaseCost {
  release: ReleaseName;
  /** The rows it uses (training or held-out); absent: all of the institution's rows. */
  partition?: Partition;
  spend: MechanismSpend;
  times: number;
}

/** The whole job's cost at one participant. */
export type JobPrivacyCost =
  | { mode: 'none'; epsilon: number; releases: ReleaseCost[] }
  | {
      mode: 'record';
      /** ε at δ of the whole job: the training and held-out sides composed in parallel. */
      epsilon: number;
      delta: number;
      releases: ReleaseCost[];
      /** RDP of everything released on the training rows, and on the held-out rows. */
      train: RdpCurve;
      holdout: RdpCurve;
      plan: RecordReleasePlan;
      /** DP-SGD of a dense model (logistic, mlp). */
      sgd?: DpSgdPlan;
      /** The sketch and tree-level releases of a gbdt job. */
      boosting?: BoostingReleasePlan;
    }
  | {
      mode: 'client';
      epsilon: number;
      delta: number;
      releases: ReleaseCost[];
      /** RDP of every round, over all of the institution's rows. */
      all: RdpCurve;
      plan: ClientDpPlan;
    };

/**
 * The privacy cost of `job` at one participant. Throws {@link CoreInputError} when the context
 * lacks what the job's mode needs (`parameter` "schema", "parameters" or "trainingRows") or when
 * the job's settings cannot be met (the parameter names the setting).
 */
export function jobPrivacyCost(job: CostJob, ctx: CostContext): JobPrivacyCost {
  if (!ctx.memo) return computeCost(job, ctx);
  const { memo, ...rest } = ctx;
  return memo.get(JSON.stringify([job.privacy, job.rounds, job.evaluation, job.train, job.model, rest]), () => computeCost(job, rest));
}

function computeCost(job: CostJob, ctx: CostContext): JobPrivacyCost {
  const orders = ctx.orders ?? DEFAULT_RDP_ORDERS;
  const p = job.privacy;
  switch (p.mode) {
    case 'none':
      return { mode: 'none', epsilon: Number.POSITIVE_INFINITY, releases: [] };
    case 'record': {
      const schema = need(ctx.schema, 'schema', 'record-level DP releases statistics scaled to the schema\'s ranges');
      const plan = recordReleasePlan(job, schema, ctx.survivors, orders);
      const common = (middle: ReleaseCost[], withCount = true): ReleaseCost[] => [
        { release: 'stats', partition: 'train', spend: releaseSpend(plan.stats), times: 1 },
        ...(withCount ? [{ release: 'count' as const, partition: 'train' as const, spend: countSpend(plan.countSigma2), times: 1 }] : []),
        ...middle,
        { release: 'evaluation', partition: 'holdout', spend: releaseSpend(plan.evaluation), times: plan.evaluation.rounds.length },
      ];
      const model = job.model;
      if (model.type === 'gbdt') {
        const boosting = boostingReleasePlan({ ...job, model }, schema, ctx.survivors, plan, orders);
        const { train, holdout, epsilon } = boostingJobCost(job, plan, boosting, orders);
        // No noisy row count: boosting neither weights nor samples by it.
        const releases = common([
          { release: 'sketch', partition: 'train', spend: releaseSpend(boosting.sketch), times: 1 },
          { release: 'tree', partition: 'train', spend: releaseSpend(boosting.tree), times: boosting.tree.releases },
        ], false);
        return { mode: 'record', epsilon, delta: p.delta, releases, train, holdout, plan, boosting };
      }
      const rows = need(ctx.trainingRows, 'trainingRows', 'record-level DP samples at a rate set by the participant\'s training rows');
      const sgd = dpSgdPlan(job, plan, rows, orders);
      const { train, holdout, epsilon } = recordJobCost(job, plan, sgd, orders);
      const releases = common([{ release: 'dp-sgd', partition: 'train', spend: dpSgdSpend({ ...sgd, clipNorm: p.clipNorm }, sgd.stepsPerRound), times: job.rounds }]);
      return { mode: 'record', epsilon, delta: p.delta, releases, train, holdout, plan, sgd };
    }
    case 'client': {
      const parameters = ctx.parameters ?? layoutSize(modelLayout(job.model, inputDim(need(ctx.schema, 'parameters', 'client-level DP is calibrated to the model\'s size'))));
      const plan = clientPlanFor(job, parameters, ctx.survivors)!;
      const all = repeatRdp(mechanismRdp(plan.spend, orders), job.rounds);
      const releases: ReleaseCost[] = [{ release: 'client-update', spend: plan.spend, times: job.rounds }];
      return { mode: 'client', epsilon: epsilonFromRdp(all, p.delta).epsilon, delta: p.delta, releases, all, plan };
    }
    default: {
      const unknown: never = p;
      throw new CoreInputError(`unknown privacy mode ${JSON.stringify(unknown)}`, 'job.privacy.mode');
    }
  }
}

function need<T>(value: T | undefined, parameter: string, why: string): T {
  if (value === undefined) throw new CoreInputError(`the job's cost needs ${parameter}: ${why}`, parameter);
  return value;
}

/** The spend of one noised secure-sum release (record-level statistics or evaluation). */
export function releaseSpend(r: NoisedRelease): MechanismSpend {
  return {
    mechanism: 'distributed-discrete-gaussian',
    params: { sigma2PerClient: r.sigma2PerClient, survivors: r.survivors, l2Sensitivity: r.l2Sensitivity, l1Sensitivity: r.l1Sensitivity, dimension: r.dimension },
  };
}

/** The spend of the noisy row count (local discrete Gaussian of variance `sigma2`, sensitivity 1). */
export function countSpend(sigma2: number): MechanismSpend {
  return { mechanism: 'distributed-discrete-gaussian', params: { ...COUNT_RELEASE, sigma2PerClient: sigma2 } };
}

/** DP-SGD settings a spend records: Poisson rate q, noise multiplier z and per-example clip norm. */
export interface DpSgdSettings {
  sampleRate: number;
  noiseMultiplier: number;
  clipNorm: number;
}

/** The spend of `steps` DP-SGD steps with these settings. */
export function dpSgdSpend(dp: DpSgdSettings, steps: number): MechanismSpend {
  return { mechanism: 'dp-sgd', params: { sampleRate: dp.sampleRate, noiseMultiplier: dp.noiseMultiplier, steps, clipNorm: dp.clipNorm } };
}

type ClientPrivacy = Extract<JobSpec['privacy'], { mode: 'client' }>;

/** The job's client-level DP settings, or undefined when it has none. */
export function clientPrivacy(job: Pick<JobSpec, 'privacy'>): ClientPrivacy | undefined {
  return job.privacy.mode === 'client' ? job.privacy : undefined;
}

/** The round's plan for a model of `dimension` parameters with t = `survivors`, or undefined without client DP. */
export function clientPlanFor(job: Pick<JobSpec, 'privacy' | 'rounds'>, dimension: number, survivors: number): ClientDpPlan | undefined {
  const p = clientPrivacy(job);
  if (!p) return undefined;
  const settings: ClientDpSettings = {
    noise: p.noise,
    delta: p.delta,
    ...(p.epsilon !== undefined ? { epsilon: p.epsilon } : { noiseMultiplier: p.noiseMultiplier }),
    ...(p.adaptiveClipping ? { adaptiveClipping: p.adaptiveClipping } : {}),
    secureNoise: p.secureNoise,
  };
  // Central noise does not depend on t (the coordinator adds it to whatever sum it forms).
  return clientDpPlan(settings, job.rounds, dimension, p.noise === 'central' ? 1 : survivors);
}

/**
 * Job costs already computed, keyed by everything they depend on; the caller that makes repeated
 * calls owns one (e.g. one per participant policy check) and decides how long it lives. Holds at
 * most `limit` results and starts afresh beyond that.
 */
export class CostMemo {
  private readonly costs = new Map<string, JobPrivacyCost>();
  constructor(readonly limit = 256) {}

  /** Number of results held. */
  get size(): number {
    return this.costs.size;
  }

  /** The result stored under `key`, or `compute()`'s, stored. */
  get(key: string, compute: () => JobPrivacyCost): JobPrivacyCost {
    const hit = this.costs.get(key);
    if (hit) return hit;
    const cost = compute();
    if (this.costs.size >= this.limit) this.costs.clear();
    this.costs.set(key, cost);
    return cost;
  }
}
