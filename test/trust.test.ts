/**
 * Authenticated institutions over real gRPC with mutual TLS: a coordinator with the
 * consortium's roster, three honest participant processes started with `--credentials`, and a
 * hand-driven member (test/manual-node.ts) that tries what an attacker or a broken node would:
 * a certificate of another CA, a name or key the roster does not list, another member's name,
 * tampered and replayed messages, replies to closed tasks and replies signed for another round.
 * Each is refused with its status and reason, and the job goes on for the honest members. The
 * Control API refuses calls without the operator's token or with a participant's certificate.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startCoordinator } from '../coordinator/server.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import { createConsortium } from '../trust/certs.ts';
import { loadCredentials } from '../trust/files.ts';
import { clientCredentials } from '../trust/tls.ts';
import { ControlClient } from '../client/control-client.ts';
import { JobSpecSchema } from '../core/job.ts';
import { loadSchemaFile } from '../participant/data/load.ts';
import { ManualNode } from './manual-node.ts';
import type { Outcome } from './manual-node.ts';
import { SYNTHETIC_SCHEMA, runCli, startParticipant, stopAll, syntheticParties, tempDir } from './helpers.ts';
import type { ParticipantProcess } from './helpers.ts';

const refused = (r: Outcome, code: grpc.status, text: RegExp) => {
  expect(r.ok, JSON.stringify(r)).toBe(false);
  if (r.ok) return;
  expect(grpc.status[r.code], r.details).toBe(grpc.status[code]);
  expect(r.details).toMatch(text);
};

describe('authenticated institutions over mutual TLS', () => {
  const tmp = tempDir('trust');
  const ca = path.join(tmp.dir, 'consortium');
  const otherCa = path.join(tmp.dir, 'other-consortium');
  const parties = syntheticParties(tmp.dir, 0.15, 11);
  const creds = (name: string) => loadCredentials(path.join(ca, 'participants', name), 'participant');
  let coord: CoordinatorHandle;
  let parts: ParticipantProcess[] = [];
  const nodes: ManualNode[] = [];
  const manual = (name: string, identityOf = name, from = ca) => {
    const c = loadCredentials(path.join(from, 'participants', name), 'participant');
    const id = identityOf === name ? c.identity : loadCredentials(path.join(from, 'participants', identityOf), 'participant').identity;
    const n = new ManualNode(coord.address, name, id, clientCredentials(c));
    nodes.push(n);
    return n;
  };

  beforeAll(async () => {
    const members = [...parties.map((p) => ({ name: p.name, role: p.name === 'platform' ? ('platform' as const) : p.name === 'customs' ? ('customs' as const) : ('bank' as const) })), { name: 'bank-d', role: 'bank' as const }, { name: 'mallory', role: 'bank' as const }];
    const made = await createConsortium({ out: ca, participants: members, operators: ['alice'] });
    await createConsortium({ out: otherCa, participants: [{ name: 'bank-d', role: 'bank' }], operators: ['alice'] });
    // mallory holds a certificate of the consortium CA but is not (or no longer) in the coordinator's roster.
    const roster = { ...made.roster, members: made.roster.members.filter((m) => m.name !== 'mallory') };
    const c = loadCredentials(path.join(ca, 'coordinator'), 'coordinator');
    coord = await startCoordinator({
      port: 0, stateDir: path.join(tmp.dir, 'coord'), logLevel: 'silent', heartbeatIntervalMs: 250, heartbeatTimeoutMs: 5000,
      tls: { ca: c.ca, cert: c.cert, key: c.key }, roster,
    });
    parts = parties.map((p) => startParticipant(p.name, p.path, coord.address, SYNTHETIC_SCHEMA, ['--credentials', path.join(ca, 'participants', p.name)]));
    for (let i = 0; i < 300 && coord.grid.available().length < parties.length; i++) await new Promise((r) => setTimeout(r, 100));
    expect(coord.grid.available(), parts.map((p) => p.output()).join('\n')).toEqual(parties.map((p) => p.name).sort());
  }, 60_000);
  afterAll(async () => {
    for (const n of nodes) n.close();
    await stopAll(parts);
    await coord?.stop();
    tmp.cleanup();
  });

  it('refuses certificates of another CA and plaintext clients: the handshake fails', async () => {
    const other = manual('bank-d', 'bank-d', otherCa);
    refused(await other.hello(), grpc.status.UNAVAILABLE, /./);
    const plain = new ManualNode(coord.address, 'bank-d', creds('bank-d').identity);
    nodes.push(plain);
    refused(await plain.hello(), grpc.status.UNAVAILABLE, /./);
    expect(coord.grid.available()).not.toContain('bank-d');
  });

  it('refuses a name the roster does not list, a key it does not list, and another member\'s name', async () => {
    refused(await manual('mallory').hello(), grpc.status.PERMISSION_DENIED, /"mallory" is not a member of consortium/);
    // bank-d's certificate, but mallory's identity key: an unknown key for bank-d.
    refused(await manual('bank-d', 'mallory').hello(), grpc.status.PERMISSION_DENIED, /signed with key .* which the roster does not list for bank-d/);
    // bank-d's certificate, claiming to be bank-a (even with bank-a's identity key).
    const impostor = new ManualNode(coord.address, 'bank-a', creds('bank-a').identity, clientCredentials(creds('bank-d')));
    nodes.push(impostor);
    refused(await impostor.hello(), grpc.status.PERMISSION_DENIED, /certificate was issued to "bank-d", but the message claims to come from "bank-a"/);
    // Unsigned.
    const d = manual('bank-d');
    refused(await d.call('hello', d.helloRequest()), grpc.status.UNAUTHENTICATED, /is not signed/);
    expect(coord.grid.available()).not.toContain('mallory');
    expect(coord.grid.available()).not.toContain('bank-d');
  });

  it('refuses tampered signatures and replayed messages', async () => {
    const d = manual('bank-d');
    const signed = d.sign('Hello', d.helloRequest());
    refused(await d.call('hello', { ...signed, schemaDigest: 'tampered' }), grpc.status.UNAUTHENTICATED, /signature does not verify/);
    const flipped = Buffer.from(signed.auth.signature);
    flipped[7]! ^= 1;
    refused(await d.call('hello', { ...signed, auth: { ...signed.auth, signature: flipped } }), grpc.status.UNAUTHENTICATED, /signature does not verify/);
    const ok = await d.call('hello', signed);
    expect(ok.ok, JSON.stringify(ok)).toBe(true);
    refused(await d.call('hello', signed), grpc.status.UNAUTHENTICATED, /replayed Hello/);
    if (!ok.ok) return;
    d.session = ok.reply.session as string;
    const beat = d.sign('Heartbeat', { session: d.session });
    expect((await d.call('heartbeat', beat)).ok).toBe(true);
    refused(await d.call('heartbeat', beat), grpc.status.UNAUTHENTICATED, /replayed message: sequence number 1/);
    refused(await d.call('heartbeat', { ...beat, auth: { ...beat.auth, sequence: 2 } }), grpc.status.UNAUTHENTICATED, /signature does not verify/);
    // A message signed by another member's key for this session.
    const other = d.sign('Heartbeat', { session: d.session }, {}, creds('bank-a').identity);
    refused(await d.call('heartbeat', other), grpc.status.UNAUTHENTICATED, /signature does not verify/);
    expect(coord.grid.available()).toContain('bank-d');
  });

  it('refuses stale replies and replies signed for another round; the job goes on for the honest members', async () => {
    const d = manual('bank-d');
    expect((await d.hello()).ok).toBe(true);
    const jobFile = path.join(tmp.dir, 'job.json');
    writeFileSync(jobFile, JSON.stringify({
      name: 'trust', schema: SYNTHETIC_SCHEMA, rounds: 2, minParticipants: 4, evaluation: { bins: 50 },
      deadlines: { waitForParticipantsMs: 10_000, stageMs: 30_000 }, secureAggregation: { stepMs: 3000 },
    }));
    const run = runCli(['run', '--coordinator', coord.address, '--credentials', path.join(ca, 'operators', 'alice'), '--job', jobFile, '--json'], 180_000);
    // bank-d takes its first task and sits on it past the step deadline: its reply is then stale.
    const first = await d.pullTask(60_000);
    if (!first) {
      const r = await run;
      expect.fail(`no task reached bank-d; fedcredit run: ${r.code} ${r.stdout} ${r.stderr}`);
    }
    expect(first?.secagg?.message).toBe('begin');
    for (let i = 0; i < 5; i++) {
      // Alive (signed heartbeats) but silent on the task.
      await new Promise((r) => setTimeout(r, 800));
      const beat = await d.call('heartbeat', d.sign('Heartbeat', { session: d.session }));
      expect(beat.ok && beat.reply.known, JSON.stringify(beat)).toBe(true);
    }
    refused(await d.call('pushResult', d.refusal(first!)), grpc.status.FAILED_PRECONDITION, /stale reply from bank-d: task .* is closed \(deadline\)/);
    // The next task: a reply signed for another round, then for another stage, then a replay.
    const next = await d.pullTask(30_000);
    if (!next) {
      const r = await run;
      expect.fail(`no second task reached bank-d; fedcredit run: ${r.code} ${r.stdout} ${r.stderr}`);
    }
    refused(await d.call('pushResult', d.refusal(next!, { round: next!.round + 7 })), grpc.status.FAILED_PRECONDITION, /stale round: bank-d signed this reply for round/);
    refused(await d.call('pushResult', d.refusal(next!, { stage: 'train/unmask-request' })), grpc.status.FAILED_PRECONDITION, /signed this reply for stage "train\/unmask-request"/);
    refused(await d.call('pushResult', d.refusal(next!, { run: 'another-run' })), grpc.status.FAILED_PRECONDITION, /signed this reply for run "another-run"/);
    // A refusal signed without a run (a node that could not read the step's configuration) is accepted.
    const good = d.refusal(next!, { run: '' });
    const accepted = await d.call('pushResult', good);
    expect(accepted.ok, JSON.stringify(accepted)).toBe(true);
    refused(await d.call('pushResult', good), grpc.status.UNAUTHENTICATED, /replayed message/);
    d.close();

    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { state: string; federated: { auc: number }; guarantee: string; secureAggregation: { authenticated: boolean } };
    expect(summary.state).toBe('SUCCEEDED');
    // Every secure sum ran with signed key adverts and the consistency check, and the guarantee says so.
    expect(summary.secureAggregation.authenticated).toBe(true);
    expect(summary.guarantee).toMatch(/consistency check of the survivor set/);
    expect(summary.federated.auc).toBeGreaterThan(0.6);
    const jobId = (JSON.parse(r.stdout) as { jobId: string }).jobId;
    const shown = await runCli(['status', '--coordinator', coord.address, '--credentials', path.join(ca, 'operators', 'alice'), '--job', jobId], 30_000);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`job ${jobId} \\(trust\\): SUCCEEDED, 2/2 rounds`));
    // How long each step of the last round's authenticated secure sum took, consistency check included.
    expect(shown.stdout).toMatch(/round 2 secure sum steps: advertise-keys \d+\.\d\d s, share-keys \d+\.\d\d s, masked-input \d+\.\d\d s, consistency-signature \d+\.\d\d s, unmasking \d+\.\d\d s \(\d+\.\d\d s in all\)/);
    const status = coord.jobs.get(jobId)!;
    const last = status.rounds.at(-1)!;
    expect(last.participants.sort()).toEqual(parties.map((p) => p.name).sort());
    const failures = status.rounds.flatMap((x) => x.failures).filter((f) => f.participant === 'bank-d');
    expect(failures.length).toBeGreaterThan(0);
  }, 180_000);

  it('the Control API needs the operator\'s token, and an operator certificate', async () => {
    const op = loadCredentials(path.join(ca, 'operators', 'alice'), 'operator');
    const list = async (opts: ConstructorParameters<typeof ControlClient>[1]): Promise<Outcome> => {
      const c = new ControlClient(coord.address, opts);
      try {
        return { ok: true, reply: { names: (await c.participants()).map((p) => p.name) } };
      } catch (e) {
        return { ok: false, code: (e as grpc.ServiceError).code, details: (e as grpc.ServiceError).details };
      } finally {
        c.close();
      }
    };
    const tls = clientCredentials(op);
    refused(await list({ credentials: tls }), grpc.status.UNAUTHENTICATED, /requires an operator token/);
    refused(await list({ credentials: tls, token: 'not-the-token' }), grpc.status.UNAUTHENTICATED, /not listed in the coordinator's roster/);
    refused(await list({ credentials: clientCredentials(creds('bank-a')), token: op.token }), grpc.status.PERMISSION_DENIED, /issued to "bank-a", not to operator "alice"/);
    const watcher = new ControlClient(coord.address, { credentials: tls });
    await expect(watcher.follow('any-job', () => undefined)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    watcher.close();
    const ok = await list({ credentials: tls, token: op.token });
    expect(ok.ok && ok.reply.names).toEqual(expect.arrayContaining(parties.map((p) => p.name)));
    const cli = await runCli(['participants', '--coordinator', coord.address, '--credentials', path.join(ca, 'operators', 'alice'), '--json'], 30_000);
    expect(cli.code, cli.stderr).toBe(0);
    // The audit log names the identity key each member joined with (the roster's).
    const joined = readFileSync(path.join(tmp.dir, 'coord', 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((r) => r.kind === 'participant-joined' && r.participant === 'bank-a');
    expect(joined.length).toBeGreaterThan(0);
    expect(joined.every((r) => r.identityKey === Buffer.from(creds('bank-a').identity.publicKey).toString('hex') && r.role === 'bank')).toBe(true);
    const noCreds = await runCli(['participants', '--coordinator', coord.address], 30_000);
    expect(noCreds.code).toBe(2);
    expect(noCreds.stderr).toMatch(/pass --credentials DIR .* or --insecure/);
  });

  it('carries later rounds\' signed key setup in earlier sums\' steps (keysAhead): every round takes three signed round trips', async () => {
    const op = loadCredentials(path.join(ca, 'operators', 'alice'), 'operator');
    const control = new ControlClient(coord.address, { credentials: clientCredentials(op), token: op.token });
    try {
      const job = JobSpecSchema.parse({
        name: 'trust-keys-ahead', rounds: 3, minParticipants: parties.length, participants: parties.map((p) => p.name), evaluation: { bins: 50, carried: true },
        deadlines: { waitForParticipantsMs: 10_000, stageMs: 30_000 }, secureAggregation: { stepMs: 5000, keysAhead: 2 },
      });
      const jobId = await control.submit(job, loadSchemaFile(SYNTHETIC_SCHEMA));
      const final = await control.follow(jobId, () => undefined);
      expect(final.error).toBe('');
      expect(final.state).toBe('SUCCEEDED');
      const stepsOf = (round: number) => final.rounds.find((r) => r.round === round)!.secure!.steps.map((x) => x.step);
      // The statistics sum set up rounds 1 and 2, round 1's sum round 3.
      for (const round of [1, 2, 3]) expect(stepsOf(round)).toEqual(['masked-input', 'consistency-signature', 'unmasking']);
      expect(final.rounds.filter((r) => r.round >= 1).map((r) => r.secure!.keysSetUpIn)).toEqual([0, 0, 1]);
      expect(final.rounds.every((r) => r.secure!.authenticated)).toBe(true);
      expect(final.rounds.filter((r) => r.round >= 1).every((r) => r.participants.length === parties.length && r.failures.length === 0)).toBe(true);
    } finally {
      control.close();
    }
  }, 120_000);
});
