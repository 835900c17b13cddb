/**
 * A secure, authenticated job across WAN-shaped links (sim/wan): four members, each behind its
 * own TCP link with 20 ms each way and 100 Mbit/s, mutual TLS and a roster, real gRPC. One link
 * is reset twice while the job runs, and the member must reconnect through it each time:
 *
 * 1. while the member's first masked input is on the wire: the node sends it again
 *    (participant/resend.ts), so that sum keeps all four inputs;
 * 2. as soon as round 1 has finished, while round 2's first task is on its way down: that task is
 *    lost, the member misses the rest of that sum (its step ends at the deadline) and three inputs
 *    remain, enough for the threshold (t = 3) and every node's floor of three contributors.
 *
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
import type { LinkDirection } from '../sim/wan/shaped-link.ts';
import { startWanFleet } from '../sim/wan/wan-fleet.ts';
import type { WanFleet } from '../sim/wan/wan-fleet.ts';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-wan-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a secure job across shaped links', () => {
  it('completes with every member behind a 20 ms link and one link reset twice', async () => {
    const schema = loadSchemaFile(path.join(ROOT, 'examples', 'synthetic', 'schema.json'));
    const members = generateConsortium({ seed: 11, scale: 0.15 })
      .parties      .map((p) => ({ name: p.name, file: writeCsvFile(path.join(dir, 'data', `${p.name}.csv`), p.header, p.rows) }));
    const shape = { latencyMs: 20, bandwidthBps: 100e6 };
    const flapped = members[1]!.name;
    // The first large message the member sends (a masked input: kilobytes, where polls, heartbeats
    // and key adverts take hundreds of bytes) is cut off by a reset while it is on the wire.
    let cutPush = false;
    let fleet: WanFleet | undefined;
    const onSend = (direction: LinkDirection, _at: number, bytes: number) => {
      if (cutPush || direction !== 'up' || bytes < 4000 || !fleet) return;
      cutPush = true;
      fleet.links.get(flapped)!.flap();
    };
    fleet = await startWanFleet({ dir, members, schema, link: (m) => ({ up: shape, down: shape, ...(m === flapped ? { onSend } : {}) }) });
    try {
      const link = fleet.links.get(flapped)!;
      const job = JobSpecSchema.parse({
        name: 'wan-e2e', model: { type: 'logistic' }, rounds: 2, minParticipants: 2, seed: 5,
        train: { localEpochs: 1, batchSize: 64 },
        // A step whose message a reset lost ends at its deadline; the sum then goes on without that member.
        deadlines: { stageMs: 3000 }, secureAggregation: { stepMs: 2500 },
      });
      const jobId = await fleet.control.submit(job, schema);
      const status = await fleet.control.follow(jobId, (e) => {
        // Reset the link again as soon as round 1 has finished: round 2's first task is then on its way.
        if (cutPush && link.traffic().flaps === 1 && e.status?.rounds.some((r) => r.round === 1)) link.flap();
      });
      expect(status.error).toBe('');
      expect(status.state).toBe('SUCCEEDED');
      expect(status.rounds.map((r) => r.round)).toEqual([0, 1, 2]);
      for (const r of status.rounds) expect(r.secure).toMatchObject({ authenticated: true, participants: 4 });
      // The answer cut off in round 0 was sent again: nobody missed a step there or in round 1.
      for (const r of status.rounds.slice(0, 2)) expect({ round: r.round, survivors: r.secure!.survivors, failures: r.failures }).toEqual({ round: r.round, survivors: 4, failures: [] });
      // The task lost on its way down in round 2 cost the member that sum; three inputs remain.
      expect(status.rounds[2]!.secure!.survivors).toBeGreaterThanOrEqual(3);
      expect(status.rounds.at(-1)!.metrics!.auc).toBeGreaterThan(0.5);
      // Both resets happened and the member came back through the same link on new connections:
      // its main connection three times, beside the one its heartbeats use.
      expect(cutPush).toBe(true);
      expect(link.traffic()).toMatchObject({ flaps: 2 });
      expect(link.traffic().connections).toBeGreaterThanOrEqual(4);
      const listed = await fleet.control.participants();
      expect(listed.filter((p) => p.connected).map((p) => p.name).sort()).toEqual(members.map((m) => m.name).sort());
      // Every member's traffic went through its link.
      for (const m of members) expect(fleet.links.get(m.name)!.traffic().bytesUp).toBeGreaterThan(10_000);
    } finally {
      await fleet.stop();
    }
  });
});
