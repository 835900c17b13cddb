/**
 * A participant that registered with another schema than the job's is not selected: the
 * coordinator compares the schema digest of each Hello with the job schema's, says whom it left
 * out and why, and runs the job with the others (or fails at once, naming them, when the quorum
 * needs them). Coordinator and participants run in this process over gRPC on loopback.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient } from '../client/control-client.ts';
import type { JobEvent } from '../client/control-client.ts';
import { subsetTable } from '../core/data/table.ts';
import { startCoordinator } from '../coordinator/server.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import { loadSchemaFile, loadTable } from '../participant/data/load.ts';
import { createParticipant } from '../participant/create.ts';
import type { Participant } from '../participant/create.ts';
import { createLogger } from '../platform/log.ts';
import { ROOT } from './helpers.ts';

describe('schema digests at job start', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fc-schema-select-'));
  const schema = loadSchemaFile(path.join(ROOT, 'examples', 'credit', 'schema.json'));
  // The same columns with another clipping range: the rows still load, the digest differs.
  const other = { ...schema, numeric: schema.numeric.map((f, i) => (i === 0 ? { ...f, range: [0, 1] as [number, number] } : f)) };
  let coord: CoordinatorHandle;
  let members: Participant[] = [];
  let running: Promise<void>[] = [];

  beforeAll(async () => {
    const { table } = loadTable(path.join(ROOT, 'examples', 'data', 'credit_data.csv'), schema);
    coord = await startCoordinator({ port: 0, stateDir: path.join(dir, 'coord'), logLevel: 'silent' });
    members = ['lender-a', 'lender-b', 'lender-c', 'lender-d'].map((name, k) => {
      const rows = Uint32Array.from({ length: table.n }, (_, i) => i).filter((i) => i % 8 === k);
      return createParticipant({
        name, coordinator: coord.address, table: subsetTable(table, rows), schema: name === 'lender-d' ? other : schema,
        stateDir: path.join(dir, name), log: createLogger(name, 'silent'),
      });
    });
    running = members.map((p) => p.run());
    for (let i = 0; i < 200 && coord.grid.available().length < 4; i++) await new Promise((r) => setTimeout(r, 50));
    expect(coord.grid.available()).toEqual(['lender-a', 'lender-b', 'lender-c', 'lender-d']);
  });
  afterAll(async () => {
    for (const p of members) p.stop();
    await Promise.all(running);
    await coord?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function runJob(minParticipants: number): Promise<{ events: JobEvent[]; last: JobEvent }> {
    const client = new ControlClient(coord.address);
    try {
      const id = await client.submit({ name: 'schema-select', rounds: 1, minParticipants, seed: 5, evaluation: { bins: 50 }, deadlines: { waitForParticipantsMs: 60_000 } }, schema);
      const events: JobEvent[] = [];
      for await (const e of client.watch(id)) events.push(e);
      const last = events.at(-1);
      if (!last) throw new Error('no events');
      return { events, last };
    } finally {
      client.close();
    }
  }

  it('runs the job without the member whose schema differs, and says so', async () => {
    const { events, last } = await runJob(3);
    expect(last.status?.state, last.status?.error).toBe('SUCCEEDED');
    expect(last.status?.rounds.at(-1)?.participants.sort()).toEqual(['lender-a', 'lender-b', 'lender-c']);
    // Round 0's record lists it among the failures, once; the event stream says it when it happens.
    const left = (last.status?.rounds ?? []).flatMap((r) => r.failures).filter((f) => f.participant === 'lender-d');
    expect(left).toHaveLength(1);
    expect(left[0]?.stage).toBe('selection');
    expect(left[0]?.reason).toMatch(/^not selected: registered with schema digest [0-9a-f]{12}…, but the job's schema has digest [0-9a-f]{12}…$/);
    for (const m of events.map((e) => e.message).filter((x) => x.startsWith('lender-d'))) expect(m).toMatch(/^lender-d is not taking part: it registered with schema digest/);
  });

  it('fails at once, naming the member, when the quorum needs it', async () => {
    const started = Date.now();
    const { last } = await runJob(4);
    expect(last.status?.state).toBe('FAILED');
    expect(last.status?.error).toMatch(/quorum cannot be met: the job needs 4 participant\(s\), but 3 are connected .*; not selected for another schema: lender-d$/);
    // It did not wait out waitForParticipantsMs (60 s) for a third matching member.
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
