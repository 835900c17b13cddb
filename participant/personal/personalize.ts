/**
 * A member's personalization after federated training, on its own rows only. Its training rows
 * (the job's held-out test rows excluded) are split into k stratified folds, seeded by (job seed,
 * member name), on which two models are early-stopped:
 *
 *  - finetuned: the global model trained further, one epoch at a time, on each fold's fit rows;
 *    the number of epochs is the one with the best mean fold AUC (0 = the global model), found
 *    by early stopping with `patience` on that mean;
 *  - local: the job's model trained the same way from the job's initial weights (the member's
 *    local-only model).
 *
 * Each is kept as the committee of its k fold models at the chosen epoch — its score is the mean
 * of theirs — rather than refitted on all rows: the committee is made of exactly the models the
 * cross-validation measured, and averaging lowers its variance. The member then keeps a blend
 * α·base + (1 − α)·local-only of the global or fine-tuned model with its local-only model, chosen
 * on its validation rows — rows the job kept out of federated training and out of the folds, so
 * every model, the global one included, is judged out of sample — by the pessimistic rule of
 * core/personalize/select.ts `choosePersonal`. Without validation rows the folds' own rows stand
 * in (each scored by the fold models that did not train on it; the global model, which did, then
 * looks better than it is). The test rows are only scored, after every choice is made. Training
 * uses the job's trainer settings without DP: nothing trained here leaves the member.
 */
import type { JobSpec, PersonalizationSpec } from '../../core/job.ts';
import { exactAuc, exactKs } from '../../core/metrics/exact.ts';
import { initialWeights } from '../../core/model/layout.ts';
import { blendScores, choosePersonal, finiteMean, stratifiedFolds } from '../../core/personalize/select.ts';
import type { Candidate, ValidationScores, Variant } from '../../core/personalize/select.ts';
import { deriveSeed, seededRng } from '../../core/random.ts';
import { predictScores } from '../trainer/predict.ts';
import { trainLocal } from '../trainer/train.ts';

/** Rows (row-major, `inputDim` values each) and labels. */
export interface Rows {
  x: Float32Array | Float64Array;
  y: Uint8Array;
}

/**
 * How a kind of model is scored and trained further on a member's rows: the dense models by the
 * job's trainer (epochs of its optimizer), boosted trees by adding trees (participant/trees/personal.ts).
 */
export interface ModelFamily {
  /** Probabilities of `rows` under the model `w`. */
  scores(w: Float32Array, rows: Rows): ArrayLike<number>;
  /** `w` trained `epochs` further on `rows`; `label` seeds what the training draws. */
  train(w: Float32Array, rows: Rows, epochs: number, label: string): Promise<Float32Array>;
  /** The model a local-only model starts from. */
  initial(): Float32Array;
}

/** The job's dense model (logistic, mlp), scored and trained by the job's trainer. */
export function denseFamily(job: JobSpec, inputDim: number, classWeights: { positive: number; negative: number }, member: string): ModelFamily {
  return {
    scores: (w, rows) => predictScores(job.model, inputDim, w, rows.x as Float32Array),
    async train(start, rows, epochs, label) {
      const out = await trainLocal({
        spec: job.model, inputDim, weights: start, x: rows.x as Float32Array, y: rows.y,
        fit: { train: { ...job.train, localEpochs: epochs }, mu: 0, classWeights, seed: deriveSeed(job.seed, `personal:${member}:${label}`) },
      });
      return out.weights;
    },
    initial: () => initialWeights(job.model, inputDim, seededRng(deriveSeed(job.seed, 'init'))),
  };
}

/** What personalization takes: the job, the final global weights and the member's encoded rows. */
export interface PersonalizeInput {
  job: JobSpec;
  /** The job's personalization settings. */
  spec: PersonalizationSpec;
  member: string;
  inputDim: number;
  global: Float32Array;
  /** How the job's kind of model is scored and trained (default: the dense family of the job). */
  family?: ModelFamily;
  classWeights: { positive: number; negative: number };
  train: Rows;
  test: Rows;
  /**
   * Rows kept out of federated training (and out of the folds): when given, every candidate is
   * judged on them — the global model too is then scored on rows it never saw.
   */
  validation?: Rows;
  /** Unix ms after which no further epoch starts: the stage deadline, less a margin. */
  stopBy: number;
}

/** AUC and KS on the test rows. */
export interface TestScore {
  auc: number;
  ks: number;
}

/** What personalization produced. */
export interface PersonalizeResult {
  chosen: { variant: Variant; alpha?: number; epochs?: number };
  /** Mean validation AUC of each candidate considered. */
  validation: Candidate[];
  folds: number;
  /** Whether every epoch loop ran to its end (early stopping or maxEpochs) before `stopBy`. */
  complete: boolean;
  /**
   * The personal model as a committee of weight sets whose scores are averaged (for a blend: its
   * base, the global or fine-tuned model, whose scores are mixed with the local-only model's),
   * and the local-only committee.
   */
  personalWeights: Float32Array[];
  localWeights: Float32Array[];
  localEpochs: number;
  test: { global: TestScore; personalized: TestScore; localOnly: TestScore; rows: number; positives: number };
  /** Scores of the personalized and the local-only model on the test rows (for the consortium's histograms). */
  testScores: { personalized: ArrayLike<number>; localOnly: ArrayLike<number> };
}

function subset(rows: Rows, idx: Uint32Array, d: number): Rows {
  const x = rows.x instanceof Float64Array ? new Float64Array(idx.length * d) : new Float32Array(idx.length * d);
  const y = new Uint8Array(idx.length);
  idx.forEach((i, r) => {
    x.set(rows.x.subarray(i * d, (i + 1) * d), r * d);
    y[r] = rows.y[i]!;
  });
  return { x, y };
}

interface Ctx {
  in: PersonalizeInput;
  family: ModelFamily;
  folds: { fit: Rows; val: Rows }[];
  complete: boolean;
}

const scores = (c: Ctx, w: Float32Array, rows: Rows) => c.family.scores(w, rows);

/** Mean score of a committee of weight sets. */
function committeeScores(c: Ctx, ws: Float32Array[], rows: Rows): Float64Array {
  const out = new Float64Array(rows.y.length);
  for (const w of ws) {
    const s = scores(c, w, rows);
    for (let i = 0; i < out.length; i++) out[i] = out[i]! + s[i]! / ws.length;
  }
  return out;
}

/** The global model's and the two committees' scores on `rows`. */
function scoresOn(c: Ctx, rows: Rows, tuned: Float32Array[], local: Float32Array[]): ValidationScores {
  return { labels: rows.y, global: scores(c, c.in.global, rows), finetuned: committeeScores(c, tuned, rows), local: committeeScores(c, local, rows) };
}

/** Every fold's own rows, each scored by that fold's fine-tuned and local models (which did not train on it) and by the global model (which did). */
function outOfFold(c: Ctx, tuned: Float32Array[], local: Float32Array[]): ValidationScores {
  const parts = c.folds.map((f, j) => ({ y: f.val.y, g: scores(c, c.in.global, f.val), t: scores(c, tuned[j]!, f.val), l: scores(c, local[j]!, f.val) }));
  const cat = (pick: (p: (typeof parts)[number]) => ArrayLike<number>) => Float64Array.from(parts.flatMap((p) => Array.from(pick(p))));
  return { labels: cat((p) => p.y), global: cat((p) => p.g), finetuned: cat((p) => p.t), local: cat((p) => p.l) };
}

const train = (c: Ctx, start: Float32Array, rows: Rows, epochs: number, label: string): Promise<Float32Array> => c.family.train(start, rows, epochs, label);

const foldAucs = (c: Ctx, ws: Float32Array[]) => c.folds.map((f, k) => exactAuc(scores(c, ws[k]!, f.val), f.val.y));

/**
 * Trains from `start` on every fold's fit rows in lockstep, one epoch at a time; returns the
 * epoch (0 = `start`) with the best mean validation AUC and each fold's weights at that epoch.
 */
async function earlyStopped(c: Ctx, start: Float32Array, label: string): Promise<{ foldWeights: Float32Array[]; epochs: number; auc: number }> {
  const { maxEpochs, patience } = c.in.spec;
  let ws = c.folds.map(() => start);
  const at = (weights: Float32Array[], epochs: number) => ({ foldWeights: weights, epochs, auc: finiteMean(foldAucs(c, weights)) });
  let best = at(ws, 0);
  for (let e = 1; e <= maxEpochs; e++) {
    if (Date.now() > c.in.stopBy) {
      c.complete = false;
      break;
    }
    const prev = ws;
    ws = [];
    for (const [k, f] of c.folds.entries()) ws.push(await train(c, prev[k]!, f.fit, 1, `${label}:fold:${k}:epoch:${e}`));
    const now = at(ws, e);
    if (!(now.auc <= best.auc)) best = now;
    else if (e - best.epochs >= patience) break;
  }
  return best;
}

const testScore = (s: ArrayLike<number>, y: Uint8Array): TestScore => ({ auc: exactAuc(s, y), ks: exactKs(s, y) });

/** Runs personalization; see the module header. */
export async function personalize(input: PersonalizeInput): Promise<PersonalizeResult> {
  const { job, member, inputDim: d } = input;
  const { spec } = input;
  const k = Math.min(spec.folds, input.train.y.length);
  const splits = stratifiedFolds(input.train.y, k, seededRng(deriveSeed(job.seed, `personal-folds:${member}`)));
  const family = input.family ?? denseFamily(job, d, input.classWeights, member);
  const c: Ctx = { in: input, family, folds: splits.map((s) => ({ fit: subset(input.train, s.fit, d), val: subset(input.train, s.validation, d) })), complete: true };
  const init = family.initial();

  const tuned = await earlyStopped(c, input.global, 'finetune');
  const local = await earlyStopped(c, init, 'local');
  const validationScores = input.validation ? scoresOn(c, input.validation, tuned.foldWeights, local.foldWeights) : outOfFold(c, tuned.foldWeights, local.foldWeights);
  const { chosen, candidates } = choosePersonal(validationScores, { blend: spec.blend });
  const localWeights = local.foldWeights;
  // The personal model's own committee: for a blend, its base (mixed with the local-only model's scores).
  const base = chosen.variant === 'finetuned' || chosen.variant === 'finetuned-blend' ? 'finetuned' : chosen.variant === 'local' ? 'local' : 'global';
  const personalWeights = base === 'finetuned' ? tuned.foldWeights : base === 'local' ? localWeights : [input.global];
  const globalTest = scores(c, input.global, input.test);
  const localTest = committeeScores(c, localWeights, input.test);
  const baseTest = base === 'finetuned' ? committeeScores(c, tuned.foldWeights, input.test) : globalTest;
  const personalTest = base === 'local' ? localTest : blendScores(baseTest, localTest, chosen.alpha ?? 1);
  const epochsOf = chosen.variant === 'global' ? undefined : chosen.variant === 'local' || chosen.variant === 'blend' ? local.epochs : tuned.epochs;
  return {
    chosen: { variant: chosen.variant, ...(chosen.alpha !== undefined ? { alpha: chosen.alpha } : {}), ...(epochsOf !== undefined ? { epochs: epochsOf } : {}) },
    validation: candidates, folds: k, complete: c.complete, personalWeights, localWeights, localEpochs: local.epochs,
    test: {
      global: testScore(globalTest, input.test.y), personalized: testScore(personalTest, input.test.y), localOnly: testScore(localTest, input.test.y),
      rows: input.test.y.length, positives: input.test.y.reduce((a, b) => a + b, 0),
    },
    testScores: { personalized: personalTest, localOnly: localTest },
  };
}
