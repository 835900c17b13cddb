/**
 * Data of a participant's privacy ledger (./ledger.ts): the zod schemas of `ledger.json` (format
 * version 1), of the tasks it charges and of their mechanisms, the RDP curve of each mechanism,
 * and the ledger's typed errors.
 *
 * A mechanism is a tagged spend `{ mechanism, params }`:
 *  - `'dp-sgd'` (record level): DP-SGD local training, i.e. `steps` runs of the
 *    Poisson-subsampled Gaussian mechanism at rate `sampleRate` with noise multiplier
 *    `noiseMultiplier` (Abadi et al. 2016; accounted by Mironov, Talwar & Zhang 2019);
 *  - `'distributed-discrete-gaussian'` (client level): one round of DP-FedAvg whose noise the
 *    participants add inside the secure sum (Kairouz, Liu & Steinke 2021; ./distributed-dgauss.ts);
 *  - `'central-gaussian'` (client level): one round of DP-FedAvg whose Gaussian noise the
 *    coordinator adds — valid only if the coordinator is trusted, which the spend states.
 * Entries, previews and receipts take the union as it is.
 */
import { z } from 'zod';
import type { RdpCurve } from './curve.ts';
import { sampledGaussianRdp } from './curve.ts';
import { distributedDGaussRdp } from './distributed-dgauss.ts';
import { composeRdp, parallelRdp } from './curve.ts';

/**
 * The RDP of one job from its charges: the releases over all rows, plus the pointwise larger of
 * the compositions over its training rows and over its held-out rows (parallel composition: a row
 * is in one part only). Jobs compose by adding their curves.
 */
export function jobRdp(charges: readonly { partition?: Partition; rdp: readonly number[] }[], orders: readonly number[]): RdpCurve {
  const part = (p: Partition | undefined) => composeRdp(charges.filter((c) => c.partition === p).map((c) => ({ orders: [...orders], rdp: [...c.rdp] })), orders);
  return composeRdp([part(undefined), parallelRdp(part('train'), part('holdout'))], orders);
}

/** Value of the `format` field of ledger.json. */
export const LEDGER_FORMAT = 'fedcredit-privacy-ledger';
/** The ledger.json version this code reads and writes. */
export const LEDGER_VERSION = 1;

const nonNegative = z.number().nonnegative();

/** A privacy budget: the (ε, δ) an institution allows over all use of its data. */
export const BudgetSchema = z.strictObject({
  /** ε > 0, finite. */
  epsilon: z.number().positive(),
  /** δ ∈ (0, 1). */
  delta: z.number().gt(0).lt(1),
});
export type Budget = z.infer<typeof BudgetSchema>;

/** Parameters of one DP-SGD task (what the accountant needs, plus the clip norm for the record). */
export const DpSgdParamsSchema = z.strictObject({
  /** Poisson sampling rate q ∈ [0, 1]. */
  sampleRate: z.number().min(0).max(1),
  /** Noise multiplier z ≥ 0 (noise std z·C on the summed clipped gradient; 0 = no privacy). */
  noiseMultiplier: nonNegative,
  /** Number of DP-SGD steps of the task (local epochs × round(1/q)). */
  steps: z.int().nonnegative(),
  /** Per-example clip norm C > 0 (does not enter the accountant; recorded for audit). */
  clipNorm: z.number().positive(),
});
export type DpSgdParams = z.infer<typeof DpSgdParamsSchema>;

/** DP-SGD (Poisson-subsampled Gaussian) spend. */
export const DpSgdSpendSchema = z.strictObject({ mechanism: z.literal('dp-sgd'), params: DpSgdParamsSchema });

/** One round of client-level DP with distributed discrete Gaussian noise (integer units). */
export const DistributedDGaussParamsSchema = z.strictObject({
  /** Each participant's noise variance σ² per coordinate (≥ ¼). */
  sigma2PerClient: z.number().min(0.25),
  /** t: minimum number of participants whose noise is in the sum. */
  survivors: z.int().min(1),
  /** Δ₂, Δ₁ of one participant's integer vector. */
  l2Sensitivity: nonNegative,
  l1Sensitivity: nonNegative,
  /** Coordinates of the vector. */
  dimension: z.int().min(1),
});
export const DistributedDGaussSpendSchema = z.strictObject({ mechanism: z.literal('distributed-discrete-gaussian'), params: DistributedDGaussParamsSchema });

/** One round of client-level DP with Gaussian noise added by a coordinator the participant trusts. */
export const CentralGaussianSpendSchema = z.strictObject({
  mechanism: z.literal('central-gaussian'),
  params: z.strictObject({
    /** Noise standard deviation over L2 sensitivity. */
    noiseMultiplier: z.number().positive(),
    /** Always true: the guarantee holds only if the coordinator adds the noise. */
    trustedCoordinator: z.literal(true),
  }),
});

/**
 * Every mechanism's spend schema extended with `fields`, as a union on `mechanism`: the one place
 * that lists the mechanisms (spends, charge requests, ledger entries and receipts all use it).
 */
export function mechanismUnion<F extends z.ZodRawShape>(fields: F) {
  return z.discriminatedUnion('mechanism', [
    DpSgdSpendSchema.extend(fields),
    DistributedDGaussSpendSchema.extend(fields),
    CentralGaussianSpendSchema.extend(fields),
  ]);
}

/** Every mechanism the ledger can account: a union on `mechanism`. */
export const MechanismSpendSchema = mechanismUnion({});
export type MechanismSpend = z.infer<typeof MechanismSpendSchema>;
/** The mechanism names known to this version. */
export type MechanismName = MechanismSpend['mechanism'];

/** Fields identifying the task a spend belongs to. */
export const taskShape = {
  jobId: z.string().min(1),
  round: z.int().nonnegative(),
  /** The task kind within the round, e.g. 'train'. */
  stage: z.string().min(1),
  /**
   * The rows the release used when a job splits them row by row: its training rows or its
   * held-out rows (each row in exactly one, so a job costs the larger of the two sides, not their
   * sum). Absent: any of the institution's rows.
   */
  partition: z.enum(['train', 'holdout']).optional(),
};

/** The rows a release used (see taskShape.partition). */
export type Partition = 'train' | 'holdout';

/** What the caller asks the ledger to charge: a task and its mechanism. */
export const ChargeRequestSchema = mechanismUnion(taskShape);
export type ChargeRequest = z.infer<typeof ChargeRequestSchema>;

const entryShape = { index: z.int().nonnegative(), at: z.number() };

/** A charged task: its own RDP (over the ledger's orders), its ε alone and the total ε after it. */
const chargeFields = {
  kind: z.literal('charge'),
  ...entryShape,
  ...taskShape,
  rdp: z.array(nonNegative),
  epsilonTask: nonNegative,
  epsilonAfter: nonNegative,
};
export const ChargeEntrySchema = mechanismUnion(chargeFields);
export type ChargeEntry = z.infer<typeof ChargeEntrySchema>;

/** A budget setting: the first entry of every ledger (`from: null`), then every explicit change. */
export const BudgetEntrySchema = z.strictObject({
  kind: z.literal('budget'),
  ...entryShape,
  from: BudgetSchema.nullable(),
  to: BudgetSchema,
  /** ε already spent, at the new δ, when the change was made. */
  epsilonSpent: nonNegative,
  note: z.string().optional(),
});
export type BudgetEntry = z.infer<typeof BudgetEntrySchema>;

export const LedgerEntrySchema = z.discriminatedUnion('kind', [ChargeEntrySchema, BudgetEntrySchema]);
export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

/** The whole ledger.json. `orders` is fixed at creation; every stored curve is over it. */
export const LedgerFileSchema = z.strictObject({
  format: z.literal(LEDGER_FORMAT),
  version: z.literal(LEDGER_VERSION),
  orders: z.array(z.number().gt(1)).min(1),
  budget: BudgetSchema,
  entries: z.array(LedgerEntrySchema),
});
export type LedgerFile = z.infer<typeof LedgerFileSchema>;

/** RDP curve of one spend over `orders` (throws core's CoreInputError on parameters it rejects). */
export function mechanismRdp(spend: MechanismSpend, orders: readonly number[]): RdpCurve {
  switch (spend.mechanism) {
    case 'dp-sgd': {
      const { sampleRate, noiseMultiplier, steps } = spend.params;
      return sampledGaussianRdp({ q: sampleRate, noiseMultiplier, steps }, orders);
    }
    case 'distributed-discrete-gaussian':
      return distributedDGaussRdp(spend.params, orders);
    case 'central-gaussian':
      return sampledGaussianRdp({ q: 1, noiseMultiplier: spend.params.noiseMultiplier, steps: 1 }, orders);
    default: {
      const never: never = spend;
      throw new Error(`unknown mechanism ${String((never as { mechanism: string }).mechanism)}`);
    }
  }
}

/** The spend of a task, computed before it runs. */
export interface SpendPreview {
  /** RDP curve of this task alone, over the ledger's orders. */
  rdp: RdpCurve;
  /** The ledger's total composed with this task. */
  total: RdpCurve;
  /** ε of this task alone at the budget δ. */
  epsilonTask: number;
  /** ε spent so far, and ε after this task, at the budget δ. */
  epsilonBefore: number;
  epsilonAfter: number;
  /** Rényi order attaining `epsilonAfter`. */
  order: number;
  delta: number;
  budgetEpsilon: number;
  /** Whether epsilonAfter ≤ budgetEpsilon; otherwise `reason` says why not. */
  fits: boolean;
  reason?: string;
}

/** One job's own spend on this institution's data. */
export interface JobSpend {
  jobId: string;
  charges: number;
  /** ε of this job's tasks alone, at the budget δ. */
  epsilon: number;
}

/** What the institution has spent: total ε at δ over all jobs, and per job. */
export interface SpentSummary {
  epsilon: number;
  order: number;
  delta: number;
  budget: Budget;
  remaining: number;
  charges: number;
  perJob: JobSpend[];
}

/**
 * A ledger that cannot be used: unreadable or corrupted file, budget mismatch, invalid input,
 * a budget change below what is spent. `file` and `field` name what is wrong where they apply.
 */
export class PrivacyLedgerError extends Error {
  readonly file?: string;
  readonly field?: string;
  constructor(message: string, where: { file?: string; field?: string } = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PrivacyLedgerError';
    this.file = where.file;
    this.field = where.field;
  }
}

/** A task refused because it would take the institution's ε beyond its budget. */
export class PrivacyBudgetExceededError extends Error {
  /** Human reason, e.g. "this task would raise ε from 1.92 to 3.41 at δ = 1e-5, beyond the budget ε = 3". */
  readonly reason: string;
  constructor(
    readonly task: ChargeRequest,
    readonly epsilonBefore: number,
    readonly epsilonAfter: number,
    readonly delta: number,
    readonly budgetEpsilon: number,
  ) {
    const reason = budgetReason(epsilonBefore, epsilonAfter, delta, budgetEpsilon);
    super(`privacy budget exceeded for job ${task.jobId} round ${task.round} (${task.stage}): ${reason}`);
    this.name = 'PrivacyBudgetExceededError';
    this.reason = reason;
  }
}

/** The refusal reason in words. */
export function budgetReason(before: number, after: number, delta: number, budget: number): string {
  return `this task would raise ε from ${formatEpsilon(before)} to ${formatEpsilon(after)} at δ = ${formatDelta(delta)}, beyond the budget ε = ${formatEpsilon(budget)}`;
}

/** ε with 3 significant digits ("1.92", "0.0035", "∞"). */
export function formatEpsilon(e: number): string {
  return Number.isFinite(e) ? String(Number(e.toPrecision(3))) : '∞';
}

/** δ compactly ("1e-5", "0.01"). */
export function formatDelta(d: number): string {
  return d < 1e-3 ? d.toExponential() : String(d);
}

/** "path.to.field: message; …" for the first few issues of a zod error. */
export function describeZodError(e: z.ZodError): { field: string; text: string } {
  const path = (p: PropertyKey[]) => (p.length > 0 ? p.map(String).join('.') : '(root)');
  const text = e.issues.slice(0, 3).map((i) => `${path(i.path)}: ${i.message}`).join('; ');
  return { field: path(e.issues[0]?.path ?? []), text };
}

/** Validates caller input; PrivacyLedgerError naming `what` and the field otherwise. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const d = describeZodError(r.error);
  throw new PrivacyLedgerError(`invalid ${what}: ${d.text}`, { field: d.field === '(root)' ? what : `${what}.${d.field}` });
}
