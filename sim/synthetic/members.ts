/**
 * A synthetic consortium of any size: the four generated institutions' borrowers dealt out to
 * `members` smaller institutions of the same kinds — platform-01…, bank-a-01…, bank-b-01…,
 * customs-01… — in turn, so every kind keeps its own columns and risk profile. With four members
 * it is the generated consortium itself. Pure: the split depends only on the options.
 */
import { generateConsortium } from './generate.ts';
import type { ConsortiumOptions, PartyRole } from './generate.ts';

/** One member's rows. */
export interface SyntheticMember {
  name: string;
  role: PartyRole;
  header: string[];
  rows: string[][];
}

/** Options of {@link syntheticMembers}. */
export interface SyntheticMembersOptions extends ConsortiumOptions {
  /** How many members (at least 4: one of each kind). */
  members: number;
}

/** Generates the consortium and splits it into `members` institutions. */
export function syntheticMembers(o: SyntheticMembersOptions): SyntheticMember[] {
  if (!Number.isInteger(o.members) || o.members < 4) throw new RangeError(`members must be an integer of at least 4 (one of each kind), got ${o.members}`);
  const { parties } = generateConsortium(o);
  if (o.members === 4) return parties.map((p) => ({ name: p.name, role: p.role, header: p.header, rows: p.rows }));
  const out: SyntheticMember[] = [];
  parties.forEach((p, k) => {
    // Kind k gets every 4th member slot; its rows are dealt round-robin among its members.
    const count = Math.floor(o.members / parties.length) + (k < o.members % parties.length ? 1 : 0);
    if (p.rows.length < count) throw new RangeError(`${p.name} has ${p.rows.length} rows, too few for ${count} members; raise the scale`);
    const width = String(count).length < 2 ? 2 : String(count).length;
    for (let m = 0; m < count; m++) {
      out.push({ name: `${p.name}-${String(m + 1).padStart(width, '0')}`, role: p.role, header: p.header, rows: p.rows.filter((_, i) => i % count === m) });
    }
  });
  return out;
}
