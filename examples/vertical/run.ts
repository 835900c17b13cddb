/**
 * The vertical example (`npm run example:vertical`): generates the synthetic vertical consortium
 * — a bank with the default label, an e-commerce platform and customs, each knowing different
 * columns about the same borrowers under its own ID format — runs a vertical job over the three
 * tables (the networked protocol, simulated in this process; baselines.ts), and prints the
 * held-out AUC and KS of the joint model next to a bank-only and a centralized (all columns
 * pooled) logistic regression scored on the same rows.
 *
 *   npx tsx examples/vertical/run.ts [--seed N] [--scale X] [--out DIR] [--json]
 *
 * `--out DIR` also writes the three CSV files and their column descriptions there; `--json`
 * prints the numbers as JSON instead of the table.
 */
import { resolve } from 'node:path';
import { intOption, parseOptions, runAsScript } from '../../sim/csv.ts';
import { DEFAULT_VERTICAL_SEED, writeVerticalConsortium } from '../../sim/synthetic/vertical-write.ts';
import { type BaselineReport, verticalBaselines } from './baselines.ts';
import { formatJob } from './job.ts';

export { type BaselineOptions, type BaselineReport, verticalBaselines } from './baselines.ts';

/**
 * The numbers of a report without the generated tables and row indices (what `--json` prints):
 * `federated` is the job's joint model, `labelHolderOnly` the bank-only Newton reference, and
 * `job.labelHolderOnlySgd` the job's own bank-only baseline (its SGD on the bank's columns).
 */
export function summarize(r: BaselineReport): Record<string, unknown> {
  const c = r.consortium;
  return {
    rows: { bank: c.bank.rows.length, platform: c.platform.rows.length, customs: c.customs.rows.length },
    defaultRate: c.defaultRate,
    psi: r.psi,
    split: r.split,
    bankOnly: r.bankOnly,
    centralized: r.centralized,
    federated: r.federated,
    federatedMlp: r.federatedMlp,
    labelHolderOnly: r.bankOnly,
    job: r.job,
    gain: { auc: r.centralized.auc - r.bankOnly.auc, ks: r.centralized.ks - r.bankOnly.ks },
    seconds: r.seconds,
  };
}

/** The report as the lines the example prints. */
export function formatReport(r: BaselineReport): string[] {
  const c = r.consortium;
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const psiLine = (name: string, a: BaselineReport['psi']['platform']) =>
    `  bank ∩ ${name.padEnd(8)} ${a.label} bank IDs × ${a.feature} ${name} IDs → ${a.shared} shared ` +
    `(${pct(a.shared / a.label)} of the bank's borrowers)`;
  const model = (name: string, s: BaselineReport['bankOnly']) =>
    `  ${name.padEnd(40)} ${s.auc.toFixed(4)}  ${s.ks.toFixed(4)}  ${String(s.inputs).padStart(6)}`;
  return [
    `consortium: bank ${c.bank.rows.length} borrowers (default rate ${pct(c.defaultRate)}), ` +
      `platform ${c.platform.rows.length} users, customs ${c.customs.rows.length} declarants`,
    `the job's private set intersection (salt-keyed, canonical form alnum), ${r.psi.seconds.toFixed(2)} s:`,
    psiLine('platform', r.psi.platform),
    psiLine('customs', r.psi.customs),
    `held out (the job's row plan): ${r.split.test} of the bank's borrowers (${pct(r.split.testDefaultRate)} defaults), ` +
      `trained on ${r.split.train} (${pct(r.split.trainDefaultRate)})`,
    `  ${'model (logistic regression)'.padEnd(40)} ${'AUC'.padEnd(6)}  ${'KS'.padEnd(6)}  inputs`,
    model('bank-only (bank columns)', r.bankOnly),
    model('centralized (all columns pooled)', r.centralized),
    model('vertical job (joint, simulated network)', r.federated),
    model('vertical job, split MLP (2 units/party)', r.federatedMlp),
    ...formatJob(r.job, 'bank'),
    `centralized − bank-only: AUC ${signed(r.centralized.auc - r.bankOnly.auc)}, KS ${signed(r.centralized.ks - r.bankOnly.ks)}; ` +
      `vertical − centralized: AUC ${signed(r.federated.auc - r.centralized.auc)}, KS ${signed(r.federated.ks - r.centralized.ks)}; ` +
      `total ${r.seconds.toFixed(2)} s`,
  ];
}

/** The command line: parses options, optionally writes the files, runs the baselines and prints them. */
export async function main(argv: readonly string[]): Promise<void> {
  const json = argv.includes('--json');
  const opts = parseOptions(
    argv.filter((a) => a !== '--json'),
    ['seed', 'scale', 'out'],
  );
  const seed = intOption(opts, 'seed', DEFAULT_VERTICAL_SEED);
  const scale = opts.scale === undefined ? 1 : Number(opts.scale);
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`--scale must be a positive number, got "${opts.scale}"`);
  if (opts.out) {
    for (const w of writeVerticalConsortium(resolve(opts.out), { seed, scale })) {
      process.stderr.write(`${w.name}: ${w.rows} rows -> ${w.path} (columns: ${w.columnsPath})\n`);
    }
  }
  const report = await verticalBaselines({ seed, scale });
  if (json) process.stdout.write(JSON.stringify(summarize(report), null, 2) + '\n');
  else for (const line of formatReport(report)) process.stdout.write(line + '\n');
}

function signed(x: number): string {
  return (x >= 0 ? '+' : '') + x.toFixed(4);
}

runAsScript(import.meta.url, main);
