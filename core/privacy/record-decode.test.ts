/**
 * Tests of the coordinator's reading of statistics and evaluation sums: exact for jobs without
 * record-level DP, the noise-aware post-processing with the plan's noise level under it.
 */
import { describe, expect, it } from 'vitest';
import { preprocessingFromStats, statsContribution } from '../data/preprocess.ts';
import { DataSchemaSchema } from '../data/schema.ts';
import type { Table } from '../data/table.ts';
import { JobSpecSchema } from '../job.ts';
import { evaluationContribution, metricsFromEvaluation } from '../metrics/histogram.ts';
import { seededRng, standardNormal, uniform01 } from '../random.ts';
import { metricsFromBoundedEvaluation, preprocessingFromBoundedStats, releaseReader } from './record-decode.ts';
import { recordReleasePlan } from './record-plan.ts';
import { boundedEvaluation, boundedStats } from './record-releases.ts';

const schema = DataSchemaSchema.parse({ label: { column: 'y', positive: '1' }, numeric: [{ name: 'age', range: [20, 60] }] });
const rng = seededRng(3);
const table: Table = {
  n: 500,
  labels: Uint8Array.from({ length: 500 }, () => (uniform01(rng) < 0.3 ? 1 : 0)),
  numeric: [Float64Array.from({ length: 500 }, () => 40 + 8 * standardNormal(rng))],
  categorical: [],
};
const scores = Float32Array.from({ length: table.n }, (_, i) => (table.labels[i] ? 0.6 : 0.3) + 0.1 * uniform01(rng));
const stage = (sum: ReturnType<typeof statsContribution>, threshold: number) => ({
  sum, contributors: ['a', 'b', 'c'], failures: [],
  secure: { participants: 3, survivors: 3, threshold, neighbours: 2, modulusBits: 32, clipped: 0, words: 1 },
});

describe('releaseReader', () => {
  it('reads exact sums exactly', () => {
    const job = JobSpecSchema.parse({ evaluation: { bins: 20 } });
    const r = releaseReader(job, schema);
    const stats = statsContribution(table, schema);
    expect(r.preprocessing(stage(stats, 3))).toEqual(preprocessingFromStats(stats, schema));
    const ev = evaluationContribution(scores, table.labels, 20);
    expect(r.metrics(ev)).toEqual(metricsFromEvaluation(ev, 20));
  });

  it('reads record-level releases as bounded, noised sums, with the noise of the secure sum\'s t contributors', () => {
    const job = JobSpecSchema.parse({ evaluation: { bins: 20 }, privacy: { mode: 'record', noiseMultiplier: 1 } });
    const r = releaseReader(job, schema);
    const stats = boundedStats(table, schema);
    const plan = recordReleasePlan(job, schema, 2).stats;
    const noiseStd = Math.sqrt(3 * plan.sigma2PerClient) / 2 ** plan.gridBits;
    expect(r.preprocessing(stage(stats, 2))).toEqual(preprocessingFromBoundedStats(stats, schema, noiseStd));
    const ev = boundedEvaluation(scores, table.labels, 20);
    expect(r.metrics(ev)).toEqual(metricsFromBoundedEvaluation(ev, 20));
  });
});
