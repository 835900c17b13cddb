/**
 * What a node has spent of its privacy budget and what it has left, read from its state dir
 * (`fedcredit budget --state-dir DIR`): the ledger's budget and total, each job's own ε and
 * number of charges, and the settings the node fixed for each record-level job.
 */
import { PrivacyLedger } from './ledger.ts';
import type { SpentSummary } from './ledger.ts';
import { RecordJobStore } from './record-jobs.ts';
import type { RecordJob } from './record-jobs.ts';

/** A node's budget report. */
export interface BudgetReport {
  ledger: string;
  budget: SpentSummary['budget'];
  /** ε spent over all jobs at the budget's δ, and what is left. */
  spent: number;
  remaining: number;
  charges: number;
  jobs: (SpentSummary['perJob'][number] & { recordLevel?: Omit<RecordJob, 'jobId'> })[];
}

/** Reads the report; throws PrivacyLedgerError naming the file when there is no readable ledger. */
export function budgetReport(stateDir: string): BudgetReport {
  const ledger = PrivacyLedger.load(stateDir);
  const s = ledger.spent();
  const fixed = RecordJobStore.open(stateDir);
  return {
    ledger: ledger.file,
    budget: s.budget,
    spent: s.epsilon,
    remaining: s.remaining,
    charges: s.charges,
    jobs: s.perJob.map((j) => {
      const r = fixed.get(j.jobId);
      if (!r) return j;
      const { jobId: _, ...recordLevel } = r;
      return { ...j, recordLevel };
    }),
  };
}
