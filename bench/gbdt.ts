/**
 * Time of a federated gradient-boosted tree model over real processes: the credit example
 * (credit_data split across three lenders) with examples/credit/job-gbdt.json — 100 trees of
 * depth 4 — run by `fedcredit simulate`: a coordinator and three participant OS processes on
 * 127.0.0.1, mutual TLS, signed messages, authenticated secure aggregation of every sketch and
 * tree-level histogram. Target: the job (submission to end) within 60 s on this machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadJobFile } from '../cli/job-file.ts';
import { simulate } from '../cli/simulate.ts';
import { writeCreditSplit } from '../examples/credit/split.ts';

/** The target of the gbdt bench. */
export const GBDT_TARGET_SECONDS = 60;

/** What the gbdt bench measured. */
export interface GbdtBench {
  trees: number;
  maxDepth: number;
  members: number;
  /** Submission to end of the job on the coordinator (s). */
  jobSeconds: number;
  /** Median seconds of a round without evaluation (one tree). */
  treeMedianSeconds: number;
  /** Held-out AUC on the pooled rows (exact) and the centralized reference's. */
  auc: number;
  centralizedAuc: number;
}

const JOB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'credit', 'job-gbdt.json');

/** Runs the bench (about a minute and a half). */
export async function runGbdtBench(log: (line: string) => void): Promise<GbdtBench> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fc-bench-gbdt-'));
  try {
    const parties = writeCreditSplit(path.join(dir, 'data')).map((p) => ({ name: p.name, file: p.path }));
    const loaded = loadJobFile(JOB);
    if (loaded.job.model.type !== 'gbdt') throw new Error(`${JOB} is not a gbdt job`);
    log(`gbdt: ${loaded.job.rounds} trees of depth ${loaded.job.model.maxDepth} over ${parties.length} participant processes ...`);
    const report = await simulate({ loaded, parties, stateDir: path.join(dir, 'state'), json: true, print: () => {} });
    if (report.state !== 'SUCCEEDED') throw new Error(`the gbdt job ${report.state}: ${report.error}`);
    const trees = report.rounds.filter((r) => r.round > 0 && !Number.isFinite(r.auc)).map((r) => r.seconds).sort((a, b) => a - b);
    const result: GbdtBench = {
      trees: loaded.job.rounds, maxDepth: loaded.job.model.maxDepth, members: parties.length,
      jobSeconds: report.jobSeconds ?? Number.NaN, treeMedianSeconds: trees[Math.floor(trees.length / 2)] ?? Number.NaN,
      auc: report.federated.exactAuc, centralizedAuc: report.centralized.auc,
    };
    log(`  job ${result.jobSeconds.toFixed(1)} s, median tree ${result.treeMedianSeconds.toFixed(3)} s, AUC ${result.auc.toFixed(4)} (centralized ${result.centralizedAuc.toFixed(4)})`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The bench table's rows. */
export function gbdtRows(g: GbdtBench): [string, string, string][] {
  return [
    ['**gbdt job, real processes (s)**', `**${g.jobSeconds.toFixed(1)}**  (${g.trees} trees of depth ≤ ${g.maxDepth}, ${g.members} members, credit example; authenticated secure aggregation of every level)`, `≤ ${GBDT_TARGET_SECONDS}: ${g.jobSeconds <= GBDT_TARGET_SECONDS ? 'yes' : '**no**'}`],
    ['gbdt time per tree, median (s)', `${g.treeMedianSeconds.toFixed(3)}`, ''],
    ['gbdt held-out AUC', `${g.auc.toFixed(4)} federated, ${g.centralizedAuc.toFixed(4)} centralized (same code, rows pooled)`, ''],
  ];
}
