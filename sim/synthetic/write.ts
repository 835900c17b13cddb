/**
 * Writes the synthetic consortium to CSV files, one per party: the file-writing edge of the pure
 * generator in generate.ts.
 */
import { join } from 'node:path';
import { writeCsvFile } from '../csv.ts';
import { generateConsortium, type ConsortiumOptions, type PartyName } from './generate.ts';
import { syntheticMembers } from './members.ts';

/** Default seed of the written consortium (the demo job's data). */
export const DEFAULT_SEED = 1;

/** What {@link writeConsortium} wrote for one party. */
export interface WrittenParty {
  name: PartyName | string;
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

/**
 * Writes the consortium split into `members` institutions (members.ts), `dir/<member>.csv` each;
 * with 4 members it writes the generated consortium itself.
 */
export function writeMembers(dir: string, opts: ConsortiumOptions & { members: number }): WrittenParty[] {
  if (opts.members === 4) return writeConsortium(dir, opts);
  return syntheticMembers(opts).map((m) => {
    const label = m.header.indexOf('default');
    return {
      name: m.name,
      path: writeCsvFile(join(dir, `${m.name}.csv`), m.header, m.rows),
      rows: m.rows.length,
      defaultRate: m.rows.filter((r) => r[label] === 'yes').length / m.rows.length,
    };
  });
}
