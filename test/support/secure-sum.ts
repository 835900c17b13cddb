/**
 * Shared set-up of the secure-sum tests (secure-sum.test.ts, secure-sum-authenticated.test.ts):
 * the synthetic schema, seeded random contributions, participants behind the real participant
 * mod (participant/secagg-mod.ts) and the plain reference sum.
 */
import { readFileSync } from 'node:fs';
import { DataSchemaSchema } from '../../core/data/schema.ts';
import type { DataSchema } from '../../core/data/schema.ts';
import { JobSpecSchema } from '../../core/job.ts';
import type { JobSpec } from '../../core/job.ts';
import type { TaskConfig } from '../../core/round/task-config.ts';
import type { Contribution, ContributionShape } from '../../core/types.ts';
import { seededRng, standardNormal } from '../../core/random.ts';
import { secAggMod } from '../../participant/secagg-mod.ts';
import type { SecAggModOptions } from '../../participant/secagg-mod.ts';
import type { ParsedTask, TaskHandler } from '../../participant/handler.ts';
import type { VanishStep } from '../../sim/memory-grid.ts';
import { SYNTHETIC_SCHEMA } from '../helpers.ts';

/** The schema of the synthetic example data (examples/synthetic). */
export const schema: DataSchema = DataSchemaSchema.parse(JSON.parse(readFileSync(SYNTHETIC_SCHEMA, 'utf8')));
/** The steps of an unauthenticated secure sum, at each of which a participant may vanish. */
export const STEPS = ['advertise-keys', 'share-keys', 'masked-input', 'unmasking'] as const;
/** Which participant vanishes at which step. */
export type Vanish = Partial<Record<string, VanishStep>>;

/** Random contributions of the given shape, seeded. */
export function randomContribution(shape: ContributionShape, seed: number, scale: number, integer = false): Contribution {
  const rng = seededRng(seed);
  const out: Contribution = {};
  for (const [name, len] of Object.entries(shape)) {
    out[name] = Float64Array.from({ length: len }, () => (integer ? Math.floor(Math.abs(standardNormal(rng)) * scale) : standardNormal(rng) * scale));
  }
  return out;
}

/** Participants inst-00…, each behind the real participant mod with its own contribution and optional identity, and the job's task config. */
export function setup(
  n: number,
  jobOverrides: Record<string, unknown>,
  contributionFor: (name: string, task: ParsedTask) => Contribution,
  identityFor: (name: string) => SecAggModOptions['identity'] = () => undefined,
  modOptions: Partial<SecAggModOptions> = {},
) {
  const job: JobSpec = JobSpecSchema.parse({ minParticipants: 2, ...jobOverrides });
  const names = Array.from({ length: n }, (_, i) => `inst-${String(i).padStart(2, '0')}`);
  const handlers = new Map<string, TaskHandler>(
    names.map((name) => {
      const identity = identityFor(name);
      return [name, secAggMod({ name, ...(identity ? { identity } : {}), ...modOptions })(async (task) => ({ contribution: contributionFor(name, task) }))];
    }),
  );
  const config: TaskConfig = { jobId: 'job-1', job, schema };
  return { job, names, handlers, config };
}

/** The plain (unmasked) sum of `cs`, vector by vector. */
export function plainSum(cs: Contribution[]): Contribution {
  const out: Contribution = {};
  for (const c of cs) {
    for (const [k, v] of Object.entries(c)) {
      const sum = out[k];
      out[k] = sum ? sum.map((x, i) => x + v[i]!) : Float64Array.from(v);
    }
  }
  return out;
}
