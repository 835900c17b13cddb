/**
 * The vertical-job flags of `fedcredit simulate`, declared apart from the vertical simulator
 * (cli/vertical-simulate.ts), which loads the parties' data, gRPC and the trainers only when a
 * vertical job is simulated.
 */
import type { Command } from 'commander';

const collect = (v: string, prev: string[]) => [...prev, v];

/** Adds the vertical options to the simulate command. */
export function addVerticalSimulateOptions(cmd: Command): Command {
  return cmd
    .option('--id-column <party=column>', 'vertical job: a party\'s ID column (repeat; default: each file\'s first column)', collect, [])
    .option('--label-column <column>', 'vertical job: the label holder\'s 0/1 default label column (default: "default")')
    .option('--positive-label <value>', 'vertical job: for a text label column, the value that means "defaulted"')
    .option('--salt <text>', 'vertical job: the consortium\'s ID salt (default: a fixed public salt, for simulations only)');
}
