/**
 * The vertical job as both vertical examples run it: a real job (core/vertical/run-job.ts) with
 * every party a real `VerticalParty`, all in this process over an in-memory grid
 * (sim/vertical/simulate-vertical.ts) — the networked protocol, simulated.
 *
 * The examples also fit reference models (bank-only, pooled) with an exact solver and must score
 * them on the very rows the job holds out. The job's row plan is a pure function of a seed and the
 * label holder's number of rows (core/vertical/schedule.ts), so the examples fix that seed
 * (`planSeed`) and compute the same plan themselves. The plan indexes the label holder's rows in
 * canonical-ID order; {@link examplePlan} checks that this order is the table's own row order (every
 * ID valid and unique), so that plan row i is table row i.
 *
 * The pooled reference needs the rows aligned in the clear: pooling puts every party's table,
 * IDs included, in one place, so {@link joinByIds} joins them on canonical IDs directly — the
 * same matches the job's private set intersection finds, without its cost.
 */
import { canonicalizeIds, type IdCanonicalization } from '../../core/psi/ids.ts';
import { deriveSeed, seededRng } from '../../core/random.ts';
import { makeSchedule } from '../../core/vertical/schedule.ts';
import { type VerticalJobSpec, VerticalJobSpecSchema } from '../../core/vertical/spec.ts';
import type { VerticalPartyData } from '../../participant/vertical/state.ts';
import { simulateVertical } from '../../sim/vertical/simulate-vertical.ts';

/** The job settings an example chooses. */
export interface ExampleJobSettings {
  epochs: number;
  /** A power of two (the job's rule). */
  batchSize: number;
  learningRate: number;
  /** Share of the label holder's rows held out to score every model. */
  holdout: number;
  /** The joint model (default logistic regression). */
  model?: VerticalJobSpec['model'];
  l2?: number;
}

/** What the job reported, as the examples print and summarize it. */
export interface JobNumbers {
  settings: ExampleJobSettings;
  planSeed: number;
  /** The joint model on the held-out rows; `inputs` counts every party's columns, intercept excluded. */
  joint: { auc: number; ks: number; logLoss: number; inputs: number };
  /** The job's own baseline: the same SGD on the label holder's columns alone. */
  labelHolderOnlySgd: { auc: number; ks: number };
  psi: { labelIds: number; shared: Record<string, number>; partyIds: Record<string, number> };
  rows: { aligned: number; train: number; test: number };
  steps: number;
  seconds: { keys: number; psi: number; train: number; evaluate: number; total: number };
  /** Sealed envelopes the coordinator relayed, and dealt material it sent. */
  bytes: { relayed: number; dealt: number };
}

/** Rows of two tables that carry the same canonical ID (`labelRows` ascending), and the counts of usable IDs. */
export interface Alignment {
  labelRows: Uint32Array;
  featureRows: Uint32Array;
  counts: { label: number; feature: number; shared: number };
}

/** Joins a feature party's table to the label holder's on canonical IDs (empty, malformed and repeated IDs left out). */
export function joinByIds(labelIds: readonly string[], featureIds: readonly string[], c: IdCanonicalization): Alignment {
  const L = canonicalizeIds(labelIds, c);
  const F = canonicalizeIds(featureIds, c);
  const rowOf = new Map(F.ids.map((id, k) => [id, F.rows[k]!]));
  const pairs = L.ids.flatMap((id, k) => (rowOf.has(id) ? [[L.rows[k]!, rowOf.get(id)!] as const] : [])).sort((a, b) => a[0] - b[0]);
  return {
    labelRows: Uint32Array.from(pairs, ([l]) => l),
    featureRows: Uint32Array.from(pairs, ([, f]) => f),
    counts: { label: L.ids.length, feature: F.ids.length, shared: pairs.length },
  };
}

/** A vertical job over `labelHolder` and `featureParties` with canonical ID form `alnum`. */
export function exampleJob(labelHolder: string, featureParties: string[], s: ExampleJobSettings): VerticalJobSpec {
  return VerticalJobSpecSchema.parse({
    partition: 'vertical',
    labelHolder,
    featureParties,
    ids: { form: 'alnum' },
    ...(s.model ? { model: s.model } : {}),
    train: { epochs: s.epochs, batchSize: s.batchSize, learningRate: s.learningRate, l2: s.l2 ?? 0 },
    evaluation: { holdout: s.holdout },
  });
}

/**
 * The job's training and held-out rows (ascending label-holder table rows) for `planSeed`. Throws
 * when the label holder's canonical rows are not its table rows in order.
 */
export function examplePlan(job: VerticalJobSpec, labelIds: readonly string[], planSeed: number): { train: number[]; test: number[] } {
  const canon = canonicalizeIds(labelIds, job.ids);
  const inOrder = canon.rows.length === labelIds.length && canon.rows.every((row, i) => row === i);
  if (!inOrder) {
    throw new Error(
      `${job.labelHolder}: ${labelIds.length - canon.rows.length} of ${labelIds.length} IDs are empty, malformed or repeated after canonicalization; ` +
        'the job would drop those rows and its row plan would not match the table rows',
    );
  }
  const plan = makeSchedule(planSeed, labelIds.length, job.evaluation.holdout, job.train.batchSize, job.train.epochs);
  return { train: Array.from(plan.train), test: Array.from(plan.test) };
}

/** Runs the job in this process with the fixed row plan and collects its numbers. */
export async function runExampleJob(job: VerticalJobSpec, data: Record<string, VerticalPartyData>, o: { salt: string; planSeed: number; test: number }): Promise<JobNumbers> {
  // Seeded randomness (pads, masks, keys, an MLP's initial weights) makes the example replayable;
  // it is a simulation — a real node draws all of these from the operating system's CSPRNG.
  const out = await simulateVertical(job, data, { salt: o.salt, planSeed: o.planSeed, rng: seededRng(deriveSeed(o.planSeed, 'example-randomness')) });
  if (out.rows.test !== o.test) throw new Error(`the job held out ${out.rows.test} rows, the example's plan ${o.test}`);
  const inputs = Object.values(out.parts).reduce((n, p) => n + p.columns.filter((c) => c !== '(intercept)').length, 0);
  const { epochs, batchSize, learningRate } = job.train;
  return {
    settings: { epochs, batchSize, learningRate, holdout: job.evaluation.holdout },
    planSeed: o.planSeed,
    joint: { ...out.metrics, inputs },
    labelHolderOnlySgd: out.labelHolderOnly,
    psi: { labelIds: out.psi.labelIds, shared: out.psi.shared, partyIds: out.psi.partyIds },
    rows: out.rows,
    steps: out.steps,
    seconds: out.seconds,
    bytes: out.bytes,
  };
}

/** Two lines describing the job's run, for the examples' printed reports. */
export function formatJob(j: JobNumbers, labelHolder: string): string[] {
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  return [
    `vertical job: ${j.steps} steps (${j.settings.epochs} epochs, batch ${j.settings.batchSize}, learning rate ${j.settings.learningRate}); ` +
      `PSI ${j.seconds.psi.toFixed(2)} s, training ${j.seconds.train.toFixed(2)} s, total ${j.seconds.total.toFixed(2)} s; ` +
      `${mb(j.bytes.relayed)} of sealed envelopes relayed, ${mb(j.bytes.dealt)} dealt`,
    `  the job's ${labelHolder}-only SGD baseline (same rows, steps and settings): AUC ${j.labelHolderOnlySgd.auc.toFixed(4)}, KS ${j.labelHolderOnlySgd.ks.toFixed(4)}`,
  ];
}
