/**
 * Writes the synthetic consortium to CSV files, one per party: the file-writing edge of the pure
 * generator in generate.ts.
 */
import { join } from 'node:path';
import { writeCsvFile } from '../csv.ts';
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
