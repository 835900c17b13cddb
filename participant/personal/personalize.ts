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
 * Fold AUCs choose the epochs and blend weights. The choice between candidates is made on the
 * member's validation rows, which the job kept out of federated training and out of the folds:
 * the global model was trained on the member's training rows, so its fold AUCs are optimistic,
 * while on the validation rows every candidate is judged out of sample. The member keeps the
 * candidate with the best validation AUC, the global model on a tie
 * (core/personalize/select.ts); without validation rows, the best mean fold AUC. A fine-tuned or local model is kept as the committee of its k fold
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
import type { Rng } from '../../core/types.ts';
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

/** Chunks the validation rows are cut into, for the paired noise of the choice between candidates. */
const VALIDATION_CHUNKS = 5;

/**
 * The candidates re-judged on rows kept out of every model's training: each one's AUC on them,
 * and its AUC on each of {@link VALIDATION_CHUNKS} stratified chunks of them (the paired noise
 * core/personalize/select.ts `chooseVariant` weighs leads against). Without such rows, or when
 * they lack a class, the candidates as the folds judged them.
 */
function judgeOnValidation(candidates: Candidate[], validation: Rows | undefined, scoreOf: (c: Candidate, rows: Rows) => ArrayLike<number>, rng: Rng): Candidate[] {
  if (!validation) return candidates;
  const y = validation.y;
  const positives = y.reduce((a, b) => a + b, 0);
  const chunks = Math.min(VALIDATION_CHUNKS, positives, y.length - positives);
  if (chunks < 2) return candidates;
  const parts = stratifiedFolds(y, chunks, rng).map((f) => f.validation);
  return candidates.map((cand) => {
    const s = scoreOf(cand, validation);
    const pick = (idx: Uint32Array) => ({ s: Array.from(idx, (i) => s[i]!), y: Array.from(idx, (i) => y[i]!) });
    const chunkAucs = parts.map((idx) => {
      const p = pick(idx);
      return exactAuc(p.s, p.y);
    });
    return { ...cand, auc: exactAuc(s, y), foldAucs: chunkAucs };
  });
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

const train = (c: Ctx, start: Float32Array, rows: Rows, epochs: number, label: string): Promise<Float32Array> => c.family.train(start, rows, epochs, label);

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
  const family = input.family ?? denseFamily(job, d, input.classWeights, member);
  const c: Ctx = { in: input, family, folds: splits.map((s) => ({ fit: subset(input.train, s.fit, d), val: subset(input.train, s.validation, d) })), complete: true };
  const init = family.initial();

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
  // The score of each candidate on any rows, from the same committees the folds measured.
  const candidateScores = (cand: Candidate, rows: Rows): ArrayLike<number> => {
    const g = () => scores(c, input.global, rows);
    const t = () => committeeScores(c, tuned.foldWeights, rows);
    const l = () => committeeScores(c, local.foldWeights, rows);
    switch (cand.variant) {
      case 'global':
        return g();
      case 'finetuned':
        return t();
      case 'local':
        return l();
      case 'ensemble':
        return mean3(g(), t(), l());
      case 'blend':
        return blendScores(g(), l(), cand.alpha ?? 1);
      case 'finetuned-blend':
        return blendScores(t(), l(), cand.alpha ?? 1);
    }
  };
  const judged = judgeOnValidation(candidates, input.validation, candidateScores, seededRng(deriveSeed(job.seed, `personal-chunks:${member}`)));
  const chosen = chooseVariant(judged);

  const localWeights = local.foldWeights;
  // The personal model's own committee: for a blend, its base (mixed with the local-only model's scores).
  const personalWeights = chosen.variant === 'finetuned' || chosen.variant === 'finetuned-blend' || chosen.variant === 'ensemble' ? tuned.foldWeights : chosen.variant === 'local' ? localWeights : [input.global];
  const globalTest = scores(c, input.global, input.test);
  const localTest = committeeScores(c, localWeights, input.test);
  const personalTest = candidateScores(chosen, input.test);
  const epochsOf = chosen.variant === 'global' ? undefined : chosen.variant === 'local' || chosen.variant === 'blend' ? local.epochs : tuned.epochs;
  return {
    chosen: { variant: chosen.variant, ...(chosen.alpha !== undefined ? { alpha: chosen.alpha } : {}), ...(epochsOf !== undefined ? { epochs: epochsOf } : {}) },
    validation: judged, folds: k, complete: c.complete, personalWeights, localWeights, localEpochs: local.epochs,
    test: {
      global: testScore(globalTest, input.test.y), personalized: testScore(personalTest, input.test.y), localOnly: testScore(localTest, input.test.y),
      rows: input.test.y.length, positives: input.test.y.reduce((a, b) => a + b, 0),
    },
    testScores: { personalized: personalTest, localOnly: localTest },
  };
}
