/**
 * Secure aggregation costs no model quality: the demo (synthetic consortium) and the credit_data
 * example, each run end to end over gRPC with participant processes, once with secure
 * aggregation (the default) and once with plain aggregation, reach the same federated AUC within
 * 0.002. Quantized updates are the only difference between the two runs.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { writeCreditSplit } from '../examples/credit/split.ts';
import { ROOT, runCli, tempDir } from './helpers.ts';

interface Report {
  state: string;
  aggregation: string;
  federated: { auc: number; exactAuc: number };
  secureAggregation?: { threshold: number; participants: number; clippedTotal: number };
}

async function simulateBoth(args: (aggregation: string) => string[]): Promise<Record<'secagg' | 'plain', Report>> {
  const out = {} as Record<'secagg' | 'plain', Report>;
  for (const aggregation of ['secagg', 'plain'] as const) {
    const r = await runCli([...args(aggregation), '--aggregation', aggregation, '--json'], 300_000);
    expect(r.code, r.stderr).toBe(0);
    out[aggregation] = JSON.parse(r.stdout) as Report;
    expect(out[aggregation].state).toBe('SUCCEEDED');
    expect(out[aggregation].aggregation).toBe(aggregation);
  }
  return out;
}

describe('secure aggregation on and off reach the same AUC', () => {
  it('on the synthetic consortium (npm run demo\'s data, job without DP)', async () => {
    const tmp = tempDir('secagg-auc-demo');
    try {
      // The demo's data with its job without DP: DP noise would differ between the two runs.
      const job = path.join(ROOT, 'examples', 'synthetic', 'job.json');
      const r = await simulateBoth((a) => ['demo', '--job', job, '--state-dir', path.join(tmp.dir, a)]);
      expect(Math.abs(r.secagg.federated.auc - r.plain.federated.auc)).toBeLessThanOrEqual(0.002);
      expect(Math.abs(r.secagg.federated.exactAuc - r.plain.federated.exactAuc)).toBeLessThanOrEqual(0.002);
      expect(r.secagg.federated.auc).toBeGreaterThan(0.75);
      expect(r.secagg.secureAggregation).toMatchObject({ participants: 4, threshold: 4, clippedTotal: 0 });
      expect(r.plain.secureAggregation).toBeUndefined();
    } finally {
      tmp.cleanup();
    }
  }, 600_000);

  it('on credit_data split across three lenders (npm run example:credit)', async () => {
    const tmp = tempDir('secagg-auc-credit');
    try {
      const parts = writeCreditSplit(path.join(tmp.dir, 'data'));
      const job = path.join(ROOT, 'examples', 'credit', 'job.json');
      const r = await simulateBoth((a) => ['simulate', '--job', job, '--state-dir', path.join(tmp.dir, a), ...parts.flatMap((p) => ['--party', `${p.name}=${p.path}`])]);
      expect(Math.abs(r.secagg.federated.auc - r.plain.federated.auc)).toBeLessThanOrEqual(0.002);
      expect(Math.abs(r.secagg.federated.exactAuc - r.plain.federated.exactAuc)).toBeLessThanOrEqual(0.002);
      expect(r.secagg.federated.auc).toBeGreaterThan(0.8);
      expect(r.secagg.secureAggregation).toMatchObject({ participants: 3, threshold: 3, clippedTotal: 0 });
    } finally {
      tmp.cleanup();
    }
  }, 600_000);
});
