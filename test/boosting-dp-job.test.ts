/**
 * A gbdt job with record-level DP end to end on the in-process simulator (authenticated secure
 * sums, each member's real handler chain, ledger and receipts on disk) over credit_data split
 * across three lenders: the job completes with the trees it asked for; every member charges its
 * ledger for the statistics, the sketch (no noisy row count), each tree level it answered and each
 * evaluation, at the spends its plan lists, and spends no more than the job's ε; the trees differ
 * from those of the same job without DP (the sums carried noise); the guarantee says what was
 * noised.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulatedBudgets } from '../cli/simulate.ts';
import { DataSchemaSchema } from '../core/data/schema.ts';
import { validateTable } from '../core/data/table.ts';
import { JobSpecSchema } from '../core/job.ts';
import { jobPrivacyCost } from '../core/privacy/job-cost.ts';
import { unpackBoosted } from '../core/trees/model-pack.ts';
import { CREDIT_DATA_PATH, splitCreditData } from '../examples/credit/split.ts';
import { parseCsv } from '../sim/csv.ts';
import { simulate } from '../sim/simulate.ts';
import { ROOT, tempDir } from './helpers.ts';

const schema = DataSchemaSchema.parse(JSON.parse(readFileSync(path.join(ROOT, 'examples', 'credit', 'schema.json'), 'utf8')));
const { header, rows } = parseCsv(readFileSync(CREDIT_DATA_PATH, 'utf8'));
const parties = splitCreditData(header, rows, { parties: 3, seed: 7 }).map((p) => ({ name: p.name, table: validateTable(header, p.rows, schema, p.name).table }));
const EPSILON = 3;
const job = (privacy: Record<string, unknown>) =>
  JobSpecSchema.parse({
    name: 'gbdt-dp-test', rounds: 3, minParticipants: 3, seed: 5, evaluation: { holdout: 0.25, every: 3, bins: 20 },
    model: { type: 'gbdt', maxDepth: 2, maxBins: 8, sketchGrid: 32, learningRate: 0.3, lambda: 10, minChildWeight: 20 }, privacy,
  });

interface Charge {
  kind: string;
  stage: string;
  jobId: string;
  epsilonTask?: number;
  params?: Record<string, number>;
}

describe('gbdt jobs with record-level differential privacy', () => {
  it('grow noised trees, each member charging every release it makes and staying within the job\'s ε', async () => {
    const tmp = tempDir('boosting-dp');
    try {
      const dp = job({ mode: 'record', epsilon: EPSILON, delta: 1e-5 });
      const budgets = simulatedBudgets(dp, schema, parties);
      const withBudget = parties.map((p) => ({ ...p, privacyBudget: budgets.get(p.name)! }));
      const res = await simulate({ job: dp, schema, parties: withBudget, stateDir: path.join(tmp.dir, 'dp'), seed: 1 });
      expect(res.state, res.error).toBe('SUCCEEDED');
      expect(unpackBoosted(res.weights!).trees).toHaveLength(3);
      expect(res.guarantee).toContain("the sketch counts and every tree level's gradient and hessian histograms");

      const cost = jobPrivacyCost(dp, { schema, survivors: 3 });
      if (cost.mode !== 'record') throw new Error('record-level cost expected');
      const planned = new Map(cost.releases.map((r) => [r.release === 'evaluation' ? 'evaluate' : r.release, r.spend.params]));
      for (const p of parties) {
        const ledger = JSON.parse(readFileSync(path.join(tmp.dir, 'dp', 'nodes', p.name, 'privacy', 'ledger.json'), 'utf8')) as { entries: Charge[] };
        const charges = ledger.entries.filter((e) => e.kind === 'charge' && e.jobId === res.jobId);
        const stages = charges.map((c) => c.stage);
        expect(stages.slice(0, 2), p.name).toEqual(['stats', 'sketch']); // no noisy row count: boosting uses none
        const trees = stages.filter((s) => s === 'tree').length;
        expect(trees).toBeGreaterThanOrEqual(3); // at least each tree's root level
        expect(trees).toBeLessThanOrEqual(3 * 2);
        expect(stages.filter((s) => s === 'evaluate')).toHaveLength(1);
        for (const c of charges) {
          if (c.stage === 'stats') continue;
          expect(c.params, `${p.name} ${c.stage}`).toMatchObject(planned.get(c.stage)!);
        }
        const spent = (JSON.parse(readFileSync(path.join(tmp.dir, 'dp', 'nodes', p.name, 'privacy', 'record-jobs.json'), 'utf8')) as { jobs: { epsilonJob: number }[] }).jobs[0]!;
        expect(spent.epsilonJob).toBeLessThanOrEqual(EPSILON);
      }

      const exact = await simulate({ job: job({ mode: 'none' }), schema, parties, stateDir: path.join(tmp.dir, 'exact'), seed: 1 });
      expect(exact.state, exact.error).toBe('SUCCEEDED');
      expect(Array.from(res.weights!)).not.toEqual(Array.from(exact.weights!));
    } finally {
      tmp.cleanup();
    }
  });
});
