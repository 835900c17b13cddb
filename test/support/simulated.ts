/**
 * Helpers for e2e tests that run a consortium in one process with the simulator
 * (sim/simulate.ts): the synthetic parties as validated tables, a simulation's rounds as the
 * Control API reports them, and a job run again on the very handler chains of an earlier
 * simulation (nodes that were not restarted).
 */
import { mkdirSync } from 'node:fs';
import type { DataSchema } from '../../core/data/schema.ts';
import { validateTable } from '../../core/data/table.ts';
import type { JobSpec } from '../../core/job.ts';
import { roundToWire } from '../../coordinator/control-service.ts';
import { JobManager } from '../../coordinator/jobs.ts';
import type { JobRecord } from '../../coordinator/jobs.ts';
import type { RoundReport__Output } from '../../proto/generated/fedcredit/v1/RoundReport.ts';
import { createLogger } from '../../platform/log.ts';
import { memoryGrid } from '../../sim/memory-grid.ts';
import type { SimulatedParty, SimulationResult } from '../../sim/simulate.ts';
import { generateConsortium } from '../../sim/synthetic/generate.ts';

/**
 * The synthetic consortium's four parties with their rows validated against `schema`: the same
 * rows `syntheticParties(dir, scale, seed)` (test/helpers.ts) writes to CSV files.
 */
export function syntheticTables(schema: DataSchema, scale = 0.3, seed = 5): SimulatedParty[] {
  return generateConsortium({ seed, scale }).parties.map((p) => ({ name: p.name, role: p.role, table: validateTable(p.header, p.rows, schema, p.name).table }));
}

/** The roster's member keys of an authenticated simulation (the coordinator checks receipts against them). */
function memberKeys(r: SimulationResult): Map<string, Uint8Array> | undefined {
  return r.roster ? new Map(r.roster.members.map((m) => [m.name, Uint8Array.from(Buffer.from(m.publicKey, 'hex'))])) : undefined;
}

/**
 * A simulation's rounds as the Control API reports them (coordinator/control-service.ts
 * `roundToWire`): each receipt checked against the roster's key when the run was authenticated,
 * else against the key it embeds, and listed as a spend only when it verifies.
 */
export function wireRounds(r: SimulationResult): RoundReport__Output[] {
  const keys = memberKeys(r);
  // roundToWire builds every field of the status the Control service sends: its output type.
  return r.rounds.map((x) => roundToWire(x, r.jobId, keys) as RoundReport__Output);
}

/**
 * Runs `job` on the handler chains an earlier simulation assembled — their ledgers and release
 * histories as they are in memory, as on nodes that kept running — with a fresh job manager whose
 * state goes to `stateDir`. Resolves with the finished job's record.
 */
export async function runOnLiveMembers(prev: SimulationResult, job: JobSpec, schema: DataSchema, stateDir: string): Promise<JobRecord> {
  const handlers = new Map([...prev.participants].map(([name, p]) => [name, p.handler]));
  mkdirSync(stateDir, { recursive: true });
  const jobs = new JobManager(memoryGrid(handlers), stateDir, createLogger('coordinator', 'silent'));
  const keys = memberKeys(prev);
  if (keys) jobs.memberKeys = keys;
  const id = jobs.submit(job, schema);
  await jobs.idle();
  return jobs.get(id)!;
}
