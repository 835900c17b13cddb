/**
 * A member's personalization after federated training, on its own rows only. Its training rows
 * (the job's held-out test rows excluded) are split into k stratified folds, seeded by (job seed,
 * member name). Candidates, each scored by its validation AUC averaged over the folds:
 *
 *  - global: the final federated model as is;
 *  - finetuned: the global model trained further, one epoch at a time, on each fold's fit rows;
 *    the number of epochs is the one with the best mean validation AUC (0 = the global model),
 *    found by early stopping with `patience` on that mean;
 *  - local: the job's model trained the same way from the job's initial weights (the member's
 *    local-only model);
 *  - ensemble: the mean of the global, fine-tuned and local scores (equal weights, nothing tuned);
 *  - blend: α·global + (1 − α)·local scores, α chosen on the folds;
 *  - finetuned-blend: α·finetuned + (1 − α)·local scores, likewise.
 *
 * The member keeps the candidate with the best mean validation AUC, the global model on a tie
 * (core/personalize/select.ts). A fine-tuned or local model is kept as the committee of its k fold
 * models at the chosen epoch — its score is the mean of theirs — rather than refitted on all
 * rows: the committee is made of exactly the models the cross-validation measured (a refit for
 * the same number of epochs on more rows takes more steps, which moves an early-stopped model),
 * and averaging lowers its variance. The local-only model is the local candidate's committee. The
 * test rows are only scored, after every choice is made. Training uses the job's trainer settings
 * without DP: nothing trained here leaves the member.
 */
import type { JobSpec, PersonalizationSpec } from '../../core/job.ts';
import { exactAuc, exactKs } from '../../core/metrics/exact.ts';
import { initialWeights } from '../../core/model/layout.ts';
import { blendScores, chooseBlend, chooseVariant, finiteMean, stratifiedFolds } from '../../core/personalize/select.ts';
import type { Candidate, Variant } from '../../core/personalize/select.ts';
import { deriveSeed, seededRng } from '../../core/random.ts';
import { predictScores } from '../trainer/predict.ts';
import { trainLocal } from '../trainer/train.ts';

/** Encoded rows and labels. */
export interface Rows {
  x: Float32Array;
  y: Uint8Array;
}

/** What personalization takes: the job, the final global weights and the member's encoded rows. */
export interface PersonalizeInput {
  job: JobSpec;
  /** The job's personalization settings. */
  spec: PersonalizationSpec;
  member: string;
  inputDim: number;
  global: Float32Array;
  classWeights: { positive: number; negative: number };
  train: Rows;
  test: Rows;
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
  const x = new Float32Array(idx.length * d);
  const y = new Uint8Array(idx.length);
  idx.forEach((i, r) => {
    x.set(rows.x.subarray(i * d, (i + 1) * d), r * d);
    y[r] = rows.y[i]!;
  });
  return { x, y };
}

interface Ctx {
  in: PersonalizeInput;
  folds: { fit: Rows; val: Rows }[];
  complete: boolean;
}

const scores = (c: Ctx, w: Float32Array, rows: Rows) => predictScores(c.in.job.model, c.in.inputDim, w, rows.x);

/** Mean of three models' scores, row by row. */
function mean3(a: ArrayLike<number>, b: ArrayLike<number>, c: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: a.length }, (_, i) => (a[i]! + b[i]! + c[i]!) / 3);
}

/** Mean score of a committee of weight sets. */
function committeeScores(c: Ctx, ws: Float32Array[], rows: Rows): Float64Array {
  const out = new Float64Array(rows.y.length);
  for (const w of ws) {
    const s = scores(c, w, rows);
    for (let i = 0; i < out.length; i++) out[i] = out[i]! + s[i]! / ws.length;
  }
  return out;
}

async function train(c: Ctx, start: Float32Array, rows: Rows, epochs: number, label: string): Promise<Float32Array> {
  const { job } = c.in;
  const out = await trainLocal({
    spec: job.model, inputDim: c.in.inputDim, weights: start, x: rows.x, y: rows.y,
    fit: { train: { ...job.train, localEpochs: epochs }, mu: 0, classWeights: c.in.classWeights, seed: deriveSeed(job.seed, `personal:${c.in.member}:${label}`) },
  });
  return out.weights;
}

const foldAucs = (c: Ctx, ws: Float32Array[]) => c.folds.map((f, k) => exactAuc(scores(c, ws[k]!, f.val), f.val.y));

/**
 * Trains from `start` on every fold's fit rows in lockstep, one epoch at a time; returns the
 * epoch (0 = `start`) with the best mean validation AUC and each fold's weights at that epoch.
 */
async function earlyStopped(c: Ctx, start: Float32Array, label: string): Promise<{ foldWeights: Float32Array[]; epochs: number; auc: number; foldAucs: number[] }> {
  const { maxEpochs, patience } = c.in.spec;
  let ws = c.folds.map(() => start);
  const at = (weights: Float32Array[], epochs: number) => {
    const aucs = foldAucs(c, weights);
    return { foldWeights: weights, epochs, auc: finiteMean(aucs), foldAucs: aucs };
  };
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
  const c: Ctx = { in: input, folds: splits.map((s) => ({ fit: subset(input.train, s.fit, d), val: subset(input.train, s.validation, d) })), complete: true };
  const init = initialWeights(job.model, d, seededRng(deriveSeed(job.seed, 'init')));

  const tuned = await earlyStopped(c, input.global, 'finetune');
  const local = await earlyStopped(c, init, 'local');
  const globalFolds = c.folds.map(() => input.global);
  const fromFolds = (variant: Candidate['variant'], aucs: number[], alpha?: number): Candidate => ({ variant, auc: finiteMean(aucs), foldAucs: aucs, ...(alpha !== undefined ? { alpha } : {}) });
  const candidates: Candidate[] = [
    fromFolds('global', foldAucs(c, globalFolds)),
    fromFolds('finetuned', tuned.foldAucs),
    fromFolds('local', local.foldAucs),
  ];
  const ensembleVal = (f: { val: Rows }, j: number) => mean3(scores(c, input.global, f.val), scores(c, tuned.foldWeights[j]!, f.val), scores(c, local.foldWeights[j]!, f.val));
  candidates.push(fromFolds('ensemble', c.folds.map((f, j) => exactAuc(ensembleVal(f, j), f.val.y))));
  if (spec.blend) {
    for (const [variant, base] of [['blend', globalFolds], ['finetuned-blend', tuned.foldWeights]] as const) {
      const parts = c.folds.map((f, j) => ({ global: scores(c, base[j]!, f.val), local: scores(c, local.foldWeights[j]!, f.val), labels: f.val.y }));
      const { alpha } = chooseBlend(parts);
      candidates.push(fromFolds(variant, parts.map((p) => exactAuc(blendScores(p.global, p.local, alpha), p.labels)), alpha));
    }
  }
  const chosen = chooseVariant(candidates);

  const localWeights = local.foldWeights;
  // The personal model's own committee: for a blend, its base (mixed with the local-only model's scores).
  const personalWeights = chosen.variant === 'finetuned' || chosen.variant === 'finetuned-blend' || chosen.variant === 'ensemble' ? tuned.foldWeights : chosen.variant === 'local' ? localWeights : [input.global];
  const globalTest = scores(c, input.global, input.test);
  const localTest = committeeScores(c, localWeights, input.test);
  const baseTest =
    chosen.variant === 'local' ? localTest : chosen.variant === 'ensemble' ? mean3(globalTest, committeeScores(c, tuned.foldWeights, input.test), localTest) : committeeScores(c, personalWeights, input.test);
  const personalTest = chosen.alpha !== undefined ? blendScores(baseTest, localTest, chosen.alpha) : baseTest;
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
