/**
 * Scoring applicants with a model package: each applicant's probability of default — computed on
 * exactly the path the members use in federated evaluation (participant/trainer/predict.ts
 * `predictScores` over core/data/preprocess.ts `encodeTable` for dense models,
 * participant/trees/boosting-tasks.ts `boostedScores` for gbdt), so the numbers are the ones
 * their histograms counted — its score points (core/scorecard/points.ts) and its reason codes:
 * the features that lowered its points most (./attribution.ts). With labelled rows it also
 * computes AUC/KS the way the coordinator does, from per-class score histograms with the job's
 * `evaluation.bins`.
 */
import { encodeTable } from '../core/data/preprocess.ts';
import { encodedLevels } from '../core/data/schema.ts';
import type { Table } from '../core/data/table.ts';
import { evaluationContribution, metricsFromEvaluation } from '../core/metrics/histogram.ts';
import type { EvalMetrics } from '../core/metrics/histogram.ts';
import { DEFAULT_POINTS_SCALING, pointsOf, pointsOfLogit, PointsScalingSchema } from '../core/scorecard/points.ts';
import type { PointsScaling } from '../core/scorecard/points.ts';
import { treeColumns } from '../core/trees/features.ts';
import { initBackend } from '../participant/trainer/backend.ts';
import { predictScores } from '../participant/trainer/predict.ts';
import { boostedScores } from '../participant/trees/boosting-tasks.ts';
import type { Applicants } from './applicants.ts';
import { readApplicantsCsv } from './applicants.ts';
import { denseAttributions, treeAttributions } from './attribution.ts';
import type { Attributions } from './attribution.ts';
import type { ModelPackage } from './package-load.ts';

/** Default number of reason codes per applicant. */
export const DEFAULT_REASONS = 4;

/** Options of {@link scoreApplicants}. */
export interface ScoreApplicantsOptions {
  /** Reason codes per applicant (default 4; 0 for none). */
  reasons?: number;
  /** Points scaling (default 600 points at 50 : 1 good : bad odds, 20 points to double them). */
  scaling?: Partial<PointsScaling>;
  /** Whether `table.labels` holds real labels (then the metrics are computed). */
  labelled?: boolean;
  /** Identifiers of the rows, echoed in the result (default: the 1-based row number). */
  ids?: readonly string[];
}

/** One reason code: a feature that lowered the applicant's points. */
export interface ReasonCode {
  /** The schema feature (CSV column). */
  feature: string;
  /** The applicant's value: a number, a level (`__other__` for an unseen category), or null when missing. */
  value: number | string | null;
  /** Points the feature cost against the reference applicant (negative). */
  points: number;
  /** The feature's contribution to the default log-odds (positive: raises the risk). */
  logit: number;
}

/** The score of one applicant. */
export interface ApplicantScore {
  id: string;
  /** Probability of default (the positive, "bad" class). */
  probability: number;
  points: number;
  reasons: ReasonCode[];
}

/** What {@link scoreApplicants} returns. */
export interface ScoreResult {
  scores: ApplicantScore[];
  scaling: PointsScaling;
  /** With labelled rows: the coordinator's metrics (histograms of `bins` bins) on these rows. */
  metrics?: EvalMetrics & { bins: number };
}

/**
 * The dense models' input rows of `table` (row-major, `featureNames` order): the encoding the
 * members train and evaluate on, for a caller that runs the saved tfjs model itself.
 */
export function encodeApplicants(pkg: ModelPackage, table: Table): Float32Array {
  return encodeTable(table, pkg.schema, pkg.preprocessing);
}

/** Probabilities of default of `table`'s rows, on the members' own evaluation path. */
export async function scoreProbabilities(pkg: ModelPackage, table: Table): Promise<Float64Array | Float32Array> {
  const m = pkg.model;
  if (m.kind === 'gbdt') return boostedScores(m.packed, table, pkg.schema);
  await initBackend();
  return predictScores(m.spec, m.inputDim, m.weights, encodeTable(table, pkg.schema, pkg.preprocessing));
}

/** Each schema feature's value in row i, for reason codes. */
function featureValue(pkg: ModelPackage, table: Table, feature: number, i: number): number | string | null {
  const nNum = pkg.schema.numeric.length;
  if (feature < nNum) {
    const v = table.numeric[feature]![i]!;
    return Number.isNaN(v) ? null : v;
  }
  const f = pkg.schema.categorical[feature - nNum]!;
  const level = encodedLevels(f)[table.categorical[feature - nNum]![i]!]!;
  return level === '__missing__' ? null : level;
}

/** Contributions of every applicant to its logit. */
function attributions(pkg: ModelPackage, table: Table): Attributions {
  const m = pkg.model;
  if (m.kind === 'dense') return denseAttributions(m, pkg.schema, encodeTable(table, pkg.schema, pkg.preprocessing));
  const columns = treeColumns(table, pkg.schema);
  const d = columns.length;
  const rows = new Float64Array(table.n * d);
  columns.forEach((col, f) => {
    for (let i = 0; i < table.n; i++) rows[i * d + f] = col[i]!;
  });
  return treeAttributions(m, pkg.schema, pkg.preprocessing, rows);
}

/** Scores every row of `table` (validated against the package's schema). */
export async function scoreApplicants(pkg: ModelPackage, table: Table, o: ScoreApplicantsOptions = {}): Promise<ScoreResult> {
  const scaling = PointsScalingSchema.parse({ ...DEFAULT_POINTS_SCALING, ...o.scaling });
  const k = o.reasons ?? DEFAULT_REASONS;
  const probs = await scoreProbabilities(pkg, table);
  const attr = k > 0 ? attributions(pkg, table) : undefined;
  const names = [...pkg.schema.numeric.map((f) => f.name), ...pkg.schema.categorical.map((f) => f.name)];
  const scores: ApplicantScore[] = [];
  for (let i = 0; i < table.n; i++) {
    const p = probs[i]!;
    const reasons: ReasonCode[] = [];
    if (attr) {
      const order = names.map((_, j) => j).filter((j) => attr.contrib[i * attr.features + j]! > 0);
      // Largest contribution to the default log-odds first; ties by schema order, so the list is deterministic.
      order.sort((a, b) => attr.contrib[i * attr.features + b]! - attr.contrib[i * attr.features + a]! || a - b);
      for (const j of order.slice(0, k)) {
        const logit = attr.contrib[i * attr.features + j]!;
        reasons.push({ feature: names[j]!, value: featureValue(pkg, table, j, i), points: pointsOfLogit(logit, scaling), logit });
      }
    }
    scores.push({ id: o.ids?.[i] ?? String(i + 1), probability: p, points: pointsOf(p, scaling), reasons });
  }
  if (!o.labelled) return { scores, scaling };
  const bins = pkg.job.evaluation.bins;
  const metrics = metricsFromEvaluation(evaluationContribution(probs, table.labels, bins), bins);
  return { scores, scaling, metrics: { ...metrics, bins } };
}

/** Reads an applicants CSV (label column optional) and scores it; `warnings` are the file's validation warnings. */
export async function scoreCsvFile(pkg: ModelPackage, file: string, o: Omit<ScoreApplicantsOptions, 'labelled' | 'ids'> & { idColumn?: string } = {}): Promise<ScoreResult & { warnings: string[]; applicants: Applicants }> {
  const applicants = readApplicantsCsv(file, pkg.schema, o.idColumn !== undefined ? { idColumn: o.idColumn } : {});
  const result = await scoreApplicants(pkg, applicants.table, { ...o, labelled: applicants.labelled, ids: applicants.ids });
  return { ...result, warnings: applicants.warnings, applicants };
}
