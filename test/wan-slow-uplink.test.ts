/**
 * A member behind a slow uplink stays in the job while its large answer is on the wire: its
 * heartbeats go out on a connection of their own (participant/node.ts), so they do not wait
 * behind the upload, and the coordinator does not take the busy member for a dead one. Real
 * gRPC, mutual TLS and a roster, each member behind its own shaped TCP link (sim/wan); the slow
 * member's masked input takes about twice the coordinator's heartbeat timeout to upload.
 *
 * The links shape each TCP connection on its own, so the heartbeat connection has the uplink's
 * rate to itself here; on a real shared link its few hundred bytes would wait only behind the
 * network's queue, not behind the whole upload.
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
const dir = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-slow-uplink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEARTBEAT_TIMEOUT_MS = 1500;

describe('a member behind a slow uplink', () => {
  it('is not dropped while its masked input takes longer than the heartbeat timeout to upload', async () => {
    const schema = loadSchemaFile(path.join(ROOT, 'examples', 'synthetic', 'schema.json'));
    const members = generateConsortium({ seed: 3, scale: 0.1 })
      .parties.map((p) => ({ name: p.name, file: writeCsvFile(path.join(dir, 'data', `${p.name}.csv`), p.header, p.rows) }));
    const slow = members[2]!.name;
    const fast = { latencyMs: 5, bandwidthBps: 100e6 };
    // 40 kbit/s up: a masked input of a few thousand words takes several seconds.
    const crawl = { latencyMs: 5, bandwidthBps: 40e3 };
    let slowUpBytes = 0;
    const fleet = await startWanFleet({
      dir, members, schema, heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
      link: (m) => ({ up: m === slow ? crawl : fast, down: fast }),
      onDeliver: (m, direction, _at, bytes) => {
        if (m === slow && direction === 'up') slowUpBytes += bytes;
      },
    });
    try {
      const job = JobSpecSchema.parse({
        name: 'slow-uplink', model: { type: 'mlp', hidden: [16] }, rounds: 1, minParticipants: 3, seed: 2,
        train: { localEpochs: 1, batchSize: 64 },
        deadlines: { stageMs: 60_000 }, secureAggregation: { stepMs: 30_000 },
      });
      const started = performance.now();
      const jobId = await fleet.control.submit(job, schema);
      const status = await fleet.control.follow(jobId, () => undefined);
      const seconds = (performance.now() - started) / 1000;
      expect(status.error).toBe('');
      expect(status.state).toBe('SUCCEEDED');
      const round1 = status.rounds.find((r) => r.round === 1)!;
      expect(round1.failures).toEqual([]);
      expect(round1.participants).toContain(slow);
      // The slow member really spent longer than the timeout uploading: at 40 kbit/s its bytes
      // took this long on the wire.
      const uploadSeconds = (slowUpBytes * 8) / 40e3;
      expect(uploadSeconds).toBeGreaterThan((2 * HEARTBEAT_TIMEOUT_MS) / 1000);
      expect(seconds).toBeGreaterThan(uploadSeconds * 0.5);
    } finally {
      await fleet.stop();
    }
  }, 90_000);
});
