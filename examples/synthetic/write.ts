/**
 * Writes the synthetic consortium to CSV files, one per party: the file-writing edge of the pure
 * generator in generate.ts.
 *
 *   npx tsx examples/synthetic/write.ts --out DIR [--seed N] [--scale X]
 *
 * prints one line per written file: `<path>  <rows> rows, default rate <r>`.
 */
import { join, resolve } from 'node:path';
import { intOption, parseOptions, writeCsvFile, runAsScript } from '../csv.ts';
import { generateConsortium, type ConsortiumOptions, type PartyName } from './generate.ts';

/** Default seed of the written consortium (the demo job's data). */
export const DEFAULT_SEED = 1;

/** What {@link writeConsortium} wrote for one party. */
export interface WrittenParty {
  name: PartyName;
  path: string;
  rows: number;
  defaultRate: number;
}

/** Generates the consortium and writes `dir/<party>.csv` for each party; returns what was written. */
export function writeConsortium(dir: string, opts: ConsortiumOptions): WrittenParty[] {
  const { parties } = generateConsortium(opts);
  return parties.map((p) => ({
    name: p.name,
    path: writeCsvFile(join(dir, `${p.name}.csv`), p.header, p.rows),
    rows: p.rows.length,
    defaultRate: p.defaultRate,
  }));
}

/** The command line: parses options, writes the files and prints their paths. */
export function main(argv: readonly string[]): void {
  const opts = parseOptions(argv, ['out', 'seed', 'scale']);
  if (!opts.out) throw new RangeError('usage: write.ts --out DIR [--seed N] [--scale X]');
  const scale = opts.scale === undefined ? 1 : Number(opts.scale);
  if (!(scale > 0)) throw new RangeError(`--scale must be a positive number, got "${opts.scale}"`);
  const written = writeConsortium(resolve(opts.out), { seed: intOption(opts, 'seed', DEFAULT_SEED), scale });
  for (const w of written) {
    console.log(`${w.path}  ${w.rows} rows, default rate ${(100 * w.defaultRate).toFixed(1)}%`);
  }
}

runAsScript(import.meta.url, main);
