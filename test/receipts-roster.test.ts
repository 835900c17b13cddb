/**
 * Privacy receipts pinned to the consortium roster, over real gRPC on 127.0.0.1: a coordinator
 * with a roster and four in-process participant nodes running the production handler chain
 * (secure aggregation, record-level DP, ledgers and receipts on disk). Three sign their receipts
 * with their identity keys, as every node with an identity does; the fourth is a member that
 * re-signs each receipt under a fresh key it embeds (a valid signature under that key). Its
 * reply is rejected at delivery and its task fails with the reason, the round goes on with the
 * honest members, and the Control API, the audit log (`audit verify`) and `verify-receipts`
 * check every receipt against the roster's key — never against the key a receipt embeds.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nacl from 'tweetnacl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoordinator } from '../coordinator/server.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import { createLogger } from '../platform/log.ts';
import { verifyAuditLog } from '../coordinator/audit-format.ts';
import { AUDIT_LOG_FILE } from '../coordinator/audit-log.ts';
import { ControlClient } from '../client/control-client.ts';
import { schemaDigest } from '../core/data/schema-digest.ts';
import { roleOf } from '../cli/sim-consortium.ts';
import { verifyReceiptsCommand } from '../cli/verify-receipts-cmd.ts';
import { JobSpecSchema } from '../core/job.ts';
import { joinCarriedReceipts, splitCarriedReceipt } from '../core/round/carried-evaluation.ts';
import { rankStatistics } from '../core/metrics/histogram.ts';
import { canonicalJson, receiptHash } from '../core/privacy/receipt-format.ts';
import type { SignedReceipt } from '../core/privacy/receipt-format.ts';
import { loadSchemaFile, loadTable } from '../participant/data/load.ts';
import { chain, errorToRefusalMod, schemaCheckMod } from '../participant/handler.ts';
import type { Mod } from '../participant/handler.ts';
import { localHandler } from '../participant/local-handler.ts';
import { ParticipantNode } from '../participant/node.ts';
import { openNodePrivacy } from '../participant/privacy/node-privacy.ts';
import { receiptsPath } from '../participant/privacy/ledger-file.ts';
import { secAggMod } from '../participant/secagg-mod.ts';
import { initBackend } from '../participant/trainer/backend.ts';
import { RosterSchema, identityFileFromSeed, identityFromFile, memberKeys } from '../trust/format.ts';
import type { Identity } from '../trust/format.ts';
import { operatorTokenHash } from '../trust/files.ts';
import { SYNTHETIC_SCHEMA, syntheticParties, tempDir } from './helpers.ts';

const FORGER = 'customs';
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The statement of `signed` under a fresh key that the receipt now embeds: its own signature is valid. */
function reSign(signed: SignedReceipt): SignedReceipt {
  const kp = nacl.sign.keyPair();
  const signature = Buffer.from(nacl.sign.detached(Buffer.from(canonicalJson(signed.receipt), 'utf8'), kp.secretKey)).toString('base64');
  return { receipt: signed.receipt, signature, publicKey: hex(kp.publicKey) };
}

/** A whole receipt log re-signed under one fresh key, its hash chain recomputed: valid under that key. */
function reSignChain(list: SignedReceipt[]): SignedReceipt[] {
  const kp = nacl.sign.keyPair();
  const out: SignedReceipt[] = [];
  for (const signed of list) {
    const receipt = { ...signed.receipt, previousReceiptHash: out.length ? receiptHash(out[out.length - 1]) : null };
    const signature = Buffer.from(nacl.sign.detached(Buffer.from(canonicalJson(receipt), 'utf8'), kp.secretKey)).toString('base64');
    out.push({ receipt, signature, publicKey: hex(kp.publicKey) });
  }
  return out;
}

/** A member that replaces each receipt it sends by one re-signed under a key of its own. */
const forgeReceipts = (forgedKeys: string[]): Mod => (next) => async (task) => {
  const r = await next(task);
  if ('refusal' in r || !r.receipt) return r;
  const forge = (json: string) => {
    const forged = reSign(JSON.parse(json) as SignedReceipt);
    forgedKeys.push(forged.publicKey);
    return JSON.stringify(forged);
  };
  // A train task that carries an evaluation sends both receipts in one envelope: both are re-signed.
  if (task.config.evaluates !== undefined) {
    const { evaluation, train } = splitCarriedReceipt(r.receipt);
    return { ...r, receipt: joinCarriedReceipts(evaluation && forge(evaluation), train && forge(train))! };
  }
  return { ...r, receipt: forge(r.receipt) };
};

describe('privacy receipts pinned to the roster', () => {
  const tmp = tempDir('receipts-roster');
  const parties = syntheticParties(tmp.dir, 0.15, 11);
  const schema = loadSchemaFile(SYNTHETIC_SCHEMA);
  const ids = new Map<string, Identity>(parties.map((p) => [p.name, identityFromFile(identityFileFromSeed(p.name, roleOf(p.name), randomBytes(32)))]));
  const keyOf = (name: string) => hex(ids.get(name)!.publicKey);
  const token = randomBytes(24).toString('hex');
  const roster = RosterSchema.parse({
    format: 'fedcredit-roster', version: 1, consortium: 'receipts-test',
    members: parties.map((p) => ({ name: p.name, role: roleOf(p.name), publicKey: keyOf(p.name) })),
    operators: [{ name: 'alice', tokenSha256: operatorTokenHash(token) }],
  });
  const rosterFile = path.join(tmp.dir, 'roster.json');
  const nodeDir = (name: string) => path.join(tmp.dir, 'nodes', name);
  const forgedKeys: string[] = [];
  const nodes: ParticipantNode[] = [];
  const runs: Promise<void>[] = [];
  let coord: CoordinatorHandle;
  let control: ControlClient;

  beforeAll(async () => {
    writeFileSync(rosterFile, JSON.stringify(roster));
    await initBackend();
    coord = await startCoordinator({ port: 0, stateDir: path.join(tmp.dir, 'coord'), logLevel: 'silent', heartbeatIntervalMs: 250, heartbeatTimeoutMs: 10_000, roster });
    const digest = schemaDigest(schema);
    for (const p of parties) {
      const identity = ids.get(p.name)!;
      const privacy = openNodePrivacy(p.name, nodeDir(p.name), { epsilon: 100, delta: 1e-5 }, identity);
      const handler = chain(localHandler(p.name, loadTable(p.path, schema).table, undefined, privacy), [
        ...(p.name === FORGER ? [forgeReceipts(forgedKeys)] : []),
        errorToRefusalMod,
        schemaCheckMod(digest, schemaDigest),
        secAggMod({ name: p.name, identity: { secretKey: identity.secretKey, peers: memberKeys(roster) } }),
      ]);
      const node = new ParticipantNode({ coordinator: coord.address, name: p.name, role: identity.role, schemaDigest: digest, handler, log: createLogger(p.name, 'silent'), identity });
      nodes.push(node);
      runs.push(node.run());
    }
    control = new ControlClient(coord.address, { token });
    for (let i = 0; i < 300 && coord.grid.available().length < parties.length; i++) await new Promise((r) => setTimeout(r, 100));
    expect(coord.grid.available()).toEqual(parties.map((p) => p.name).sort());
  }, 60_000);
  afterAll(async () => {
    for (const n of nodes) n.stop();
    await Promise.allSettled(runs);
    control?.close();
    await coord?.stop();
    tmp.cleanup();
  });

  it('rejects a receipt signed with a non-roster key, counts only receipts signed with roster keys, and audit verify agrees', async () => {
    // Record-level DP with one full-batch step per round: fast, with a receipt from every trainer.
    const job = JobSpecSchema.parse({
      name: 'pinned', rounds: 1, minParticipants: 3, seed: 3, train: { batchSize: 100_000, learningRate: 0.5 }, evaluation: { bins: 50 },
      privacy: { mode: 'record', noiseMultiplier: 4, delta: 1e-5, clipNorm: 1 },
    });
    const final = await control.follow(await control.submit(job, schema), () => undefined);
    expect(final.state, final.error).toBe('SUCCEEDED');
    const honest = parties.map((p) => p.name).filter((n) => n !== FORGER).sort();
    const r1 = final.rounds.find((r) => r.round === 1)!;

    // The forger's replies (its noised statistics, its update, its noised evaluation) were rejected at
    // delivery, with the reason; the rounds went on without it.
    expect(forgedKeys).toHaveLength(3);
    expect(r1.participants.sort()).toEqual(honest);
    const rejected = (key: string) =>
      `malformed reply rejected: privacy receipt of ${FORGER} is signed with key ${key}, not with the roster's key for ${FORGER}, ${keyOf(FORGER)}: a receipt signed with any other key is invalid`;
    expect(r1.failures.filter((f) => f.participant === FORGER).map((f) => f.reason)).toEqual([rejected(forgedKeys[1]!), rejected(forgedKeys[2]!)]);
    // The Control API counts the honest receipts (update and evaluation), each signed with the participant's roster (identity) key.
    expect([...new Set(r1.privacy.map((p) => p.participant))].sort()).toEqual(honest);
    expect(r1.privacy.map((p) => p.stage).sort()).toEqual([...honest.map(() => 'evaluate'), ...honest.map(() => 'train')]);
    for (const p of r1.privacy) {
      expect(p).toMatchObject({ signatureValid: true, verifiedAgainstRoster: true, signerPublicKey: keyOf(p.participant) });
      expect((JSON.parse(p.receiptJson) as SignedReceipt).publicKey).toBe(keyOf(p.participant));
    }
    expect(r1.invalidReceipts).toEqual([]);
    expect(final.guarantee).toContain('each verified against the key the consortium roster lists for that participant');
    // The status carries the latest evaluation's summed histogram: under record-level DP the noised
    // one the coordinator read its metrics from (the AUC is its Mann–Whitney statistic, limited to [0, 1]).
    const h = r1.scoreHistogram!;
    expect(h).toMatchObject({ bins: 50, noised: true });
    // (NaN both when the noise leaves a class total at or below zero: the rows here are few.)
    const recomputed = Math.min(1, Math.max(0, rankStatistics([...h.negatives, ...h.positives], 50).auc));
    if (Number.isNaN(r1.metrics!.auc)) expect(recomputed).toBeNaN();
    else expect(recomputed).toBeCloseTo(r1.metrics!.auc, 12);
    expect(final.rounds.filter((r) => r.scoreHistogram !== null).map((r) => r.round)).toEqual([1]);
    // Nodes with an identity sign their receipts with it: the key on disk is the roster's.
    for (const name of honest) {
      const onDisk = readFileSync(receiptsPath(nodeDir(name)), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as SignedReceipt);
      expect([...new Set(onDisk.map((r) => r.publicKey))]).toEqual([keyOf(name)]);
    }

    // A stored receipt that does not verify against the roster (a tampered store, or a round kept from
    // a run without this roster) is listed as invalid, never counted as spend.
    const rec = coord.jobs.get(final.jobId)!;
    const at = rec.rounds.findIndex((r) => r.round === 1);
    const stored = rec.rounds[at]!;
    const forged = reSign(JSON.parse(stored.receipts!['bank-a']!) as SignedReceipt);
    rec.rounds[at] = { ...stored, receipts: { ...stored.receipts, 'bank-a': JSON.stringify(forged) } };
    const tampered = (await control.status(final.jobId)).rounds.find((r) => r.round === 1)!;
    rec.rounds[at] = stored;
    expect(tampered.privacy.filter((p) => p.stage === 'train').map((p) => p.participant).sort()).toEqual(honest.filter((n) => n !== 'bank-a'));
    expect(tampered.invalidReceipts).toEqual([
      { participant: 'bank-a', reason: `privacy receipt of bank-a is signed with key ${forged.publicKey}, not with the roster's key for bank-a, ${keyOf('bank-a')}: a receipt signed with any other key is invalid` },
    ]);

    // The audit log holds only the receipts that verified, and they verify against the roster.
    const log = readFileSync(path.join(tmp.dir, 'coord', AUDIT_LOG_FILE));
    const keys = new Map(roster.members.map((m) => [m.name, m.publicKey]));
    // Three honest members, each with its statistics, update and evaluation receipts.
    expect(verifyAuditLog(log, { checkReceipts: true, roster: { keys, name: rosterFile } })).toMatchObject({ ok: true, problems: [], receiptsVerified: 9, receiptsUnpinned: 0 });
    expect(verifyAuditLog(log, { checkReceipts: true })).toMatchObject({ ok: true, receiptsVerified: 9, keysFrom: 'log' });
  }, 120_000);

  it('verify-receipts pins a participant\'s receipts to its roster key, and says when a key came from the state dir', () => {
    const receipts = receiptsPath(nodeDir('bank-a'));
    const run = (o: { roster?: string; participant?: string; publicKey?: string }, file = receipts) => {
      const out: string[] = [];
      const code = verifyReceiptsCommand({ receipts: file, json: false, ...o }, (l) => out.push(l));
      return { code, text: out.join('\n') };
    };
    const pinned = run({ roster: rosterFile, participant: 'bank-a' });
    expect(pinned.code, pinned.text).toBe(0);
    expect(pinned.text).toContain(`key: ${keyOf('bank-a')} — the key the roster ${rosterFile} lists for bank-a`);
    // bank-a's receipts are not bank-b's.
    expect(run({ roster: rosterFile, participant: 'bank-b' }).code).toBe(1);
    const own = run({});
    expect(own.code, own.text).toBe(0);
    expect(own.text).toContain('taken from the participant\'s own state dir, NOT from a roster');
    // A copy re-signed under a fresh key it embeds passes a check against that key, and fails against the roster.
    const forged = path.join(tmp.dir, 'forged.jsonl');
    const lines = reSignChain(readFileSync(receipts, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as SignedReceipt));
    writeFileSync(forged, lines.map((l) => canonicalJson(l)).join('\n') + '\n');
    expect(run({ publicKey: lines[0]!.publicKey }, forged).code).toBe(0);
    const bad = run({ roster: rosterFile, participant: 'bank-a' }, forged);
    expect(bad.code).toBe(1);
    expect(bad.text).toMatch(/^BAD #0 .*names the public key [0-9a-f]{12}…, not the expected/m);
    expect(() => run({ roster: rosterFile })).toThrow(/--roster and --participant go together/);
  });
  it('a training stage that carries the previous evaluation delivers both receipts, each checked against the roster for its own round', async () => {
    const job = JobSpecSchema.parse({
      name: 'pinned-carried', rounds: 2, minParticipants: 3, seed: 4, train: { batchSize: 100_000, learningRate: 0.5 }, evaluation: { bins: 50, carried: true },
      privacy: { mode: 'record', noiseMultiplier: 4, delta: 1e-5, clipNorm: 1 },
    });
    const before = forgedKeys.length;
    const final = await control.follow(await control.submit(job, schema), () => undefined);
    expect(final.state, final.error).toBe('SUCCEEDED');
    const honest = parties.map((p) => p.name).filter((n) => n !== FORGER).sort();
    for (const round of [1, 2]) {
      const r = final.rounds.find((x) => x.round === round)!;
      expect(r.privacy.map((p) => p.stage).sort(), `round ${round}`).toEqual([...honest.map(() => 'evaluate'), ...honest.map(() => 'train')]);
      for (const p of r.privacy) expect(p).toMatchObject({ signatureValid: true, verifiedAgainstRoster: true, signerPublicKey: keyOf(p.participant) });
      expect(r.invalidReceipts).toEqual([]);
    }
    // Round 2's training carried round 1's evaluation: the forger's envelope held two re-signed
    // receipts, and the first checked (its evaluation's) was rejected at delivery.
    const carriedKeys = forgedKeys.slice(before + 2, before + 4);
    expect(carriedKeys).toHaveLength(2);
    const r2 = final.rounds.find((x) => x.round === 2)!;
    expect(r2.failures.filter((f) => f.participant === FORGER).map((f) => f.reason)).toContainEqual(
      `malformed reply rejected: privacy receipt of ${FORGER} is signed with key ${carriedKeys[0]}, not with the roster's key for ${FORGER}, ${keyOf(FORGER)}: a receipt signed with any other key is invalid`,
    );
    const log = readFileSync(path.join(tmp.dir, 'coord', AUDIT_LOG_FILE));
    expect(verifyAuditLog(log, { checkReceipts: true, roster: { keys: new Map(roster.members.map((m) => [m.name, m.publicKey])), name: rosterFile } })).toMatchObject({ ok: true, problems: [] });
  }, 120_000);
});
