/**
 * A participant's privacy policy at run time: its ledger (the authority on its budget) and its
 * receipt signer. Before a train task it checks that the job's DP matches the node's policy and
 * that the task fits the budget; after training it charges the ledger (persisted atomically)
 * and signs a receipt, before the update leaves the node.
 */
import type { HandlerResult, ParsedTask } from '../handler.ts';
import type { MechanismSpend, Partition } from './ledger.ts';
import { PrivacyLedger } from './ledger.ts';
import { ReceiptSigner, receiptBody } from './receipts.ts';
import { RecordJobStore } from './record-jobs.ts';
import type { SigningKey } from './receipt-key.ts';

/** Where a charge belongs: the task's own kind unless `stage` says otherwise, and the rows it used. */
export interface ChargeWhere {
  stage?: string;
  partition?: Partition;
}

/** The node's privacy state: its ledger and signer, and how it charges a task. */
export interface NodePrivacy {
  ledger: PrivacyLedger;
  signer: ReceiptSigner;
  /** Per-job record-level DP settings this node fixed for itself (noisy row count, DP-SGD). */
  jobs: RecordJobStore;
  /** Charges a DP release of `task` (before it leaves the node) and returns its signed receipt as JSON. */
  charge(task: ParsedTask, spend: MechanismSpend, where?: ChargeWhere): string;
}

/**
 * Opens (or creates) the node's ledger, receipt signer and per-job DP settings under `stateDir`.
 * With `identity` (the institution's identity key, which the roster lists), receipts are signed
 * with it; without one, with a separate key kept in the state dir (see ./receipt-key.ts).
 */
export function openNodePrivacy(name: string, stateDir: string, budget: { epsilon: number; delta: number }, identity?: SigningKey): NodePrivacy {
  const ledger = PrivacyLedger.open(stateDir, budget);
  const signer = ReceiptSigner.open(stateDir, identity ? { identity } : {});
  const jobs = RecordJobStore.open(stateDir);
  return {
    ledger,
    signer,
    jobs,
    charge(task, spend, where = {}) {
      const entry = ledger.charge({ ...spend, jobId: task.jobId, round: task.round, stage: where.stage ?? task.kind, ...(where.partition ? { partition: where.partition } : {}) });
      const epsilonJob = ledger.spent().perJob.find((j) => j.jobId === task.jobId)?.epsilon ?? entry.epsilonTask;
      return JSON.stringify(signer.signReceipt(receiptBody(name, entry, ledger.budget, epsilonJob)));
    },
  };
}

/**
 * Why this node will not train for `task`, as a refusal, or undefined: a DP job on a node
 * without a budget, a job without DP on a node whose data may only be used with DP, or a task
 * whose `spend` would exceed the budget (checked against the ledger before any training;
 * undefined spend = nothing is spent, e.g. no training rows).
 */
export function privacyRefusal(task: ParsedTask, spend: MechanismSpend | undefined, privacy: NodePrivacy | undefined): HandlerResult | undefined {
  const { job } = task.config;
  if (job.privacy.mode !== 'none' && !privacy) {
    return refusal('privacy_not_configured', `the job asks for ${job.privacy.mode}-level differential privacy, but this node has no privacy budget; start it with --privacy-budget-epsilon and --state-dir`);
  }
  if (!privacy) return undefined;
  if (job.privacy.mode === 'none') {
    return refusal(
      'privacy_required',
      `this node's data may only be used with differential privacy (budget ε = ${privacy.ledger.budget.epsilon} at δ = ${privacy.ledger.budget.delta}), but job ${task.jobId} has privacy mode "${job.privacy.mode}"`,
    );
  }
  if (!spend) return undefined;
  const preview = privacy.ledger.preview(spend);
  return preview.fits ? undefined : refusal('privacy_budget', `privacy budget: ${preview.reason}`);
}

function refusal(code: string, reason: string): HandlerResult {
  return { refusal: { code, reason } };
}
