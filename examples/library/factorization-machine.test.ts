import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataSchemaSchema, inputDim, JobSpecSchema, validateTable } from '../../core/index.ts';
import { registerModel } from '../../participant/index.ts';
import { generateConsortium, simulate } from '../../sim/index.ts';
import schemaJson from '../synthetic/schema.json' with { type: 'json' };
import { factorizationMachine } from './factorization-machine.ts';

describe('a user-defined model (factorization machine) in a federated job', () => {
  it('trains with secure aggregation on the in-process simulator and learns', async () => {
    registerModel(factorizationMachine);
    const schema = DataSchemaSchema.parse(schemaJson);
    const parties = generateConsortium({ seed: 2, scale: 0.3 }).parties.map((p) => ({ name: p.name, role: p.role, table: validateTable(p.header, p.rows, schema, p.name).table }));
    const job = JobSpecSchema.parse({
      name: 'fm', model: { type: 'custom', name: 'factorization-machine', params: { factors: 3 } }, rounds: 4, minParticipants: 4, seed: 3,
      train: { batchSize: 64, optimizer: 'adam', learningRate: 0.02 }, evaluation: { bins: 100 },
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fc-fm-'));
    try {
      const r = await simulate({ job, schema, parties, seed: 4, stateDir: dir });
      expect(r.state, r.error).toBe('SUCCEEDED');
      expect(r.guarantee).toMatch(/^secure aggregation/);
      const first = r.rounds[0]?.metrics.auc ?? 1;
      const last = r.rounds.at(-1)?.metrics.auc ?? 0;
      expect(last).toBeGreaterThan(0.65);
      expect(last).toBeGreaterThan(first + 0.05);
      // bias + linear (d) + factors (d × 3): the model the coordinator holds has the custom layout.
      const d = inputDim(schema);
      expect(r.weights?.length).toBe(1 + 4 * d);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
