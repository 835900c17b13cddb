/**
 * The job file: what the data scientist asks the consortium to train. Validated with zod at
 * every edge (CLI, Control API); the core receives a parsed {@link JobSpec}.
 */
import { z } from 'zod';
import { findModelArchitecture, unknownModelMessage } from './model/registry.ts';
import { ModelSpecSchema } from './model/spec.ts';
import { PrivacySpecSchema } from './privacy/spec.ts';

/** Longest deadline a job may set, in ms: the runtime's timer limit (2^31 − 1 ms, about 24.8 days). */
export const MAX_DEADLINE_MS = 2 ** 31 - 1;
const deadlineMs = (min: number) => z.number().int().min(min).max(MAX_DEADLINE_MS);

export { ModelSpecSchema, modelName } from './model/spec.ts';
export type { ModelSpec } from './model/spec.ts';

export const TrainSpecSchema = z
  .object({
    localEpochs: z.number().int().min(1).max(1000).default(1),
    batchSize: z.number().int().min(1).max(1_000_000).default(64),
    optimizer: z.enum(['sgd', 'momentum', 'adam']).default('sgd'),
    learningRate: z.number().positive().max(100).default(0.1),
    /** none; balanced (from federated class counts); or explicit weights. */
    classWeights: z
      .union([z.enum(['none', 'balanced']), z.object({ positive: z.number().positive(), negative: z.number().positive() }).strict()])
      .default('none'),
    /** L2 penalty on kernels (not biases), added to the mean loss. */
    l2: z.number().min(0).default(0),
  })
  .strict();
export type TrainSpec = z.infer<typeof TrainSpecSchema>;

export const StrategySpecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('fedavg') }).strict(),
  z.object({ type: z.literal('fedprox'), mu: z.number().min(0).default(0.01) }).strict(),
  z
    .object({
      type: z.literal('fedadam'),
      serverLr: z.number().positive().default(0.05),
      beta1: z.number().min(0).max(0.9999).default(0.9),
      beta2: z.number().min(0).max(0.99999).default(0.99),
      tau: z.number().positive().default(1e-3),
      mu: z.number().min(0).default(0),
    })
    .strict(),
  z
    .object({
      type: z.literal('fedavgm'),
      serverLr: z.number().positive().default(1),
      momentum: z.number().min(0).max(0.9999).default(0.9),
      mu: z.number().min(0).default(0),
    })
    .strict(),
  // A strategy the coordinator registers by name (e.g. `startCoordinator({ strategies })`):
  // `params` go to its factory as given; `mu` is the FedProx coefficient sent to clients.
  z
    .object({
      type: z.literal('custom'),
      name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a strategy name is 1–64 letters, digits, ".", "_" or "-"'),
      params: z.record(z.string(), z.unknown()).default({}),
      mu: z.number().min(0).default(0),
    })
    .strict(),
]);
export type StrategySpec = z.infer<typeof StrategySpecSchema>;

/** Settings of secure aggregation (docs/secure-aggregation.md; core/round/secure-plan.ts). */
export const SecureAggregationSpecSchema = z
  .object({
    /**
     * Shamir threshold t: how many participants must survive a round (and how many must collude to
     * unmask anyone). Default: a majority of each participant's share holders (all n participants,
     * or itself and its k SecAgg+ neighbours), and at least minParticipants. Never below a
     * majority of the share holders nor below minParticipants: participants refuse such rounds.
     */
    threshold: z.number().int().min(1).optional(),
    /**
     * Masking neighbours per participant (SecAgg+, Bell et al. 2020): "auto" = 2·⌈log2 n⌉, which
     * is everyone for small rounds; "all" = everyone (Bonawitz et al. 2017); or a number.
     */
    neighbours: z.union([z.enum(['auto', 'all']), z.number().int().min(1)]).default('auto'),
    /** Each coordinate of a model update (local − global weights) is clipped to [−clip, clip]. */
    clip: z.number().positive().max(1e6).default(4),
    /**
     * Cap on a participant's FedAvg weight (its example count): a larger participant weighs its
     * update by maxWeight. Bounds the quantization range, maxWeight·clip.
     */
    maxWeight: z.number().positive().max(1e9).default(1_000_000),
    /** Deadline of each key-exchange and unmasking step; the masked-input step uses deadlines.stageMs. */
    stepMs: deadlineMs(100).default(30_000),
    /**
     * How many training rounds ahead the secure sums' key setup (key adverts, graph nonces,
     * encrypted shares) is kept, for the same participants: the statistics sum carries, in its own
     * steps, the setup of the first keysAhead rounds' training sums (and of the baseline evaluation),
     * and every training sum that of the next keysAhead rounds' training sums not set up yet and of
     * its own round's evaluation when that runs in a stage of its own. Those sums then start at the
     * masked-input step (three steps instead of six in an authenticated round). Absent: 1 (the
     * coordinator's default); 0 = every sum sets up its own keys. Each is still a run of its own
     * with fresh keys; a round whose participants differ sets up its keys afresh. Absent when not
     * set, so a job without it reads the same to nodes that predate it.
     */
    keysAhead: z.number().int().min(0).max(8).optional(),
  })
  .strict();
export type SecureAggregationSpec = z.infer<typeof SecureAggregationSpecSchema>;

export { PrivacySpecSchema } from './privacy/spec.ts';
export type { PrivacySpec } from './privacy/spec.ts';

/**
 * Personalization (docs/personalization.md): after the last round each member adapts the final
 * global model to its own rows and keeps, beside it, whichever of the global model, the global
 * model fine-tuned on its rows, its own local-only model and a score-level blend of global and
 * local-only scores wins in cross-validation on its own training rows (then refitted on all of
 * them). Off ("none") by default. Personal models are trained and kept on the member's own data
 * and never leave it.
 */
export const PersonalizationSpecSchema = z
  .object({
    mode: z.enum(['none', 'finetune']).default('none'),
    /**
     * Stratified k-fold cross-validation on the member's training rows (its held-out test rows
     * excluded) chooses the model and the epochs: each fold validates on 1/k of the rows.
     */
    folds: z.number().int().min(2).max(20).default(5),
    /** Most local epochs of fine-tuning and of the local-only model. */
    maxEpochs: z.number().int().min(1).max(1000).default(40),
    /** Early stopping: epochs without a better mean validation AUC before stopping. */
    patience: z.number().int().min(1).max(1000).default(5),
    /** Also consider α·global + (1 − α)·local-only scores, α chosen by cross-validation. */
    blend: z.boolean().default(true),
    /**
     * Fraction of the member's training rows kept out of federated training (and out of the
     * cross-validation folds) to choose among the candidates: rows no candidate was trained on,
     * the global model included.
     */
    validation: z.number().gt(0).max(0.5).default(0.2),
  })
  .strict();
export type PersonalizationSpec = z.infer<typeof PersonalizationSpecSchema>;

/** The job's personalization settings when it personalizes (mode other than "none"), else undefined. */
export function personalizationOf(job: { personalization?: PersonalizationSpec | undefined }): PersonalizationSpec | undefined {
  return job.personalization && job.personalization.mode !== 'none' ? job.personalization : undefined;
}

export const JobSpecSchema = z
  .object({
    name: z.string().min(1).max(200).default('job'),
    /** Path of the schema file, relative to the job file (the CLI inlines it when submitting). */
    schema: z.string().min(1).optional(),
    model: ModelSpecSchema.default({ type: 'logistic' }),
    rounds: z.number().int().min(1).max(10_000).default(20),
    train: TrainSpecSchema.default(TrainSpecSchema.parse({})),
    strategy: StrategySpecSchema.default({ type: 'fedavg' }),
    /** Minimum number of participants that must take part in every stage of every round. */
    minParticipants: z.number().int().min(1).default(2),
    /** Only these participants take part (default: every connected participant). */
    participants: z.array(z.string().min(1).max(128)).max(10_000).optional(),
    evaluation: z
      .object({
        /** Fraction of each participant's rows held out for federated evaluation. */
        holdout: z.number().gt(0).lt(1).default(0.2),
        /**
         * Number of score-histogram bins over [0, 1]. With record-level DP every bin carries noise:
         * use few (10–20).
         */
        bins: z.number().int().min(10).max(100_000).default(1000),
        /**
         * Evaluate after every k-th round (and always after the last). With record-level DP each
         * evaluation is a noised release charged to the held-out rows' budget, so fewer evaluations
         * carry less noise each, and the untrained model (round 0) is not evaluated.
         */
        every: z.number().int().min(1).max(10_000).default(1),
        /**
         * Absent or true: each round's model is evaluated by the next round's training stage —
         * every member scores the model it is about to train from and sends the histogram with
         * its update, so a round needs one aggregate (one secure sum) instead of two; a round's
         * metrics arrive with the next round's training. The last round is evaluated on its own.
         * false: every evaluated round has an evaluation stage of its own, and its metrics
         * arrive before the next round starts. gbdt jobs, which evaluate every tree on its own,
         * never carry (true is refused for them).
         */
        carried: z.boolean().optional(),
      })
      .strict()
      .default({ holdout: 0.2, bins: 1000, every: 1 }),
    deadlines: z
      .object({
        /** How long a job waits for `minParticipants` to be connected before it fails. */
        waitForParticipantsMs: deadlineMs(0).default(30_000),
        /** Deadline of one stage (stats, train or evaluate) of a round. */
        stageMs: deadlineMs(100).default(120_000),
      })
      .strict()
      .default({ waitForParticipantsMs: 30_000, stageMs: 120_000 }),
    /**
     * How aggregates are formed: "secagg" (default) — secure aggregation, the coordinator learns
     * only sums; "plain" — the coordinator sees every participant's vectors (debugging only, and
     * participants refuse it unless started with --allow-plain-aggregation).
     */
    aggregation: z.enum(['secagg', 'plain']).default('secagg'),
    secureAggregation: SecureAggregationSpecSchema.default(SecureAggregationSpecSchema.parse({})),
    /** Differential privacy: "none" (default), record-level DP-SGD, or client-level DP-FedAvg. */
    privacy: PrivacySpecSchema.default({ mode: 'none' }),
    /**
     * Absent (the default) means off, like mode "none"; an absent field keeps the job's wire form
     * what it was before personalization existed.
     */
    personalization: PersonalizationSpecSchema.optional(),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
  })
  .strict()
  .superRefine((job, ctx) => {
    const t = job.secureAggregation.threshold;
    if (t !== undefined && t < job.minParticipants) {
      ctx.addIssue({
        code: 'custom',
        path: ['secureAggregation', 'threshold'],
        message: `threshold ${t} is below minParticipants ${job.minParticipants}: a secure sum of fewer inputs than the job requires could be unmasked`,
      });
    }
    if (job.model.type === 'custom') {
      const arch = findModelArchitecture(job.model.name);
      if (!arch) {
        ctx.addIssue({ code: 'custom', path: ['model', 'name'], message: unknownModelMessage(job.model.name) });
      } else {
        const p = arch.parseParams(job.model.params);
        if (!p.ok) for (const i of p.error.issues) ctx.addIssue({ code: 'custom', path: ['model', 'params', ...i.path.map(String)], message: i.message });
      }
      if (job.privacy.mode === 'record') {
        ctx.addIssue({
          code: 'custom',
          path: ['privacy', 'mode'],
          message: 'record-level DP-SGD clips per-example gradients, which fedcredit computes for its dense models (logistic, mlp) only; use client-level DP with a custom model',
        });
      }
    }
    if (job.model.type === 'gbdt') {
      if (job.privacy.mode === 'client') {
        ctx.addIssue({
          code: 'custom',
          path: ['privacy', 'mode'],
          message: 'client-level differential privacy clips and noises a model update, which a gbdt job does not send; use record-level privacy ("record") for gbdt',
        });
      }
      if (job.train.classWeights !== 'none') {
        ctx.addIssue({ code: 'custom', path: ['train', 'classWeights'], message: 'class weights are not available for gbdt jobs; leave train.classWeights at "none"' });
      }
      if (job.strategy.type !== 'fedavg') {
        ctx.addIssue({ code: 'custom', path: ['strategy', 'type'], message: 'a gbdt job grows one tree per round from summed histograms and takes no aggregation strategy; leave strategy at "fedavg"' });
      }
      if (job.evaluation.carried) {
        ctx.addIssue({ code: 'custom', path: ['evaluation', 'carried'], message: 'a gbdt job has no training stage to carry an evaluation (it grows each tree from per-level sums); leave evaluation.carried unset' });
      }
    }
    if (personalizationOf(job) && !['logistic', 'mlp', 'gbdt'].includes(job.model.type)) {
      ctx.addIssue({
        code: 'custom',
        path: ['personalization', 'mode'],
        message: `personalization adapts the built-in models (logistic, mlp, gbdt) only; model type "${job.model.type}" must use mode "none"`,
      });
    }
    if (job.privacy.mode === 'client' && job.privacy.noise === 'distributed' && job.aggregation !== 'secagg') {
      ctx.addIssue({
        code: 'custom',
        path: ['privacy', 'noise'],
        message: 'distributed noise is added inside the secure sum and needs aggregation "secagg"; use noise "central" (trusted coordinator) with plain aggregation',
      });
    }
  });
export type JobSpec = z.infer<typeof JobSpecSchema>;

/** Parameters a participant needs for local training in one round. */
export interface FitConfig {
  train: TrainSpec;
  /** FedProx proximal coefficient μ (0 = plain local SGD). */
  mu: number;
  /** Weights (positive, negative) of the loss, from the job and the federated class counts. */
  classWeights: { positive: number; negative: number };
  /** Seed for batch order and dropout in this round. */
  seed: number;
  /** Client-level DP: the L2 clip norm S of this round's model delta (adapted by the coordinator). */
  clipNorm?: number;
}
