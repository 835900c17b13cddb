/**
 * A vertical job over the real Fleet and Control services: a coordinator and three vertical nodes
 * (bank with the label, platform, customs) in this process over gRPC on loopback. The job is
 * submitted with the Control client, watched to the end, and its status carries the joint
 * model's held-out metrics, the intersection counts and the guarantee text; the model cannot be
 * downloaded from the coordinator, and a party that is not connected fails the job naming it.
 * The label holder then scores applicants over the Fleet; with a party down the score fails
 * naming it, or falls back to the declared reduced model when asked.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { AUDIT_LOG_FILE } from '../coordinator/audit-log.ts';
import { verifyAuditLog } from '../coordinator/audit-format.ts';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient } from '../client/control-client.ts';
import type { JobEvent } from '../client/control-client.ts';
import { startCoordinator } from '../coordinator/server.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import { createVerticalNode, type VerticalNode } from '../participant/vertical/create.ts';
import { verticalPartyData } from '../participant/vertical/table.ts';
import { createLogger } from '../platform/log.ts';
import { generateVerticalConsortium } from '../sim/synthetic/vertical.ts';

describe('a vertical job over gRPC', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fc-vertical-'));
  const c = generateVerticalConsortium({ seed: 3, scale: 0.3 });
  let coord: CoordinatorHandle;
  let nodes: VerticalNode[] = [];
  let running: Promise<void>[] = [];
  const job = { partition: 'vertical' as const, name: 'vertical-e2e', labelHolder: 'bank', featureParties: ['platform', 'customs'], ids: { form: 'alnum' as const }, train: { epochs: 4, batchSize: 128 } };

  beforeAll(async () => {
    coord = await startCoordinator({ port: 0, stateDir: path.join(dir, 'coord'), logLevel: 'silent' });
    const table = (t: typeof c.bank, label?: string) => verticalPartyData(t.header, t.rows, { idColumn: t.idColumn, ...(label ? { labelColumn: label } : {}) });
    nodes = [
      ['bank', table(c.bank, 'default')],
      ['platform', table(c.platform)],
      ['customs', table(c.customs)],
    ].map(([name, data]) => createVerticalNode({ name: name as string, data: data as ReturnType<typeof table>, salt: 'e2e-salt', coordinator: coord.address, log: createLogger(name as string, 'silent'), pollWaitMs: 2000 }));
    running = nodes.map((n) => n.run());
    for (let i = 0; i < 200 && coord.grid.available().length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    expect(coord.grid.available()).toEqual(['bank', 'customs', 'platform']);
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await Promise.all(running);
    await coord?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function watch(client: ControlClient, id: string): Promise<JobEvent[]> {
    const events: JobEvent[] = [];
    for await (const e of client.watch(id)) events.push(e);
    return events;
  }

  it('trains the joint model and reports what the coordinator may know', async () => {
    const client = new ControlClient(coord.address);
    try {
      const id = await client.submitVertical(job);
      const events = await watch(client, id);
      const last = events.at(-1)!.status!;
      expect(last.state, last.error).toBe('SUCCEEDED');
      expect(last.aggregation).toBe('vertical');
      const o = JSON.parse(last.verticalJson) as { psi: { shared: Record<string, number> }; labelHolderOnly: { auc: number }; rows: { aligned: number } };
      expect(o.rows.aligned).toBe(c.bank.rows.length);
      expect(o.psi.shared.platform).toBeGreaterThan(0.7 * c.bank.rows.length);
      expect(o.psi.shared.customs).toBeGreaterThan(0.2 * c.bank.rows.length);
      const auc = last.rounds[0]!.metrics!.auc;
      expect(auc).toBeGreaterThan(o.labelHolderOnly.auc + 0.03);
      expect(last.guarantee).toMatch(/two additive shares/);
      expect(events.some((e) => /training: epoch 4 of 4/.test(e.message))).toBe(true);
      // Each party keeps its part of the model; the coordinator has none to give.
      expect(nodes[0]!.party.modelPart(id)?.columns[0]).toBe('(intercept)');
      expect(nodes[2]!.party.modelPart(id)?.columns.at(-1)).toBe('(has_record)');
      await expect(client.fetchModel(id)).rejects.toThrow(/vertical job: there is no single model/);
      expect((await client.status(id)).state).toBe('SUCCEEDED');
      trained = id;
      // The audit log records the job's submission and its end, and stays one valid chain.
      const audit = verifyAuditLog(readFileSync(path.join(dir, 'coord', AUDIT_LOG_FILE)));
      expect(audit.ok, JSON.stringify(audit.problems)).toBe(true);
      expect(audit.jobs.find((j) => j.jobId === id)?.state).toBe('SUCCEEDED');
    } finally {
      client.close();
    }
  });

  let trained = '';
  const applicants = () => ({ header: c.bank.header, rows: c.bank.rows.slice(0, 200) });

  it('scores applicants at the label holder with every party\'s part', async () => {
    const r = await nodes[0]!.score(trained, applicants(), c.bank.idColumn);
    expect(r.unavailable).toEqual([]);
    expect(r.applicants).toHaveLength(200);
    expect(r.applicants.every((a) => a.model === 'joint' && a.score > 0 && a.score < 1)).toBe(true);
    await expect(nodes[1]!.score(trained, applicants(), c.bank.idColumn)).rejects.toThrow(/only the label holder/);
  });

  it('fails naming a party that is down, or falls back to the declared reduced model when asked', async () => {
    await nodes[2]!.stop();
    await expect(nodes[0]!.score(trained, applicants(), c.bank.idColumn, { deadlineMs: 400 })).rejects.toThrow(/party "customs": no reply within the 400 ms/);
    const r = await nodes[0]!.score(trained, applicants(), c.bank.idColumn, { deadlineMs: 400, fallback: 'label-holder-only' });
    expect(r.unavailable).toEqual(['customs']);
    expect(r.applicants.every((a) => a.model === 'label-holder-only')).toBe(true);
  });

  it('fails at once, naming the party, when one is not connected', async () => {
    const client = new ControlClient(coord.address);
    try {
      const id = await client.submitVertical({ ...job, featureParties: ['platform', 'telco'], deadlines: { waitForParticipantsMs: 300 } });
      const last = (await watch(client, id)).at(-1)!.status!;
      expect(last.state).toBe('FAILED');
      expect(last.error).toMatch(/party "telco" did not connect within 300 ms/);
    } finally {
      client.close();
    }
  });
});
