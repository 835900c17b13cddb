/**
 * Secure aggregation costs no model quality: the demo's data (synthetic consortium) and the
 * credit_data example, each run on the in-process simulator — the real engine, authenticated
 * secure sums and participant handler chains — once with secure aggregation and once with plain
 * aggregation, reach the same federated AUC within 0.002, from the coordinator's histograms and
 * scored exactly on the pooled held-out rows. Quantized updates are the only difference between
 * the two runs. (That the CLI's `simulate` and `demo` report these numbers over real processes
 * and mutual TLS is checked in cli.test.ts.)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { concatTables, scoreModel, splitParties } from '../cli/references.ts';
import { DataSchemaSchema } from '../core/data/schema.ts';
import type { DataSchema } from '../core/data/schema.ts';
import { validateTable } from '../core/data/table.ts';
import type { Table } from '../core/data/table.ts';
import { JobSpecSchema } from '../core/job.ts';
import { splitCreditData, CREDIT_DATA_PATH } from '../examples/credit/split.ts';
import { parseCsv } from '../sim/csv.ts';
import { simulate } from '../sim/simulate.ts';
import type { SimulationResult } from '../sim/simulate.ts';
import { generateConsortium } from '../sim/synthetic/generate.ts';
import { ROOT, tempDir } from './helpers.ts';

const readJson = (...p: string[]) => JSON.parse(readFileSync(path.join(ROOT, ...p), 'utf8')) as Record<string, unknown>;

interface Outcome {
  result: SimulationResult;
  /** AUC of the final model scored row by row on the pooled held-out rows. */
  exactAuc: number;
}

/** Runs the example's job over `parties` with each aggregation. */
async function simulateBoth(dir: string, jobFile: string[], schema: DataSchema, parties: { name: string; table: Table }[]): Promise<Record<'secagg' | 'plain', Outcome>> {
  const out = {} as Record<'secagg' | 'plain', Outcome>;
  for (const aggregation of ['secagg', 'plain'] as const) {
    const job = JobSpecSchema.parse({ ...readJson(...jobFile), schema: undefined, aggregation });
    const result = await simulate({ job, schema, parties, stateDir: path.join(dir, aggregation), seed: 1 });
    expect(result.state, result.error).toBe('SUCCEEDED');
    const pooledTest = concatTables(splitParties(parties, job).map((p) => p.split.test));
    out[aggregation] = { result, exactAuc: scoreModel(job, schema, result.preprocessing!, result.weights!, pooledTest).auc };
  }
  return out;
}

const finalAuc = (o: Outcome) => o.result.rounds.at(-1)!.metrics.auc;
/** Update coordinates clipped over the whole job (none may be: clipping would change the model). */
const clippedTotal = (o: Outcome) => o.result.rounds.reduce((a, r) => a + (r.secure?.clipped ?? 0), 0);

describe('secure aggregation on and off reach the same AUC', () => {
  it('on the synthetic consortium (npm run demo\'s data, job without DP)', async () => {
    const tmp = tempDir('secagg-auc-demo');
    try {
      const schema = DataSchemaSchema.parse(readJson('examples', 'synthetic', 'schema.json'));
      // The demo's data with its job without DP: DP noise would differ between the two runs.
      const parties = generateConsortium({ seed: 1 }).parties.map((p) => ({ name: p.name, table: validateTable(p.header, p.rows, schema, p.name).table }));
      const r = await simulateBoth(tmp.dir, ['examples', 'synthetic', 'job.json'], schema, parties);
      expect(Math.abs(finalAuc(r.secagg) - finalAuc(r.plain))).toBeLessThanOrEqual(0.002);
      expect(Math.abs(r.secagg.exactAuc - r.plain.exactAuc)).toBeLessThanOrEqual(0.002);
      expect(finalAuc(r.secagg)).toBeGreaterThan(0.75);
      expect(r.secagg.result.rounds.at(-1)!.secure).toMatchObject({ participants: 4, threshold: 4 });
      expect(clippedTotal(r.secagg)).toBe(0);
      expect(r.plain.result.rounds.at(-1)!.secure).toBeUndefined();
    } finally {
      tmp.cleanup();
    }
  }, 300_000);

  it('on credit_data split across three lenders (npm run example:credit)', async () => {
    const tmp = tempDir('secagg-auc-credit');
    try {
      const schema = DataSchemaSchema.parse(readJson('examples', 'credit', 'schema.json'));
      const csv = parseCsv(readFileSync(CREDIT_DATA_PATH, 'utf8'));
      const parties = splitCreditData(csv.header, csv.rows, { parties: 3, seed: 11 }).map((p) => ({ name: p.name, table: validateTable([...csv.header], p.rows, schema, p.name).table }));
      const r = await simulateBoth(tmp.dir, ['examples', 'credit', 'job.json'], schema, parties);
      expect(Math.abs(finalAuc(r.secagg) - finalAuc(r.plain))).toBeLessThanOrEqual(0.002);
      expect(Math.abs(r.secagg.exactAuc - r.plain.exactAuc)).toBeLessThanOrEqual(0.002);
      expect(finalAuc(r.secagg)).toBeGreaterThan(0.8);
      expect(r.secagg.result.rounds.at(-1)!.secure).toMatchObject({ participants: 3, threshold: 3 });
      expect(clippedTotal(r.secagg)).toBe(0);
    } finally {
      tmp.cleanup();
    }
  }, 300_000);
});
