/**
 * An institution's own privacy ledger — the authority on its privacy budget. The coordinator may track reported spend,
 * but only this file decides whether a task may run.
 *
 * Accounting is Rényi DP (Mironov, CSF 2017): every charged task stores its own RDP curve over the
 * ledger's fixed grid of orders, and the institution's total is the order-wise sum over all jobs
 * that used its data — the budget is per institution, not per job, since every job trains on the
 * same borrowers. Within a job, releases over all rows add up; releases over its training rows
 * and over its held-out rows (a row-by-row split, each row in one part) compose in parallel: the
 * job costs the pointwise larger of the two parts (ledger-format.ts `jobRdp`). ε is the improved conversion (Balle et al. 2020) of that total at
 * the budget's δ (core/privacy). Per-job ε in {@link PrivacyLedger.spent} is each job's own cost;
 * those do not add up to the total (RDP composes sub-linearly in ε).
 *
 * Protocol for a task: {@link PrivacyLedger.preview} before running it (refuse early with the
 * reason), {@link PrivacyLedger.charge} after it ran and BEFORE its result is released. charge
 * re-checks the budget, appends the entry and persists atomically (platform/atomic.ts: temp
 * file, fsync, rename), so a crash can lose an unreleased result but never release an uncharged
 * one. A task re-run after a crash is charged again (it draws fresh samples and noise).
 *
 * Concurrency: exactly one process per participant state dir owns the ledger. All methods are
 * synchronous, so one process never interleaves two charges. As a guard (not a lock), charge and
 * setBudget refuse to write when the file on disk differs from what this instance last read or
 * wrote — e.g. a second process on the same state dir.
 *
 * File: `<stateDir>/privacy/ledger.json`, {@link LedgerFileSchema} (format version 1). Created on
 * first open; never overwritten when it cannot be read or validated.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { RdpCurve } from '../../core/privacy/index.ts';
import { DEFAULT_RDP_ORDERS, composeRdp, epsilonFromRdp, parallelRdp } from '../../core/privacy/index.ts';
import { CoreInputError } from '../../core/types.ts';
import { ledgerPath, parseLedger, readLedger, receiptsPath, serializeLedger, writeLedger } from './ledger-file.ts';
import type {
  Budget, BudgetEntry, ChargeEntry, ChargeRequest, LedgerEntry, LedgerFile, MechanismSpend, SpendPreview, SpentSummary,
} from '../../core/privacy/ledger-format.ts';
import {
  BudgetSchema, ChargeRequestSchema, LEDGER_FORMAT, LEDGER_VERSION, MechanismSpendSchema, PrivacyBudgetExceededError,
  PrivacyLedgerError, budgetReason, formatDelta, formatEpsilon, jobRdp, mechanismRdp, parseInput,
} from '../../core/privacy/ledger-format.ts';
import type { Partition } from '../../core/privacy/ledger-format.ts';

export * from '../../core/privacy/ledger-format.ts';
export { ledgerPath, privacyDir, receiptsPath } from './ledger-file.ts';

/** Options of {@link PrivacyLedger.open}. */
export interface LedgerOptions {
  /** Clock for entry timestamps (ms since the epoch). Default Date.now; tests pass a fixed clock. */
  now?: () => number;
  /** Rényi orders of a NEW ledger (default DEFAULT_RDP_ORDERS). An existing ledger keeps its own. */
  orders?: readonly number[];
}

/** The institution's privacy ledger (see the module header). */
export class PrivacyLedger {
  private total: RdpCurve;

  private constructor(
    /** Path of ledger.json. */
    readonly file: string,
    private state: LedgerFile,
    private onDisk: string,
    private readonly now: () => number,
  ) {
    this.total = totalOf(this.charges(), state.orders);
  }

  /**
   * Opens `<stateDir>/privacy/ledger.json`, or creates it with `budget`. Throws
   * {@link PrivacyLedgerError} naming the file and field when the file cannot be read or is
   * invalid (the file is left untouched), or when its budget differs from `budget` — change a
   * budget explicitly with {@link setBudget} on a ledger opened by {@link load}.
   */
  static open(stateDir: string, budget: Budget, options: LedgerOptions = {}): PrivacyLedger {
    const want = parseInput(BudgetSchema, budget, 'budget');
    const file = ledgerPath(stateDir);
    const now = options.now ?? Date.now;
    const text = readLedger(file);
    if (text === undefined) return PrivacyLedger.create(stateDir, file, want, options.orders ?? DEFAULT_RDP_ORDERS, now);
    const state = parseLedger(file, text);
    for (const k of ['epsilon', 'delta'] as const) {
      if (state.budget[k] !== want[k]) {
        throw new PrivacyLedgerError(
          `${file}: budget.${k} is ${state.budget[k]} in the ledger but ${want[k]} is configured; a budget change ` +
            'must be explicit (PrivacyLedger.load(stateDir).setBudget(…)), so the ledger was not opened',
          { file, field: `budget.${k}` },
        );
      }
    }
    return new PrivacyLedger(file, state, text, now);
  }

  /** Opens an existing ledger with its stored budget (to inspect it or change the budget). */
  static load(stateDir: string, options: Pick<LedgerOptions, 'now'> = {}): PrivacyLedger {
    const file = ledgerPath(stateDir);
    const text = readLedger(file);
    if (text === undefined) throw new PrivacyLedgerError(`${file} does not exist`, { file });
    return new PrivacyLedger(file, parseLedger(file, text), text, options.now ?? Date.now);
  }

  private static create(stateDir: string, file: string, budget: Budget, orders: readonly number[], now: () => number): PrivacyLedger {
    const receipts = receiptsPath(stateDir);
    if (existsSync(receipts) && statSync(receipts).size > 0) {
      throw new PrivacyLedgerError(
        `${file} is missing but ${receipts} holds signed privacy receipts: the ledger was lost or moved; ` +
          'restore it instead of starting again from zero spent',
        { file },
      );
    }
    try {
      composeRdp([], orders);
    } catch (e) {
      throw new PrivacyLedgerError(`invalid orders: ${(e as Error).message}`, { field: 'orders' }, { cause: e });
    }
    const first: BudgetEntry = { kind: 'budget', index: 0, at: stamp(now), from: null, to: budget, epsilonSpent: 0 };
    const state: LedgerFile = { format: LEDGER_FORMAT, version: LEDGER_VERSION, orders: [...orders], budget, entries: [first] };
    const text = serializeLedger(state);
    writeLedger(file, text);
    return new PrivacyLedger(file, state, text, now);
  }

  /** The budget in force. */
  get budget(): Budget {
    return { ...this.state.budget };
  }

  /** The ledger's Rényi orders (every stored curve is over them). */
  get orders(): readonly number[] {
    return [...this.state.orders];
  }

  /** A copy of all entries, oldest first; `entries()[i].index === i`. */
  entries(): LedgerEntry[] {
    return structuredClone(this.state.entries);
  }

  /**
   * The spend of a task before it runs: its curve, the composed total, ε after, and whether it
   * fits. `within` places it in a job (and a part of that job's rows); without it the task counts
   * as a job of its own.
   */
  preview(spend: MechanismSpend, within?: { jobId: string; partition?: Partition }): SpendPreview {
    const s = parseInput(MechanismSpendSchema, { mechanism: spend.mechanism, params: spend.params }, 'task');
    let rdp: RdpCurve;
    try {
      rdp = mechanismRdp(s, this.state.orders);
    } catch (e) {
      if (!(e instanceof CoreInputError)) throw e;
      throw new PrivacyLedgerError(`invalid task: ${e.message}`, { field: `task.params.${e.parameter}` }, { cause: e });
    }
    const { orders } = this.state;
    const total = within
      ? totalOf([...this.charges(), { jobId: within.jobId, ...(within.partition ? { partition: within.partition } : {}), rdp: rdp.rdp }], orders)
      : composeRdp([this.total, rdp], orders);
    return this.verdict(rdp, total);
  }

  /**
   * Whether a whole job fits before any of it runs: `planned` is the job's cost per part of its
   * rows (all rows, training rows, held-out rows); each part counts as the larger of what is
   * planned and what this job has been charged already (a rerun charges again), and the job is
   * composed with every other job's charges.
   */
  previewJob(jobId: string, planned: { all?: RdpCurve; train?: RdpCurve; holdout?: RdpCurve }): SpendPreview {
    const { orders } = this.state;
    const mine = this.charges().filter((c) => c.jobId === jobId);
    const others = this.charges().filter((c) => c.jobId !== jobId);
    const part = (p: Partition | undefined, plan?: RdpCurve) => {
      const had = composeRdp(mine.filter((c) => c.partition === p).map((c) => ({ orders: [...orders], rdp: [...c.rdp] })), orders);
      if (!plan) return had;
      const want = checkCurve(plan, orders);
      // composeRdp and checkCurve both give one value per ledger order.
      return { orders: [...orders], rdp: had.rdp.map((h, i) => Math.max(h, want[i]!)) };
    };
    const job = composeRdp([part(undefined, planned.all), parallelRdp(part('train', planned.train), part('holdout', planned.holdout))], orders);
    return this.verdict(job, composeRdp([totalOf(others, orders), job], orders));
  }

  private verdict(rdp: RdpCurve, total: RdpCurve): SpendPreview {
    const { epsilon: budgetEpsilon, delta } = this.state.budget;
    const after = epsilonFromRdp(total, delta);
    const epsilonBefore = epsilonFromRdp(this.total, delta).epsilon;
    const fits = after.epsilon <= budgetEpsilon;
    return {
      rdp, total, epsilonTask: epsilonFromRdp(rdp, delta).epsilon, epsilonBefore, epsilonAfter: after.epsilon,
      order: after.order, delta, budgetEpsilon, fits,
      ...(fits ? {} : { reason: budgetReason(epsilonBefore, after.epsilon, delta, budgetEpsilon) }),
    };
  }

  /**
   * Charges a task that ran: re-checks the budget, appends the entry and persists the ledger
   * atomically. Call it BEFORE releasing the task's result. Throws
   * {@link PrivacyBudgetExceededError} (nothing appended) when over budget, and
   * {@link PrivacyLedgerError} when the input is invalid or the file cannot be written.
   */
  charge(task: ChargeRequest): ChargeEntry {
    const t = parseInput(ChargeRequestSchema, task, 'task');
    const p = this.preview(t, { jobId: t.jobId, ...(t.partition ? { partition: t.partition } : {}) });
    if (!p.fits) throw new PrivacyBudgetExceededError(t, p.epsilonBefore, p.epsilonAfter, p.delta, p.budgetEpsilon);
    const entry: ChargeEntry = {
      kind: 'charge', index: this.state.entries.length, at: stamp(this.now), ...t,
      rdp: [...p.rdp.rdp], epsilonTask: p.epsilonTask, epsilonAfter: p.epsilonAfter,
    };
    this.persist({ ...this.state, entries: [...this.state.entries, entry] });
    this.total = p.total;
    return entry;
  }

  /**
   * Changes the budget, recorded as a `budget` entry. Refuses (PrivacyLedgerError, field
   * `budget.epsilon`) a budget below the ε already spent at the new δ. Returns null when unchanged.
   */
  setBudget(budget: Budget, note?: string): BudgetEntry | null {
    const b = parseInput(BudgetSchema, budget, 'budget');
    const old = this.state.budget;
    if (b.epsilon === old.epsilon && b.delta === old.delta) return null;
    const spent = epsilonFromRdp(this.total, b.delta).epsilon;
    if (spent > b.epsilon) {
      throw new PrivacyLedgerError(
        `${this.file}: cannot set the budget to ε = ${formatEpsilon(b.epsilon)} at δ = ${formatDelta(b.delta)}: ` +
          `ε = ${formatEpsilon(spent)} is already spent at that δ`,
        { file: this.file, field: 'budget.epsilon' },
      );
    }
    const entry: BudgetEntry = {
      kind: 'budget', index: this.state.entries.length, at: stamp(this.now), from: { ...old }, to: b, epsilonSpent: spent,
      ...(note !== undefined ? { note } : {}),
    };
    this.persist({ ...this.state, budget: b, entries: [...this.state.entries, entry] });
    return entry;
  }

  /** ε spent so far over all jobs at the budget δ, and each job's own ε. */
  spent(): SpentSummary {
    const { orders, budget } = this.state;
    const all = epsilonFromRdp(this.total, budget.delta);
    const byJob = new Map<string, ChargeEntry[]>();
    for (const e of this.charges()) byJob.set(e.jobId, [...(byJob.get(e.jobId) ?? []), e]);
    const perJob = [...byJob].map(([jobId, es]) => ({ jobId, charges: es.length, epsilon: epsilonFromRdp(jobRdp(es, orders), budget.delta).epsilon }));
    return {
      epsilon: all.epsilon, order: all.order, delta: budget.delta, budget: { ...budget },
      remaining: Math.max(0, budget.epsilon - all.epsilon), charges: this.charges().length, perJob,
    };
  }

  private charges(): ChargeEntry[] {
    return this.state.entries.filter((e): e is ChargeEntry => e.kind === 'charge');
  }

  private persist(next: LedgerFile): void {
    let current: string;
    try {
      current = readFileSync(this.file, 'utf8');
    } catch (e) {
      throw new PrivacyLedgerError(`cannot re-read ${this.file} before writing it: ${(e as Error).message}`, { file: this.file }, { cause: e });
    }
    if (current !== this.onDisk) {
      throw new PrivacyLedgerError(
        `${this.file} changed on disk since this process read it (another process on the same state dir?); not overwriting it`,
        { file: this.file },
      );
    }
    const text = serializeLedger(next);
    writeLedger(this.file, text);
    this.state = next;
    this.onDisk = text;
  }
}

/** The institution's total: the sum over jobs of each job's {@link jobRdp}. */
function totalOf(charges: readonly { jobId: string; partition?: Partition; rdp: readonly number[] }[], orders: readonly number[]): RdpCurve {
  const byJob = new Map<string, (typeof charges)[number][]>();
  for (const c of charges) byJob.set(c.jobId, [...(byJob.get(c.jobId) ?? []), c]);
  return composeRdp([...byJob.values()].map((cs) => jobRdp(cs, orders)), orders);
}

function checkCurve(c: RdpCurve, orders: readonly number[]): number[] {
  if (c.orders.length !== orders.length || c.orders.some((o, i) => o !== orders[i])) {
    throw new PrivacyLedgerError('a planned curve must be over the ledger\'s orders', { field: 'planned' });
  }
  if (c.rdp.length !== orders.length) {
    throw new PrivacyLedgerError(`a planned curve has ${c.rdp.length} values for the ledger's ${orders.length} orders`, { field: 'planned' });
  }
  return [...c.rdp];
}

function stamp(now: () => number): number {
  const t = now();
  if (!Number.isFinite(t)) throw new PrivacyLedgerError(`the clock returned ${t}`, { field: 'now' });
  return t;
}
