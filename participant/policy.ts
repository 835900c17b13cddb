/**
 * The participant's own policy: a local JSON file in which an
 * institution states what it agrees to take part in — model types, features, how many other
 * institutions a job must mix its data with, the most ε one job may spend, the most rounds, and
 * whether plain (unmasked) aggregation is ever acceptable. {@link policyMod} checks every task's
 * job manifest against it before anything touches data, and refuses with a reason (code
 * `policy`) that names the policy field and the offending job value; the coordinator puts that
 * reason in the job's error, which `fedcredit run` prints.
 *
 * Every field except `version` is optional; an absent field sets no limit (the node's other
 * safeguards — schema check, `--allow-plain-aggregation`, privacy budget — still apply).
 * Unknown fields are errors, so a misspelt limit is never silently ignored.
 */
import path from 'node:path';
import { z } from 'zod';
import type { JobSpec } from '../core/job.ts';
import { modelName } from '../core/job.ts';
import type { DataSchema } from '../core/data/schema.ts';
import { DataError, quoteList } from '../core/data/errors.ts';
import { CostMemo, jobPrivacyCost } from '../core/privacy/job-cost.ts';
import { CoreInputError } from '../core/types.ts';
import { formatJsonPath, readJsonFile } from './data/load.ts';
import type { Mod, ParsedTask } from './handler.ts';

/** Privacy modes a policy can allow: job privacy "none", "record", or "client" with each noise placement. */
export const POLICY_PRIVACY_MODES = ['none', 'record', 'client-distributed', 'client-central'] as const;
/** One of {@link POLICY_PRIVACY_MODES}. */
export type PolicyPrivacyMode = (typeof POLICY_PRIVACY_MODES)[number];

/** The policy file (zod-validated JSON). */
export const PolicySchema = z
  .object({
    /** Format version; must be 1. */
    version: z.literal(1),
    /**
     * Models this node trains: built-in types ("logistic", "mlp") and names of custom models
     * (job `model.name` of a `"custom"` model). Absent: every model.
     */
    allowedModels: z
      .array(z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'a model type or custom model name: lower-case letters, digits and dashes'))
      .min(1, 'list at least one model type, or leave the field out')
      .optional(),
    /**
     * Feature columns (the schema's numeric and categorical names, not the label) a job may use.
     * Absent: any feature of the node's own schema (the schema check refuses any other schema).
     */
    allowedFeatures: z.array(z.string().min(1, 'feature names must not be empty')).min(1, 'list at least one feature, or leave the field out').optional(),
    /**
     * Fewest OTHER institutions whose data must be mixed with this node's: the job's
     * `minParticipants` − 1 (and `participants` when the job names them); in every secure sum the
     * member, survivor and threshold floors (participant/releases/floor.ts) rise to this + 1.
     */
    minOtherParticipants: z.number().int().min(0).max(100_000).optional(),
    /**
     * Contributors, this node included, that every secure sum must keep at every step (members,
     * key advertisers, share senders, survivors). Default 3; 2 only for a two-institution
     * consortium that accepts that each member learns the other's input from the sum.
     */
    minContributors: z.number().int().min(2).max(100_000).optional(),
    /**
     * Most secure sums of one input (job, stage, round) this node takes part in (default 8): each
     * retry gives a coordinator that aborts at will another survivor set and neighbour graph to
     * choose from.
     */
    maxAttemptsPerInput: z.number().int().min(1).max(1000).optional(),
    /**
     * Most ε (at the job's δ) that one whole job may spend on this node's data. A job without
     * differential privacy has ε = ∞ and is refused. Set `maxDeltaPerJob` too: ε means little
     * without δ.
     */
    maxEpsilonPerJob: z.number().positive().max(1000).optional(),
    /** Largest δ a job may state. */
    maxDeltaPerJob: z.number().gt(0).lt(1).optional(),
    /**
     * Job privacy modes this node takes part in: "none", "record" (DP-SGD), "client-distributed"
     * (client-level DP, noise added by the participants inside the secure sum) and
     * "client-central" (client-level DP, noise added by a TRUSTED coordinator). Absent: all.
     */
    allowedPrivacy: z.array(z.enum(POLICY_PRIVACY_MODES)).min(1, 'list at least one privacy mode, or leave the field out').optional(),
    /** Most rounds a job may have. */
    maxRounds: z.number().int().min(1).max(10_000).optional(),
    /**
     * Whether jobs with aggregation "plain" (the coordinator sees this node's vectors) are
     * acceptable. Default false. Plain aggregation also needs `--allow-plain-aggregation`.
     */
    allowPlainAggregation: z.boolean().default(false),
    /**
     * Whether this node's own value figures — the held-out AUC of the federated, its personalized
     * and its local-only model, from its value report — go to the consortium with the final
     * evaluation of a job with personalization. Default false: the node then contributes only to
     * consortium-wide sums. Never under record-level DP, where nothing beyond the noised
     * evaluation leaves the node.
     */
    releaseValueReport: z.boolean().default(false),
  })
  .strict();

/** A parsed policy (defaults filled in). */
export type Policy = z.infer<typeof PolicySchema>;

/** Largest policy file accepted (a policy is a few hundred bytes; this only stops accidents). */
const MAX_POLICY_BYTES = 1024 * 1024;

/**
 * Reads and validates a policy file. Throws a one-line {@link DataError} naming the file and each
 * bad field, e.g. `policy.json: maxEpsilonPerJob: Too small: expected number to be >0`.
 */
export function loadPolicy(file: string): Policy {
  return parsePolicyJson(readJsonFile(file, MAX_POLICY_BYTES, 'a JSON policy object, see docs/operations.md, "Participant policy"'), file);
}

/** Validates already-parsed JSON as a policy; `source` names it in messages. */
export function parsePolicyJson(json: unknown, source: string): Policy {
  const r = PolicySchema.safeParse(json);
  if (r.success) return r.data;
  const problems = r.error.issues.map((issue) => {
    const where = formatJsonPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      const fields = Object.keys(PolicySchema.shape).join(', ');
      return `${where ? `${where}: ` : ''}unknown field(s) ${quoteList(issue.keys)}; a policy has only: ${fields}`;
    }
    return `${where || '(whole file)'}: ${issue.message}`;
  });
  throw new DataError(`${source}: invalid policy: ${problems.join('; ')}`, { file: source }, { problems: problems.map((p) => `${source}: ${p}`), cause: r.error });
}

/** Operator warnings about a valid policy against the node's own schema (shown at start-up). */
export function policyWarnings(policy: Policy, schema: DataSchema): string[] {
  const out: string[] = [];
  const own = new Set(schemaFeatures(schema));
  const unknown = (policy.allowedFeatures ?? []).filter((f) => !own.has(f));
  if (unknown.length > 0) out.push(`allowedFeatures lists ${quoteList(unknown)}, which this node's schema does not have (a misspelling?)`);
  const unused = policy.allowedFeatures ? [...own].filter((f) => !policy.allowedFeatures!.includes(f)) : [];
  if (unused.length > 0) out.push(`allowedFeatures leaves out ${quoteList(unused)} of this node's schema: every job using this schema will be refused`);
  if (policy.maxEpsilonPerJob !== undefined && policy.maxDeltaPerJob === undefined) {
    out.push('maxEpsilonPerJob is set without maxDeltaPerJob: a job may state a large δ to make its ε look small');
  }
  return out;
}

/** The feature columns a schema uses (numeric, then categorical; the label is not a feature). */
export function schemaFeatures(schema: DataSchema): string[] {
  return [...schema.numeric.map((f) => f.name), ...schema.categorical.map((f) => f.name)];
}

/** What the policy check knows about the node besides the task. */
export interface PolicyContext {
  /** This participant's name (excluded when counting other participants). */
  self: string;
  /**
   * Row counts of the node's table. Only needed for the ε of a record-level job given by its
   * noise multiplier (ε depends on the sampling rate batchSize / training rows); without them
   * such a job is refused when the policy caps ε.
   */
  rows?: { total: number; positives: number };
  /** Job costs computed by earlier checks (the policy mod keeps one for its lifetime). */
  memo?: CostMemo;
}

/** Expected training rows of a node with `rows` for a job holding out `holdout` (the row-by-row split of core/data/split.ts). */
export function trainingRows(rows: { total: number; positives: number }, holdout: number): number {
  return Math.round(rows.total * (1 - holdout));
}

/** The policy's name for a job's privacy mode. */
export function privacyModeOf(job: JobSpec): PolicyPrivacyMode {
  const p = job.privacy;
  return p.mode === 'client' ? `client-${p.noise}` : p.mode;
}

/**
 * ε of the whole job at its δ, as far as it is known before data is touched: ∞ without DP; the
 * job's `epsilon` when it states one (participants calibrate their noise to spend at most that);
 * otherwise the job's cost (core/privacy/job-cost.ts) from its noise multiplier — record-level
 * from this node's expected training rows, client-level from the round plan for t = `survivors`.
 * Throws when it cannot be computed (the message says what is missing). `memo` keeps results for
 * repeated checks of the same job.
 */
export function jobEpsilon(job: JobSpec, schema: DataSchema, survivors: number, rows?: { total: number; positives: number }, memo?: CostMemo): number {
  const p = job.privacy;
  if (p.mode !== 'none' && p.epsilon !== undefined) return p.epsilon;
  try {
    return jobPrivacyCost(job, {
      schema, survivors: Math.max(1, survivors), ...(rows ? { trainingRows: trainingRows(rows, job.evaluation.holdout) } : {}), ...(memo ? { memo } : {}),
    }).epsilon;
  } catch (err) {
    // The node's noisy row count is drawn later; its expected value, the training rows, decides here.
    if (err instanceof CoreInputError && err.parameter === 'trainingRows') throw new Error('its ε depends on this node\'s row count, which the policy check was not given');
    throw err;
  }
}

const fmt = (x: number) => (Number.isFinite(x) ? String(Number(x.toPrecision(4))) : '∞');
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * Every way `task`'s job breaks `policy` (empty when it complies). Pure. Each message names the
 * policy field and the job's offending value.
 */
export function policyProblems(policy: Policy, task: ParsedTask, ctx: PolicyContext): string[] {
  const { job, schema } = task.config;
  const out: string[] = [];

  if (policy.allowedModels && !policy.allowedModels.includes(modelName(job.model))) {
    out.push(`job uses model ${job.model.type === 'custom' ? `"${job.model.name}" (custom)` : `type "${job.model.type}"`}, which this node's policy (allowedModels: ${quoteList(policy.allowedModels)}) does not allow`);
  }
  if (policy.allowedFeatures) {
    const bad = schemaFeatures(schema).filter((f) => !policy.allowedFeatures!.includes(f));
    if (bad.length > 0) {
      out.push(`job uses ${bad.length === 1 ? 'feature' : 'features'} ${quoteList(bad)}, which this node's policy (allowedFeatures) does not allow`);
    }
  }
  if (policy.maxRounds !== undefined && job.rounds > policy.maxRounds) {
    out.push(`job asks for ${job.rounds} rounds, more than this node's policy (maxRounds: ${policy.maxRounds}) allows`);
  }
  const min = policy.minOtherParticipants;
  if (min !== undefined) {
    const need = `at least ${plural(min, 'other participant', 'other participants')} (minOtherParticipants: ${min})`;
    if (job.minParticipants - 1 < min) {
      out.push(`job may run with minParticipants ${job.minParticipants}, i.e. ${plural(job.minParticipants - 1, 'other participant', 'other participants')}, but this node's policy requires ${need}`);
    }
    const named = job.participants?.filter((n) => n !== ctx.self);
    if (named && named.length < min) {
      out.push(`job names only ${plural(named.length, 'other participant', 'other participants')} (participants: ${quoteList(job.participants!)}), but this node's policy requires ${need}`);
    }
  }
  if (job.aggregation === 'plain' && !policy.allowPlainAggregation) {
    out.push('job asks for plain aggregation (the coordinator would see this node\'s vectors), which this node\'s policy (allowPlainAggregation: false) does not allow');
  }
  const mode = privacyModeOf(job);
  if (policy.allowedPrivacy && !policy.allowedPrivacy.includes(mode)) {
    out.push(`job has privacy "${mode}", which this node's policy (allowedPrivacy: ${quoteList(policy.allowedPrivacy)}) does not allow`);
  }
  if (job.privacy.mode !== 'none' && policy.maxDeltaPerJob !== undefined && job.privacy.delta > policy.maxDeltaPerJob) {
    out.push(`job states δ = ${job.privacy.delta}, more than this node's policy (maxDeltaPerJob: ${policy.maxDeltaPerJob}) allows`);
  }
  if (policy.maxEpsilonPerJob !== undefined) {
    const cap = `this node's policy (maxEpsilonPerJob: ${policy.maxEpsilonPerJob}) allows`;
    if (job.privacy.mode === 'none') {
      out.push(`job has no differential privacy (privacy mode "none"), so its ε is unbounded; ${cap} at most ε = ${policy.maxEpsilonPerJob} per job`);
    } else {
      const survivors = task.secagg?.config.threshold ?? job.minParticipants;
      let eps: number | undefined;
      try {
        eps = jobEpsilon(job, schema, survivors, ctx.rows, ctx.memo);
      } catch (err) {
        out.push(`the job's ε cannot be determined before training (${(err as Error).message}), and ${cap} at most ε = ${policy.maxEpsilonPerJob} per job`);
      }
      if (eps !== undefined && eps > policy.maxEpsilonPerJob) {
        const how = job.privacy.epsilon !== undefined ? 'asks for' : `spends (noiseMultiplier ${job.privacy.noiseMultiplier}, ${job.rounds} rounds)`;
        out.push(`job ${how} ε = ${fmt(eps)} at δ = ${job.privacy.delta}, more than ${cap}`);
      }
    }
  }
  return out;
}

/** The refusal reason for `task` under `policy`, or undefined when the job complies. */
export function policyProblem(policy: Policy, task: ParsedTask, ctx: PolicyContext): string | undefined {
  const problems = policyProblems(policy, task, ctx);
  return problems.length > 0 ? problems.join('; ') : undefined;
}

/** Options of {@link policyMod}. */
export interface PolicyModOptions extends PolicyContext {
  policy: Policy;
  /** The policy file as the operator gave it; its base name prefixes every reason. */
  file: string;
}

/**
 * Refuses (code `policy`, reason `policy <file name>: …`) every task whose job breaks the policy.
 * Put it before every mod that touches data or takes part in a secure sum.
 */
export function policyMod(opts: PolicyModOptions): Mod {
  const name = path.basename(opts.file);
  const ctx: PolicyContext = { ...opts, memo: opts.memo ?? new CostMemo() };
  return (next) => async (task) => {
    const problem = policyProblem(opts.policy, task, ctx);
    return problem ? { refusal: { code: 'policy', reason: `policy ${name}: ${problem}` } } : next(task);
  };
}
