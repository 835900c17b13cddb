/**
 * Writes the synthetic consortium to CSV files, one per party:
 *
 *   npx tsx examples/synthetic/write.ts --out DIR [--seed N] [--scale X]
 *
 * prints one line per written file: `<path>  <rows> rows, default rate <r>`.
 */
import { resolve } from 'node:path';
import { intOption, parseOptions, runAsScript } from '../../sim/csv.ts';
import { DEFAULT_SEED, writeConsortium } from '../../sim/synthetic/write.ts';

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
