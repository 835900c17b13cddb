/**
 * The personalization mod: on the last round's evaluate task of a job with personalization, the
 * task carries the final global weights; after the inner handler has answered it (exactly, or
 * through the DP mods), the member personalizes the model on its own rows (./personalize.ts),
 * stores the global, personal and local-only models and its value report in its state dir
 * (./store.ts) and logs the report to its own operator.
 *
 * What goes to the consortium (core/personalize/release.ts): under record-level DP, nothing more
 * than the inner answer. Otherwise the answer also carries the histograms of its personalized and
 * local-only models' held-out scores — summed with every other member's, like `hist` — and a
 * `memberValue` vector that is all zeros unless the member's policy allows releasing its own
 * figures (`releaseOwnFigures`), in which case its slot holds its three held-out AUCs.
 *
 * Personalization runs once per job (a retried secure sum reuses it) and starts no epoch after a
 * margin before the stage deadline. A failure is logged and never fails the consortium's
 * evaluation: the member then keeps the global model, and its histograms are the global model's.
 */
import type { JobSpec } from '../../core/job.ts';
import { modelName, personalizationOf } from '../../core/job.ts';
import { scoreHistogram } from '../../core/metrics/histogram.ts';
import { MEMBER_VALUE, memberValueVector, releasesPersonalization } from '../../core/personalize/release.ts';
import { resolveClassWeights } from '../../core/round/engine.ts';
import type { Contribution } from '../../core/types.ts';
import type { Logger } from '../../platform/log.ts';
import type { HandlerResult, Mod, ParsedTask } from '../handler.ts';
import type { LocalData } from '../local-handler.ts';
import { personalize } from './personalize.ts';
import { boostedFamily } from '../trees/personal.ts';
import type { PersonalizeResult } from './personalize.ts';
import type { ValueReport } from './store.ts';
import { finiteOrNull, saveMemberModel, saveValueReport } from './store.ts';

/** What the mod needs. */
export interface PersonalizationDeps {
  name: string;
  data: LocalData;
  /** The member's state dir; models and value reports go below it. */
  stateDir: string;
  /** The member's policy lets it release its own value figures (never under record-level DP). Default false. */
  releaseOwnFigures?: boolean;
  log?: Logger;
}

/** Share of the time left before the stage deadline kept free for answering the task. */
const DEADLINE_RESERVE = 0.3;

/** Whether `task` is the task personalization runs at. */
export function isFinalEvaluate(task: ParsedTask): boolean {
  const { job } = task.config;
  return task.kind === 'evaluate' && task.round === job.rounds && personalizationOf(job) !== undefined && task.weights !== undefined;
}

const fmt = (x: number | null) => (x === null ? '—' : x.toFixed(3));

/** One line for the member's operator. */
export function valueReportLine(r: ValueReport): string {
  const c = r.chosen;
  const how = c.alpha !== undefined ? `${c.variant}, α = ${c.alpha} on the ${c.variant === 'blend' ? 'global' : 'fine-tuned'} model` : c.variant;
  return (
    `value report for job ${r.jobId}: on ${r.rows.test} held-out rows AUC federated ${fmt(r.test.global.auc)}, ` +
    `personalized ${fmt(r.test.personalized.auc)} (${how}), local-only ${fmt(r.test.localOnly.auc)}; released: ${r.released}`
  );
}

/** What this member releases of its report for `task`. */
function releaseOf(task: ParsedTask, deps: PersonalizationDeps): ValueReport['released'] {
  if (!releasesPersonalization(task.config.job)) return 'nothing';
  return deps.releaseOwnFigures && task.config.members?.includes(deps.name) ? 'own-figures' : 'consortium-aggregate';
}

function report(task: ParsedTask, member: string, trainRows: number, out: PersonalizeResult, released: ValueReport['released']): ValueReport {
  const t = out.test;
  const s = (x: { auc: number; ks: number }) => ({ auc: finiteOrNull(x.auc), ks: finiteOrNull(x.ks) });
  return {
    format: 'fedcredit-value-report', version: 1, jobId: task.jobId, member, model: modelName(task.config.job.model), createdAt: new Date().toISOString(),
    chosen: out.chosen,
    validation: out.validation.map((c) => ({ variant: c.variant, auc: finiteOrNull(c.auc), ...(c.alpha !== undefined ? { alpha: c.alpha } : {}) })),
    rows: { train: trainRows, test: t.rows, testPositives: t.positives },
    folds: out.folds,
    test: { global: s(t.global), personalized: s(t.personalized), localOnly: s(t.localOnly) },
    complete: out.complete,
    released,
  };
}

/** The member's personalization of one job, as kept between retries of its final evaluation. */
interface Done {
  out?: PersonalizeResult;
  released: ValueReport['released'];
}

/** The personalization vectors this member adds to its final evaluate contribution. */
function releaseVectors(task: ParsedTask, deps: PersonalizationDeps, done: Done, contribution: Contribution): Contribution {
  const job: JobSpec = task.config.job;
  const bins = job.evaluation.bins;
  const y = deps.data.split(task).test.labels;
  const globalHist = contribution.hist ?? new Float64Array(2 * bins);
  const { out } = done;
  const figures = out && done.released === 'own-figures' && task.config.members?.includes(deps.name) ? { federated: out.test.global.auc, personalized: out.test.personalized.auc, localOnly: out.test.localOnly.auc } : undefined;
  return {
    histPersonal: out ? scoreHistogram(out.testScores.personalized, y, bins) : globalHist.slice(),
    histLocal: out ? scoreHistogram(out.testScores.localOnly, y, bins) : globalHist.slice(),
    [MEMBER_VALUE]: memberValueVector(task.config.members ?? [], deps.name, figures),
  };
}

/** Personalizes on the final evaluate task; see the module header. */
export function personalizationMod(deps: PersonalizationDeps): Mod {
  const done = new Map<string, Done>();
  const run = async (task: ParsedTask): Promise<Done> => {
    const released = releaseOf(task, deps);
    try {
      const { job, preprocessing } = task.config;
      const boosted = job.model.type === 'gbdt' ? job.model : undefined;
      const rows = boosted ? deps.data.treeRows(task) : deps.data.encodedRows(task);
      const family = boosted
        ? boostedFamily({ schema: task.config.schema, spec: boosted, edges: preprocessing?.edges ?? [], seed: job.seed, member: deps.name, width: rows.inputDim, train: rows.train })
        : undefined;
      const now = Date.now();
      const out = await personalize({
        // run() is only called where isFinalEvaluate holds, so the job personalizes.
        job, spec: personalizationOf(job)!, member: deps.name, inputDim: rows.inputDim, global: rows.weights, train: rows.train, test: rows.test,
        ...(family ? { family } : {}),
        ...(rows.validation ? { validation: rows.validation } : {}),
        classWeights: resolveClassWeights(job, preprocessing!), // encodedRows checked that preprocessing is present
        // A task without a deadline (0, as the in-process grid sends) sets no time limit.
        stopBy: task.deadline > 0 ? task.deadline - DEADLINE_RESERVE * Math.max(0, task.deadline - now) : Number.POSITIVE_INFINITY,
      });
      const meta = { format: 'fedcredit-member-model', version: 1, jobId: task.jobId, member: deps.name, model: job.model, inputDim: rows.inputDim, preprocessing } as const;
      saveMemberModel(deps.stateDir, { ...meta, role: 'global', variant: 'global', trainedOnRows: 0 }, [rows.weights]);
      saveMemberModel(deps.stateDir, { ...meta, role: 'local', variant: 'local', trainedOnRows: rows.train.y.length, epochs: out.localEpochs }, out.localWeights);
      const base = out.chosen.variant === 'blend' ? 'global' : out.chosen.variant === 'finetuned-blend' ? 'finetuned' : out.chosen.variant;
      saveMemberModel(deps.stateDir, {
        ...meta, role: 'personal', variant: base, trainedOnRows: base === 'global' ? 0 : rows.train.y.length,
        ...(out.chosen.alpha !== undefined ? { blendAlpha: out.chosen.alpha } : {}),
        ...(out.chosen.epochs !== undefined ? { epochs: out.chosen.epochs } : {}),
      }, out.personalWeights);
      const r = report(task, deps.name, rows.train.y.length, out, released);
      saveValueReport(deps.stateDir, r);
      deps.log?.info(valueReportLine(r), { jobId: task.jobId });
      return { out, released };
    } catch (err) {
      deps.log?.warn(`personalization of job ${task.jobId} failed; the global model stays this member's model: ${(err as Error).message}`, { jobId: task.jobId });
      return { released: released === 'nothing' ? 'nothing' : 'consortium-aggregate' };
    }
  };
  return (next) => async (task): Promise<HandlerResult> => {
    if (!isFinalEvaluate(task)) return next(task);
    const result = await next(task);
    if (!('contribution' in result)) return result;
    let d = done.get(task.jobId);
    if (!d) {
      d = await run(task);
      done.set(task.jobId, d);
    }
    if (!releasesPersonalization(task.config.job)) return result;
    return { ...result, contribution: { ...result.contribution, ...releaseVectors(task, deps, d, result.contribution) } };
  };
}
