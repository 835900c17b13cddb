/**
 * A vertical job: parties that know different columns about the same borrowers (a label holder
 * with the default label, and feature parties) train one logistic regression together. The job
 * names the parties and the training settings; each party's data, ID column and the consortium's
 * ID salt stay in that party's own configuration.
 */
import { z } from 'zod';
import { MAX_DEADLINE_MS } from '../job.ts';

const name = z.string().min(1).max(128);
const deadlineMs = (min: number) => z.number().int().min(min).max(MAX_DEADLINE_MS);

export const VerticalJobSpecSchema = z
  .object({
    partition: z.literal('vertical'),
    name: z.string().min(1).max(200).default('vertical-job'),
    /**
     * `logistic`: each party's part is linear in its columns. `mlp`: a split MLP — each party's
     * part is a bottom network (one tanh layer of `hidden` units and a linear output), and the
     * label holder's top adds the parts and applies the logistic link.
     */
    model: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('logistic') }).strict(),
        z.object({ type: z.literal('mlp'), hidden: z.number().int().min(1).max(64).default(8) }).strict(),
      ])
      .default({ type: 'logistic' }),
    /** The party that holds the label (and the intercept); it learns the final scores. */
    labelHolder: name,
    /**
     * The parties with extra columns, at least one. The first one is the label holder's partner in
     * the two-party arithmetic: it holds the second share of every residual.
     */
    featureParties: z.array(name).min(1).max(16),
    train: z
      .object({
        epochs: z.number().int().min(1).max(1000).default(10),
        /** Rows per step; a power of two from 16 to 65536. */
        batchSize: z
          .number()
          .int()
          .refine((b) => b >= 16 && b <= 65536 && (b & (b - 1)) === 0, { message: 'batchSize must be a power of two from 16 to 65536' })
          .default(256),
        learningRate: z.number().positive().max(100).default(0.5),
        /** L2 penalty on the weights (not the intercept). */
        l2: z.number().min(0).max(100).default(0),
      })
      .strict()
      .default({ epochs: 10, batchSize: 256, learningRate: 0.5, l2: 0 }),
    /**
     * `label`: label differential privacy for what the feature parties learn. Each feature party
     * clips every row of its gradient matrix to `clipNorm`; the label holder adds exact discrete
     * Gaussian noise of standard deviation `noiseMultiplier`·`clipNorm` to every gradient a
     * feature party receives (label-privacy.ts for the accounting).
     */
    privacy: z
      .discriminatedUnion('mode', [
        z.object({ mode: z.literal('none') }).strict(),
        z
          .object({
            mode: z.literal('label'),
            noiseMultiplier: z.number().min(0.05).max(16),
            clipNorm: z.number().positive().max(16).default(1),
            delta: z.number().gt(0).lt(1).default(1e-5),
          })
          .strict()
          .refine((p) => p.noiseMultiplier * p.clipNorm <= 16, { message: 'noiseMultiplier × clipNorm must be at most 16 (the noise sampler\'s range at the fixed-point scale)' }),
      ])
      .default({ mode: 'none' }),
    /** Fraction of the label holder's rows held out to evaluate the joint model. */
    evaluation: z.object({ holdout: z.number().gt(0).lt(1).default(0.3) }).strict().default({ holdout: 0.3 }),
    /** How every party canonicalizes its IDs before the private set intersection. */
    ids: z
      .object({ caseFold: z.boolean().default(true), form: z.enum(['none', 'alnum', 'digits']).default('none') })
      .strict()
      .default({ caseFold: true, form: 'none' }),
    deadlines: z
      .object({
        waitForParticipantsMs: deadlineMs(0).default(30_000),
        /** Deadline of one step (each party's part of one exchange). */
        stepMs: deadlineMs(100).default(120_000),
      })
      .strict()
      .default({ waitForParticipantsMs: 30_000, stepMs: 120_000 }),
  })
  .strict()
  .superRefine((job, ctx) => {
    const all = [job.labelHolder, ...job.featureParties];
    const seen = new Set<string>();
    all.forEach((p, i) => {
      if (seen.has(p)) ctx.addIssue({ code: 'custom', path: i === 0 ? ['labelHolder'] : ['featureParties', i - 1], message: `party "${p}" is named twice` });
      seen.add(p);
    });
  });
export type VerticalJobSpec = z.infer<typeof VerticalJobSpecSchema>;

/** True when a parsed job file asks for a vertical job. */
export function isVerticalJob(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && (raw as { partition?: unknown }).partition === 'vertical';
}

/** The two parties that hold the shares of the residuals: the label holder and its partner. */
export function computingParties(job: Pick<VerticalJobSpec, 'labelHolder' | 'featureParties'>): [string, string] {
  return [job.labelHolder, job.featureParties[0]!];
}

/** Every party in the job's order: label holder first. */
export function partiesOf(job: Pick<VerticalJobSpec, 'labelHolder' | 'featureParties'>): string[] {
  return [job.labelHolder, ...job.featureParties];
}

/**
 * The cross products of one training step, as [a, b]: party a's columns times the residual share
 * held by computing party b, the result going to a. Every party pairs with each computing party
 * other than itself.
 */
export function crossProducts(job: Pick<VerticalJobSpec, 'labelHolder' | 'featureParties'>): Array<[string, string]> {
  const computing = computingParties(job);
  return partiesOf(job).flatMap((a) => computing.filter((b) => b !== a).map((b): [string, string] => [a, b]));
}
