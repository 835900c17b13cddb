/**
 * The participant command's two modes, as flags: the vertical mode's options and the check that
 * a command line fits one mode. Declared apart from the vertical node itself
 * (cli/vertical-participant-cmd.ts), which loads gRPC and the data readers only when it runs.
 */
import type { Command } from 'commander';
import { UsageError } from './errors.ts';

const list = (v: string) => v.split(',').map((s) => s.trim()).filter((s) => s !== '');

/** Adds the vertical mode's options to the participant command. */
export function addVerticalParticipantOptions(cmd: Command): Command {
  return cmd
    .option('--vertical', 'serve vertical jobs (parties know different columns of the same borrowers) instead of horizontal ones; no --schema', false)
    .option('--id-column <column>', 'with --vertical: the column with the borrower ID (required)')
    .option('--label-column <column>', 'with --vertical: the 0/1 default label column (the label holder only)')
    .option('--positive-label <value>', 'with --vertical: for a text label column, the value that means "defaulted"')
    .option('--log-columns <a,b>', 'with --vertical: numeric columns to transform with sign(x)·log(1 + |x|)', list)
    .option('--ignore-columns <a,b>', 'with --vertical: columns that are not model inputs', list)
    .option('--salt-file <file>', 'with --vertical: the consortium\'s secret ID salt (required; the same file at every party; never logged or sent)');
}

const VERTICAL_ONLY = ['idColumn', 'labelColumn', 'positiveLabel', 'logColumns', 'ignoreColumns', 'saltFile'] as const;
const flag = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * Checks that the flags fit one mode: horizontal (`--schema` and `--state-dir`) or vertical
 * (`--vertical` and the vertical flags, none of the horizontal-only ones). Throws UsageError naming the flag.
 */
export function checkParticipantMode(o: Record<string, unknown>): 'vertical' | 'horizontal' {
  if (o.vertical === true) {
    const horizontal: Array<[string, unknown]> = [
      ['--schema', o.schema], ['--policy', o.policy], ['--privacy-budget-epsilon', o.privacyBudgetEpsilon],
      ['--allow-plain-aggregation', o.allowPlainAggregation === true ? true : undefined],
    ];
    const bad = horizontal.find(([, v]) => v !== undefined);
    if (bad) throw new UsageError(`${bad[0]} does not apply with --vertical: a vertical party has no schema (each party describes its own columns), no policy file and no DP budget`);
    if (o.idColumn === undefined) throw new UsageError('participant --vertical needs --id-column COLUMN (the column with the borrower ID)');
    if (o.saltFile === undefined) throw new UsageError('participant --vertical needs --salt-file FILE (the consortium\'s secret ID salt)');
    return 'vertical';
  }
  const stray = VERTICAL_ONLY.find((k) => o[k] !== undefined);
  if (stray) throw new UsageError(`${flag(stray)} applies to a vertical party only: add --vertical (and drop --schema)`);
  if (o.schema === undefined) throw new UsageError('participant needs --schema SCHEMA.json (horizontal jobs) or --vertical (vertical jobs)');
  if (o.stateDir === undefined) throw new UsageError('participant needs --state-dir DIR (the node\'s own state: release history, privacy ledger, receipts)');
  return 'horizontal';
}
