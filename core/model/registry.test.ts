import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JobSpecSchema, modelName } from '../job.ts';
import { seededRng } from '../random.ts';
import { initialWeights, modelLayout } from './layout.ts';
import { glorotInitialWeights, ModelRegistryError, modelArchitecture, registerModelArchitecture } from './registry.ts';
import type { ModelArchitecture } from './registry.ts';

const wide: ModelArchitecture<{ width: number }> = {
  name: 'registry-test-wide',
  params: z.object({ width: z.number().int().min(1).default(3) }).strict(),
  layout: (p, d) => [
    { name: 'hidden/kernel', shape: [d, p.width] },
    { name: 'hidden/bias', shape: [p.width] },
    { name: 'out/kernel', shape: [p.width, 1] },
  ],
};

describe('model registry', () => {
  it('registers an architecture once and serves its layout and initial weights to jobs', () => {
    const a = registerModelArchitecture(wide);
    expect(registerModelArchitecture(wide)).toBe(a);
    const spec = { type: 'custom' as const, name: 'registry-test-wide', params: { width: 4 } };
    expect(modelLayout(spec, 5).map((t) => t.shape)).toEqual([[5, 4], [4], [4, 1]]);
    // Defaults come from the model's own parameter schema.
    expect(modelLayout({ ...spec, params: {} }, 2).map((t) => t.shape)).toEqual([[2, 3], [3], [3, 1]]);
    const w = initialWeights(spec, 5, seededRng(1));
    expect(w).toHaveLength(5 * 4 + 4 + 4);
    expect(Array.from(w)).toEqual(Array.from(initialWeights(spec, 5, seededRng(1))));
    expect(modelName(spec)).toBe('registry-test-wide');
    expect(modelName({ type: 'logistic' })).toBe('logistic');
  });

  it('draws Glorot-uniform kernels and zero biases by default', () => {
    const layout = [
      { name: 'k', shape: [30, 10] },
      { name: 'b', shape: [10] },
    ];
    const w = glorotInitialWeights(layout, seededRng(3));
    const limit = Math.sqrt(6 / (30 + 10));
    const kernel = Array.from(w.subarray(0, 300));
    expect(Math.max(...kernel.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...kernel.map(Math.abs))).toBeGreaterThan(0.9 * limit);
    expect(Array.from(w.subarray(300))).toEqual(new Array(10).fill(0));
  });

  it('refuses malformed, built-in and taken names, and names the registered models for an unknown one', () => {
    const base = { params: z.object({}), layout: () => [] };
    expect(() => registerModelArchitecture({ ...base, name: 'Bad Name' })).toThrow(ModelRegistryError);
    expect(() => registerModelArchitecture({ ...base, name: 'mlp' })).toThrow(/built-in model type/);
    registerModelArchitecture(wide);
    expect(() => registerModelArchitecture({ ...wide })).toThrow(/another model is already registered as "registry-test-wide"/);
    expect(() => modelArchitecture('registry-test-missing')).toThrow(/model "registry-test-missing" is not registered in this process \(registered: .*registry-test-wide/);
  });

  it('validates a job\'s custom model where the job is validated', () => {
    registerModelArchitecture(wide);
    const unknown = JobSpecSchema.safeParse({ model: { type: 'custom', name: 'registry-test-nobody' } });
    expect(unknown.error?.issues.map((i) => i.path.join('.'))).toEqual(['model.name']);
    const badParams = JobSpecSchema.safeParse({ model: { type: 'custom', name: 'registry-test-wide', params: { width: 0 } } });
    expect(badParams.error?.issues.map((i) => i.path.join('.'))).toEqual(['model.params.width']);
    const ok = JobSpecSchema.parse({ model: { type: 'custom', name: 'registry-test-wide' } });
    expect(ok.model).toEqual({ type: 'custom', name: 'registry-test-wide', params: {} });
  });
});
