/**
 * The implementation reproduces the checked-in protocol vectors (proto/vectors/*.json) and accepts
 * them: schema digest, signed Fleet messages (verified as the coordinator verifies them), task
 * configurations, contributions and their secure-sum encoding, and the SecAgg+ graph draw. The
 * builders rerun the real code; every comparison is against the JSON files, never against itself.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { schemaDigest } from '../../core/data/schema-digest.ts';
import { FleetAuth } from '../../coordinator/fleet-auth.ts';
import type { ParticipantEntry } from '../../coordinator/fleet-grid.ts';
import { DataSchemaSchema } from '../../core/data/schema.ts';
import { TaskConfigSchema } from '../../core/round/task-config.ts';
import { parseTask } from '../../participant/node.ts';
import type { Roster } from '../../trust/format.ts';
import { payloadDigest, verifyRequest } from '../../trust/signing.ts';
import type { WireAuth } from '../../trust/signing.ts';
import type { Task__Output } from '../generated/fedcredit/v1/Task.ts';
import { contributionFromWire } from '../tensor.ts';
import type { Tensor__Output } from '../generated/fedcredit/v1/Tensor.ts';
import { buildGraphVector } from './build-graph.ts';
import { buildSchemaVector } from './build-schema.ts';
import { buildSignedVector, signedInputs } from './build-signed.ts';
import { buildContributionVector, buildTaskVector } from './build-tasks.ts';
import { MEMBERS, NOW_MS, identityOf } from './fixtures.ts';
import type { Draw } from './json.ts';
import { VECTORS_DIR, hex, sha256, unhex } from './json.ts';
import { decodeRequest, responseRoundTrip } from './wire.ts';

// biome-ignore lint/suspicious/noExplicitAny: vector files are read as plain JSON
const load = (file: string): any => JSON.parse(readFileSync(path.join(VECTORS_DIR, file), 'utf8'));
/** The same value as it would be written to a vector file. */
const asWritten = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
/** A recorded request decoded as the coordinator's handler receives it. */
const fromWire = (method: string, wire: string) => decodeRequest('Fleet', method, unhex(wire)) as Record<string, unknown> & { auth: WireAuth & { publicKey: Uint8Array } };

describe('schema-digest.json', () => {
  const v = load('schema-digest.json');

  it('the participant digests the validated schema to the recorded digest', () => {
    expect(schemaDigest(DataSchemaSchema.parse(v.schemaFile))).toBe(v.digest);
    expect(hex(sha256(v.canonicalJson))).toBe(v.digest);
    expect(asWritten(buildSchemaVector())).toEqual(v);
  });

  it('a task carrying the schema passes the participant\'s schema check', () => {
    for (const t of load('task-configs.json').tasks) expect(schemaDigest(TaskConfigSchema.parse(JSON.parse(t.configJson)).schema)).toBe(v.digest);
    expect(v.digestOfFileAsWritten).not.toBe(v.digest);
  });

  it('writes doubles as ECMAScript does', () => {
    for (const n of v.numberFormatting) expect(JSON.stringify(Buffer.from(n.float64BigEndian, 'hex').readDoubleBE(0))).toBe(n.json);
  });
});

describe('signed-messages.json', () => {
  const v = load('signed-messages.json');
  const pk = unhex(v.identity.publicKey);
  const roster: Roster = { format: 'fedcredit-roster', version: 1, consortium: 'vectors', members: MEMBERS.map((m) => ({ name: m, role: 'bank', publicKey: hex(identityOf(m).publicKey) })), operators: [] };

  it('re-signing gives every recorded byte and signature', async () => {
    const built = buildSignedVector(await signedInputs(load('schema-digest.json').digest, load('secagg-run.json')));
    expect(asWritten(built)).toEqual(v);
    expect(hex(nacl.sign.keyPair.fromSeed(unhex(v.identity.seed)).publicKey)).toBe(v.identity.publicKey);
  });

  it('each signature verifies over the signed bytes, and the bytes bind the payload digest', () => {
    for (const m of v.messages) {
      expect(hex(sha256(unhex(m.canonicalPayload)))).toBe(m.payloadDigest);
      expect(m.signedBytes.endsWith(`00000020${m.payloadDigest}`)).toBe(true);
      expect(nacl.sign.detached.verify(unhex(m.signedBytes), unhex(m.signature), pk)).toBe(true);
      const tampered = unhex(m.signedBytes);
      tampered[tampered.length - 1]! ^= 1;
      expect(nacl.sign.detached.verify(tampered, unhex(m.signature), pk)).toBe(false);
    }
  });

  it('the coordinator accepts the decoded wire messages of this session', () => {
    const auth = new FleetAuth(roster, () => NOW_MS);
    const entry = { name: 'bank-a', session: v.session } as ParticipantEntry;
    for (const m of v.messages) {
      const decoded = fromWire(m.method, m.wire);
      expect(hex(payloadDigest(decoded))).toBe(m.payloadDigest);
      expect(hex(decoded.auth.signature)).toBe(m.signature);
      if (m.method === 'Hello') {
        expect(auth.hello({ name: 'bank-a', auth: decoded.auth as never }, undefined, decoded)).toEqual({ role: 'bank' });
        auth.bind(entry);
      } else {
        expect(verifyRequest(decoded, m.method, v.session, decoded.auth, pk)).toBe(true);
        expect(auth.message(entry, m.method, decoded.auth as never, undefined, decoded)).toBeNull();
      }
    }
    // The same messages again are replays.
    const again = fromWire('PullTask', v.messages[1].wire);
    expect(auth.message(entry, 'PullTask', again.auth as never, undefined, again)?.details).toMatch(/replayed message/);
  });
});

describe('task-configs.json', () => {
  const v = load('task-configs.json');

  it('the round engine sends exactly the recorded tasks', async () => {
    expect(asWritten(await buildTaskVector())).toEqual(v);
  });

  it('the participant accepts every task as it arrives on the wire', () => {
    for (const t of v.tasks) {
      const envelope = { taskId: 't', jobId: v.jobId, round: t.round, kind: t.kind, configJson: t.configJson, weights: t.weights ? [{ ...t.weights, data: Buffer.from(t.weights.data, 'hex') }] : [], deadlineUnixMs: NOW_MS };
      const task = responseRoundTrip('Fleet', 'PullTask', { hasTask: true, task: envelope }).decoded.task as Task__Output;
      const parsed = parseTask(task, 'bank-a');
      expect(parsed.kind).toBe(t.kind.toLowerCase());
      expect(asWritten(parsed.config)).toEqual(t.config);
      if (t.weights) expect(Array.from(parsed.weights!)).toEqual(t.weights.values);
    }
  });
});

describe('contributions.json', () => {
  const v = load('contributions.json');
  const tapes: Record<string, Draw[]> = Object.fromEntries(v.kinds.map((k: { kind: string; secure: { roundingRandomness: Draw[] } }) => [k.kind.toLowerCase(), k.secure.roundingRandomness]));

  it('reproduces every contribution, its wire form and its secure-sum encoding', async () => {
    expect(asWritten(await buildContributionVector(tapes))).toEqual(v);
  });

  it('the coordinator decodes the recorded PushResult bytes to the member\'s vectors', () => {
    for (const k of v.kinds) {
      const decoded = decodeRequest('Fleet', 'PushResult', unhex(k.wire.pushResultRequestBytes));
      const c = contributionFromWire((decoded.contribution as { vectors: Tensor__Output[] }).vectors);
      expect(Object.fromEntries(Object.entries(c).map(([n, x]) => [n, Array.from(x)]))).toEqual(k.members['bank-a']);
    }
  });
});

describe('secagg-graph.json', () => {
  const v = load('secagg-graph.json');

  it('draws the recorded graph from the recorded nonces', () => {
    expect(asWritten(buildGraphVector())).toEqual(v);
    for (const m of v.members) expect(hex(sha256(unhex(m.commitInput)))).toBe(m.commit);
    expect(hex(sha256(unhex(v.seedInput)))).toBe(v.seed);
  });
});

