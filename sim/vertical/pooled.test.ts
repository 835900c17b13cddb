/**
 * The centralized reference of a vertical job computes the same model as the job: on a small
 * synthetic consortium, with the same row plan, the job (fixed point on secret shares) and the
 * pooled reference (floating point on the columns in the clear) reach the same held-out AUC
 * within 0.005, on the same aligned, training and held-out rows.
 */
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../core/random.ts';
import { VerticalJobSpecSchema } from '../../core/vertical/spec.ts';
import { verticalPartyData } from '../../participant/vertical/table.ts';
import { generateVerticalConsortium } from '../synthetic/vertical.ts';
import { pooledColumns, pooledReference } from './pooled.ts';
import { simulateVertical } from './simulate-vertical.ts';

const consortium = generateVerticalConsortium({ seed: 4, scale: 0.25 });
const party = (t: typeof consortium.bank, label?: string) => verticalPartyData(t.header, t.rows, { idColumn: t.idColumn, ...(label ? { labelColumn: label } : {}) });
const data = { bank: party(consortium.bank, 'default'), platform: party(consortium.platform), customs: party(consortium.customs) };
const job = VerticalJobSpecSchema.parse({ partition: 'vertical', labelHolder: 'bank', featureParties: ['platform', 'customs'], ids: { form: 'alnum' }, train: { epochs: 4, batchSize: 64, learningRate: 0.5, l2: 0.001 } });
const PLAN_SEED = 20240611;

describe('the pooled reference of a vertical job', () => {
  it('joins the parties by canonical ID in the label holder\'s order, with an intercept and has-record columns', () => {
    const p = pooledColumns(job, data);
    expect(p.y).toHaveLength(consortium.bank.rows.length);
    expect(p.names[0]).toBe('bank:(intercept)');
    expect(p.names).toContain('platform:(has_record)');
    expect(p.names.at(-1)).toBe('customs:(has_record)');
    // The generator's true join: every bank borrower the platform and customs know, and no other.
    expect(p.shared.platform).toBe(Array.from(consortium.platformToBank).filter((b) => b >= 0).length);
    expect(p.shared.customs).toBe(Array.from(consortium.customsToBank).filter((b) => b >= 0).length);
    const has = p.columns[p.names.indexOf('customs:(has_record)')]!;
    const first = p.columns[p.names.indexOf('customs:declarations_12m')]!;
    has.forEach((h, i) => expect(h === 0).toBe(Number.isNaN(first[i]!)));
  });

  it('reaches the job\'s held-out AUC within 0.005 on the same rows', async () => {
    const reference = pooledReference(job, data, PLAN_SEED);
    const out = await simulateVertical(job, data, { salt: 'pooled-test', rng: seededRng(9), planSeed: PLAN_SEED });
    expect(reference.rows).toEqual(out.rows);
    expect(reference.shared).toEqual(out.psi.shared);
    expect(reference.steps).toBe(out.steps);
    expect(Math.abs(out.metrics.auc - reference.metrics.auc)).toBeLessThan(0.005);
    expect(Math.abs(out.metrics.ks - reference.metrics.ks)).toBeLessThan(0.02);
    // Pooling all columns beats the label holder's columns alone, as the job does.
    expect(reference.metrics.auc).toBeGreaterThan(out.labelHolderOnly.auc + 0.03);
    // The job's weights, party by party, are the reference's.
    const joint = [...out.parts.bank!.weights, ...out.parts.platform!.weights, ...out.parts.customs!.weights];
    const gap = Math.max(...joint.map((w, j) => Math.abs(w - reference.weights[j]!)));
    expect(gap).toBeLessThan(1e-3);
    console.log(`pooled reference: AUC ${reference.metrics.auc.toFixed(4)} (job ${out.metrics.auc.toFixed(4)}, label holder only ${out.labelHolderOnly.auc.toFixed(4)}), largest weight gap ${gap.toExponential(2)}`);
  });
});
