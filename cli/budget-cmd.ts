/**
 * `fedcredit budget --state-dir DIR [--json]`: a node's privacy budget, what it has spent over all
 * jobs and per job, and what is left (participant/privacy/budget-report.ts).
 */
import type { Command } from 'commander';
import { formatDelta, formatEpsilon } from '../core/privacy/ledger-format.ts';
import { budgetReport } from '../participant/privacy/budget-report.ts';
import { UsageError } from './errors.ts';

/** Prints the report of `stateDir`; throws UsageError when it has no readable ledger. */
export function budgetCommand(stateDir: string, json: boolean, print: (line: string) => void): void {
  let r: ReturnType<typeof budgetReport>;
  try {
    r = budgetReport(stateDir);
  } catch (err) {
    throw new UsageError(`${(err as Error).message} (is ${stateDir} a participant's --state-dir with a privacy budget?)`);
  }
  if (json) {
    print(JSON.stringify(r, null, 2));
    return;
  }
  const d = formatDelta(r.budget.delta);
  print(`budget ε = ${formatEpsilon(r.budget.epsilon)} at δ = ${d} (${r.ledger})`);
  print(`spent  ε = ${formatEpsilon(r.spent)} over ${r.jobs.length} job(s), ${r.charges} charge(s); remaining ε = ${formatEpsilon(r.remaining)}`);
  for (const j of r.jobs) {
    const rl = j.recordLevel;
    print(`  job ${j.jobId}: ε = ${formatEpsilon(j.epsilon)} in ${j.charges} charge(s)` + (rl ? `; planned ε ${formatEpsilon(rl.epsilonJob)}` + (rl.noiseMultiplier !== undefined && rl.sampleRate !== undefined ? `, DP-SGD z = ${rl.noiseMultiplier.toFixed(3)} at q = ${rl.sampleRate.toFixed(4)}` : '') : ''));
  }
}

/** Registers `budget`. */
export function registerBudgetCommand(program: Command): void {
  program
    .command('budget')
    .description('show a participant\'s privacy budget: spent over all jobs and per job, and what is left')
    .requiredOption('--state-dir <dir>', 'the participant\'s --state-dir')
    .option('--json', 'print the report as JSON', false)
    .action((o: { stateDir: string; json: boolean }) => budgetCommand(o.stateDir, o.json, (l) => process.stdout.write(l + '\n')));
}
