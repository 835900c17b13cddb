/**
 * Fixtures for the in-process end-to-end tests (dropouts.test.ts, failures.test.ts): the synthetic
 * consortium as simulated members (the same rows `syntheticParties` writes to CSV), a simulated
 * consortium with optional dropouts, and a round of a result that names what is missing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateTable } from '../../core/data/table.ts';
import type { RoundRecord } from '../../core/round/engine.ts';
import { loadSchemaFile } from '../../participant/data/load.ts';
import { startSimulation } from '../../sim/simulate.ts';
import type { SimulatedParty, Simulation, SimulationOptions, SimulationResult } from '../../sim/simulate.ts';
import type { VanishAt } from '../../sim/memory-grid.ts';
import { syntheticMembers } from '../../sim/synthetic/members.ts';
import { SYNTHETIC_SCHEMA } from '../helpers.ts';

/** The synthetic consortium's schema. */
export const schema = loadSchemaFile(SYNTHETIC_SCHEMA);

/** The four synthetic institutions (bank-a, bank-b, customs, platform) as simulated members. */
export function syntheticConsortium(scale = 0.3, seed = 5): SimulatedParty[] {
  return syntheticMembers({ seed, scale, members: 4 }).map((m) => ({ name: m.name, role: m.role, table: validateTable(m.header, m.rows, schema, m.name).table }));
}

/** Temporary state directories, each removed by `cleanup`. */
export function stateDirs(prefix: string): { dir: () => string; cleanup: () => void } {
  const made: string[] = [];
  return {
    dir: () => {
      const d = mkdtempSync(path.join(os.tmpdir(), `fedcredit-${prefix}-`));
      made.push(d);
      return d;
    },
    cleanup: () => made.forEach((d) => rmSync(d, { recursive: true, force: true })),
  };
}

/** A simulated consortium over `parties`, where each member named in `vanish` stops answering there. */
export function consortium(
  parties: SimulatedParty[],
  stateDir: string,
  vanish: Record<string, VanishAt> = {},
  over: Partial<SimulationOptions> = {},
): Promise<Simulation> {
  return startSimulation({ schema, stateDir, ...over, parties: parties.map((p) => (vanish[p.name] ? { ...p, vanishAt: vanish[p.name] } : p)) });
}

/** Round `r` of a result; throws with the rounds it has and the job's error when it is missing. */
export function roundOf(res: SimulationResult, r: number): RoundRecord {
  const found = res.rounds.find((x) => x.round === r);
  if (!found) throw new Error(`round ${r} is not in the result (rounds: ${res.rounds.map((x) => x.round).join(', ')}; ${res.state}: ${res.error})`);
  return found;
}

/** Sorted copy. */
export const sorted = (xs: readonly string[]) => [...xs].sort();
