/**
 * The credit_data vertical example (`npm run example:vertical-credit`): the real credit_data set
 * split by columns into a bank (the label and its loan and bureau columns) and a household-finance
 * platform (the rest; credit-columns.ts), the platform aligned to the bank by private set
 * intersection, and the held-out AUC and KS of three logistic regressions on the same rows:
 * bank-only, pooled (all columns in one place) and joint (a vertical job, the networked protocol
 * simulated in this process; credit-report.ts).
 *
 *   npx tsx examples/vertical/credit.ts [--seed N] [--holdout F] [--missing F] [--json]
 *
 * `--holdout F` is the share of the bank's customers held out (default 0.3), `--missing F` the
 * share of them the platform does not know (default 0.1); the seed (default 1) draws both (the
 * held-out rows are the job's row plan). `--json` prints the numbers as JSON (`federated.auc`,
 * `labelHolderOnly.auc`, `centralized.auc`, the `psi` counts, seconds, and under `job` the job's
 * settings, its own bank-only SGD baseline, time and bytes) instead of the table.
 */
import { intOption, parseOptions, runAsScript } from '../../sim/csv.ts';
import { type CreditVerticalReport, creditVerticalReport, type Scores } from './credit-report.ts';
import { formatJob } from './job.ts';

export {
  CREDIT_JOB_TRAIN,
  type CreditJobTrain,
  type CreditVerticalOptions,
  type CreditVerticalReport,
  creditVerticalReport,
} from './credit-report.ts';

/** Default seed of the example. */
export const DEFAULT_CREDIT_VERTICAL_SEED = 1;

/** The numbers of a report as `--json` prints them (gains added). */
export function summarizeCredit(r: CreditVerticalReport): Record<string, unknown> {
  return {
    ...r,
    bankOnly: r.labelHolderOnly,
    pooled: r.centralized,
    joint: r.federated,
    gain: {
      pooledOverBank: { auc: r.centralized.auc - r.labelHolderOnly.auc, ks: r.centralized.ks - r.labelHolderOnly.ks },
      jointOverPooled: { auc: r.federated.auc - r.centralized.auc, ks: r.federated.ks - r.centralized.ks },
    },
  };
}

/** The report as the lines the example prints. */
export function formatCreditReport(r: CreditVerticalReport): string[] {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const model = (name: string, s: Scores) => `  ${name.padEnd(46)} ${s.auc.toFixed(4)}  ${s.ks.toFixed(4)}  ${String(s.inputs).padStart(6)}  ${s.seconds.toFixed(2)} s`;
  return [
    `credit_data by columns: bank ${r.rows.bank} customers (label + ${r.inputs.bank.length} inputs, default rate ${pct(r.rows.defaultRate)}), ` +
      `platform ${r.rows.platform} customers (${r.inputs.platform.length} inputs)`,
    `the job's private set intersection (salt-keyed, canonical form alnum), ${r.psi.seconds.toFixed(2)} s: ` +
      `${r.psi.label} bank IDs × ${r.psi.feature} platform IDs → ${r.psi.shared} shared (${pct(r.psi.shared / r.psi.label)} of the bank's customers)`,
    `held out (the job's row plan): ${r.split.test} customers (${pct(r.split.testDefaultRate)} defaults), trained on ${r.split.train} (${pct(r.split.trainDefaultRate)})`,
    `  ${'model (logistic regression)'.padEnd(46)} ${'AUC'.padEnd(6)}  ${'KS'.padEnd(6)}  inputs  training`,
    model('bank-only (bank columns, Newton)', r.labelHolderOnly),
    model('pooled (all columns in one place, Newton)', r.centralized),
    model('joint (vertical job, simulated network)', r.federated),
    ...formatJob(r.job, 'bank'),
    `pooled − bank-only: AUC ${signed(r.centralized.auc - r.labelHolderOnly.auc)}, KS ${signed(r.centralized.ks - r.labelHolderOnly.ks)}; ` +
      `joint − pooled: AUC ${signed(r.federated.auc - r.centralized.auc)}, KS ${signed(r.federated.ks - r.centralized.ks)}; total ${r.seconds.toFixed(2)} s`,
  ];
}

/** The command line: parses options, measures and prints. */
export async function main(argv: readonly string[]): Promise<void> {
  const json = argv.includes('--json');
  const opts = parseOptions(
    argv.filter((a) => a !== '--json'),
    ['seed', 'holdout', 'missing'],
  );
  const report = await creditVerticalReport({
    seed: intOption(opts, 'seed', DEFAULT_CREDIT_VERTICAL_SEED),
    holdout: shareOption(opts, 'holdout'),
    platformMissing: shareOption(opts, 'missing'),
  });
  if (json) process.stdout.write(JSON.stringify(summarizeCredit(report), null, 2) + '\n');
  else for (const line of formatCreditReport(report)) process.stdout.write(line + '\n');
}

/** A share option in [0, 1), or undefined (the report's default) when absent. */
function shareOption(opts: Record<string, string>, name: string): number | undefined {
  const raw = opts[name];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!(v >= 0 && v < 1)) throw new RangeError(`--${name} must be a number in [0, 1), got "${raw}"`);
  return v;
}

function signed(x: number): string {
  return (x >= 0 ? '+' : '') + x.toFixed(4);
}

runAsScript(import.meta.url, main);
