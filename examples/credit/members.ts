/**
 * credit_data spread over many small lenders, for client-level DP (which protects a whole
 * institution, so it needs many of them): each row goes to one of `members` lenders, drawn
 * uniformly with a seeded generator. `npx tsx examples/credit/members.ts --out DIR --members 20`.
 */
import { join, resolve } from 'node:path';
import { deriveSeed, seededRng, uniformInt } from '../../core/random.ts';
import { intOption, parseOptions, readCsvFile, runAsScript, writeCsvFile } from '../../sim/csv.ts';
import { CREDIT_DATA_PATH, badRate } from './split.ts';

/** One written lender file. */
export interface WrittenMember {
  name: string;
  path: string;
  rows: number;
  defaultRate: number;
}

/** Writes `dir/lender-NN.csv` for `members` lenders; returns what was written. */
export function writeMemberSplit(dir: string, members: number, seed = 11, input: string = CREDIT_DATA_PATH): WrittenMember[] {
  if (!Number.isInteger(members) || members < 2 || members > 99) throw new RangeError(`members must be an integer in [2, 99], got ${members}`);
  const { header, rows } = readCsvFile(input);
  const rng = seededRng(deriveSeed(seed, 'credit-members'));
  const parts: string[][][] = Array.from({ length: members }, () => []);
  // uniformInt(rng, members) is in [0, members) = the indices of `parts`.
  for (const row of rows) parts[uniformInt(rng, members)]!.push(row);
  return parts.map((part, i) => {
    const name = `lender-${String(i + 1).padStart(2, '0')}`;
    return { name, path: writeCsvFile(join(dir, `${name}.csv`), header, part), rows: part.length, defaultRate: badRate(header, part) };
  });
}

/** The command line. */
export function main(argv: readonly string[]): void {
  const opts = parseOptions(argv, ['out', 'members', 'seed']);
  if (!opts.out) throw new RangeError('usage: members.ts --out DIR [--members N] [--seed N]');
  for (const w of writeMemberSplit(resolve(opts.out), intOption(opts, 'members', 20), intOption(opts, 'seed', 11))) {
    console.log(`${w.path}  ${w.rows} rows, default rate ${(100 * w.defaultRate).toFixed(1)}%`);
  }
}

runAsScript(import.meta.url, main);
