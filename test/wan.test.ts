/**
 * A secure, authenticated job across WAN-shaped links (sim/wan): four members, each behind its
 * own TCP link with 20 ms each way and 100 Mbit/s, mutual TLS and a roster, real gRPC. One link
 * is reset (flaps) once while the job runs; the member must reconnect through it and the job must
 * still finish. A flap can lose a task or reply that was on the wire, and that member then misses
 * the rest of that secure sum; four members leave three, enough for the threshold (t = 3) and for
 * every node's floor of three contributors (with three members that sum would abort).
 * Correctness only: timing belongs to `npm run bench:wan`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JobSpecSchema } from '../core/job.ts';
import { loadSchemaFile } from '../participant/data/load.ts';
import { writeCsvFile } from '../sim/csv.ts';
import { generateConsortium } from '../sim/synthetic/generate.ts';
import { startWanFleet } from '../sim/wan/wan-fleet.ts';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-wan-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a secure job across shaped links', () => {
  it('completes with every member behind a 20 ms link and one link flapping once', async () => {
    const schema = loadSchemaFile(path.join(ROOT, 'examples', 'synthetic', 'schema.json'));
    const members = generateConsortium({ seed: 11, scale: 0.15 })
      .parties      .map((p) => ({ name: p.name, file: writeCsvFile(path.join(dir, 'data', `${p.name}.csv`), p.header, p.rows) }));
    const shape = { latencyMs: 20, bandwidthBps: 100e6 };
    const fleet = await startWanFleet({ dir, members, schema, link: () => ({ up: shape, down: shape }) });
    try {
      const flapped = members[1]!.name;
      const link = fleet.links.get(flapped)!;
      const job = JobSpecSchema.parse({
        name: 'wan-e2e', model: { type: 'logistic' }, rounds: 2, minParticipants: 2, seed: 5,
        train: { localEpochs: 1, batchSize: 64 },
        // A step whose message the flap lost ends at its deadline; the sum then goes on without that member.
        deadlines: { stageMs: 3000 }, secureAggregation: { stepMs: 2500 },
      });
      const jobId = await fleet.control.submit(job, schema);
      const status = await fleet.control.follow(jobId, (e) => {
        // Reset the link once, as soon as round 1 has finished: round 2 starts across a dead link.
        if (link.traffic().flaps === 0 && e.status?.rounds.some((r) => r.round === 1)) link.flap();
      });
      expect(status.error).toBe('');
      expect(status.state).toBe('SUCCEEDED');
      expect(status.rounds.map((r) => r.round)).toEqual([0, 1, 2]);
      for (const r of status.rounds) {
        expect(r.secure).toMatchObject({ authenticated: true, participants: 4 });
        expect(r.secure!.survivors).toBeGreaterThanOrEqual(3);
      }
      expect(status.rounds.at(-1)!.metrics!.auc).toBeGreaterThan(0.5);
      // The flap happened and the member came back through the same link on a new connection.
      expect(link.traffic()).toMatchObject({ flaps: 1 });
      expect(link.traffic().connections).toBeGreaterThanOrEqual(2);
      const listed = await fleet.control.participants();
      expect(listed.filter((p) => p.connected).map((p) => p.name).sort()).toEqual(members.map((m) => m.name).sort());
      // Every member's traffic went through its link.
      for (const m of members) expect(fleet.links.get(m.name)!.traffic().bytesUp).toBeGreaterThan(10_000);
    } finally {
      await fleet.stop();
    }
  });
});
