/**
 * The secure-aggregation wire serde (secagg-wire.ts) through real protobuf encoding: the signed
 * adverts, consistency request and signatures of authenticated rounds (Bonawitz et al. Fig. 5)
 * survive the round trip, and malformed signatures or signer lists are rejected at the edge.
 */
import * as protoLoader from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import type { SecAggClientMessage, SecAggTask } from '../core/round/secure-messages.ts';
import { simulateRound } from '../core/secagg/protocol/simulate.ts';
import type { GraphReveals, PeerCommitsMessage } from '../core/secagg/protocol/messages.ts';
import { randomInputs, rngFactory, testConfig, testIdentities } from '../test/support/secagg-protocol.ts';
import type { SecAggReply__Output } from './generated/fedcredit/v1/SecAggReply.ts';
import type { SecAggStep__Output } from './generated/fedcredit/v1/SecAggStep.ts';
import { PROTO_PATH } from './load.ts';
import { secaggConfigRun, secaggReplyFromWire, secaggReplyToWire, secaggStepFromWire, secaggStepToWire } from './secagg-wire.ts';

const def = protoLoader.loadSync(PROTO_PATH, { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true });
const fleet = def['fedcredit.v1.Fleet'] as protoLoader.ServiceDefinition;

/** A step as the participant decodes it from a PullTask reply. */
function overTheWire(task: SecAggTask, patch: (s: SecAggStep__Output) => void = () => {}): SecAggTask {
  const bytes = fleet.PullTask!.responseSerialize({ hasTask: true, task: { taskId: 't', secagg: secaggStepToWire(task) } });
  const step = (fleet.PullTask!.responseDeserialize(bytes) as { task: { secagg: SecAggStep__Output } }).task.secagg;
  patch(step);
  return secaggStepFromWire(step, 'alice');
}

/** A reply as the coordinator decodes it from a PushResult request. */
function replyOverTheWire(m: SecAggClientMessage, patch: (r: SecAggReply__Output) => void = () => {}): SecAggClientMessage {
  const bytes = fleet.PushResult!.requestSerialize({ session: 's', taskId: 't', secagg: secaggReplyToWire(m) });
  const reply = (fleet.PushResult!.requestDeserialize(bytes) as { secagg: SecAggReply__Output }).secagg;
  patch(reply);
  return secaggReplyFromWire(reply, m.from);
}

const IDS = ['alice', 'bob', 'carol'];
const config = testConfig(IDS, 2, { authenticated: true });
const sig = (fill: number) => new Uint8Array(64).fill(fill);
const key = (fill: number) => new Uint8Array(32).fill(fill);

describe('authenticated secure-aggregation steps on the wire', () => {
  it('carry signed peer keys, the consistency request and the unmask request with its signatures', () => {
    const keys = IDS.map((id, i) => ({ id, cPk: key(i + 1), sPk: key(i + 11), signature: sig(i + 1) }));
    expect(overTheWire({ config, message: { type: 'peer-keys', keys } })).toEqual({ config, message: { type: 'peer-keys', keys } });
    const check = { type: 'consistency-request' as const, survivors: ['alice', 'bob'], dropped: ['carol'] };
    expect(overTheWire({ config, message: check })).toEqual({ config, message: check });
    const unmask = { ...check, type: 'unmask-request' as const, signatures: [{ id: 'alice', signature: sig(1) }, { id: 'bob', signature: sig(2) }] };
    expect(overTheWire({ config, message: unmask })).toEqual({ config, message: unmask });
  });

  it('keeps unauthenticated steps as they were (no signature fields)', () => {
    const plain = testConfig(IDS, 2);
    const keys = IDS.map((id, i) => ({ id, cPk: key(i + 1), sPk: key(i + 11) }));
    expect(overTheWire({ config: plain, message: { type: 'peer-keys', keys } })).toEqual({ config: plain, message: { type: 'peer-keys', keys } });
    const unmask = { type: 'unmask-request' as const, survivors: IDS, dropped: [] };
    expect(overTheWire({ config: plain, message: unmask })).toEqual({ config: plain, message: unmask });
    expect(() => overTheWire({ config: plain, message: { ...unmask, signatures: [{ id: 'alice', signature: sig(1) }] } })).toThrow(
      /only an authenticated round carries consistency signatures/,
    );
  });

  it('rejects signatures of the wrong size, from strangers, or twice from one signer', () => {
    const keys = [{ id: 'alice', cPk: key(1), sPk: key(2), signature: sig(1) }];
    expect(() => overTheWire({ config, message: { type: 'peer-keys', keys } }, (s) => void (s.peerKeys[0]!.signature = Buffer.alloc(63)))).toThrow(/peer keys.*64 bytes/);
    expect(() => overTheWire({ config, message: { type: 'peer-keys', keys } }, (s) => void (s.peerKeys[0]!.cPk = Buffer.alloc(31)))).toThrow(/^peer keys: 0\.cPk: must be 32 bytes$/);
    expect(() => overTheWire({ config, message: { type: 'peer-keys', keys } }, (s) => void (s.peerKeys[0]!.id = ''))).toThrow(/^peer keys: 0\.id: must be a string/);
    expect(() => overTheWire({ config, message: { type: 'peer-keys', keys } }, (s) => void (s.peerKeys[0]!.graphCommit = Buffer.alloc(5)))).toThrow(/^peer keys: 0\.commit: must be 32 bytes$/);
    const unmask = (signatures: { id: string; signature: Uint8Array }[]) => ({ type: 'unmask-request' as const, survivors: IDS, dropped: [], signatures });
    expect(() => overTheWire({ config, message: unmask([{ id: 'mallory', signature: sig(1) }]) })).toThrow(/signatures.*not a participant of this round/);
    expect(() => overTheWire({ config, message: unmask([{ id: 'bob', signature: sig(1) }, { id: 'bob', signature: sig(2) }]) })).toThrow(/signs at most once/);
    expect(() => overTheWire({ config, message: unmask([{ id: 'bob', signature: sig(1) }]) }, (s) => void (s.signatures[0]!.signature = Buffer.alloc(65)))).toThrow(
      /signatures.*64 bytes/,
    );
  });
});

describe('authenticated secure-aggregation replies on the wire', () => {
  it('carry the advert signature and the consistency signature', () => {
    const advert = { type: 'advertise-keys' as const, from: 'bob', cPk: key(1), sPk: key(2), signature: sig(3) };
    expect(replyOverTheWire(advert)).toEqual(advert);
    const unsigned = { type: 'advertise-keys' as const, from: 'bob', cPk: key(1), sPk: key(2) };
    expect(replyOverTheWire(unsigned)).toEqual(unsigned);
    const signed = { type: 'consistency-signature' as const, from: 'bob', signature: sig(4) };
    expect(replyOverTheWire(signed)).toEqual(signed);
  });

  it('rejects a consistency signature that is missing or not 64 bytes', () => {
    const signed = { type: 'consistency-signature' as const, from: 'bob', signature: sig(4) };
    expect(() => replyOverTheWire(signed, (r) => void (r.signature = Buffer.alloc(0)))).toThrow(/signature.*64 bytes/);
    expect(() => replyOverTheWire(signed, (r) => void (r.signature = Buffer.alloc(32)))).toThrow(/signature.*64 bytes/);
    const advert = { type: 'advertise-keys' as const, from: 'bob', cPk: key(1), sPk: key(2), signature: sig(3) };
    expect(() => replyOverTheWire(advert, (r) => void (r.signature = Buffer.alloc(10)))).toThrow(/signature.*64 bytes/);
  });
});

describe('committed-graph steps on the wire', () => {
  const committed = testConfig(IDS, 2, { authenticated: true, graph: { kind: 'committed', k: 1 } });
  it('carry U1\'s graph commitments, the nonce replies, and every advertiser\'s nonce with the neighbours\' keys', () => {
    const commits = { type: 'peer-commits' as const, commits: IDS.map((id, i) => ({ id, commit: key(i + 21) })) };
    expect(overTheWire({ config: committed, message: commits })).toEqual({ config: committed, message: commits });
    const keys = IDS.slice(1).map((id, i) => ({ id, cPk: key(i + 1), sPk: key(i + 11), signature: sig(i + 1), commit: key(i + 21) }));
    const reveals = { type: 'graph-reveals' as const, reveals: IDS.map((id, i) => ({ id, nonce: key(i + 31) })), keys };
    expect(overTheWire({ config: committed, message: reveals })).toEqual({ config: committed, message: reveals });
    const advert = { type: 'advertise-keys' as const, from: 'bob', cPk: key(1), sPk: key(2), signature: sig(3), commit: key(4) };
    expect(replyOverTheWire(advert)).toEqual(advert);
    const nonce = { type: 'graph-nonce' as const, from: 'bob', nonce: key(5) };
    expect(replyOverTheWire(nonce)).toEqual(nonce);
  });

  it('rejects nonces and commitments that are not 32 bytes', () => {
    const nonce = { type: 'graph-nonce' as const, from: 'bob', nonce: key(5) };
    expect(() => replyOverTheWire(nonce, (r) => void (r.graphNonce = Buffer.alloc(31)))).toThrow(/graph_nonce.*32 bytes/);
    const reveals = { type: 'graph-reveals' as const, reveals: [{ id: 'alice', nonce: key(1) }], keys: [] };
    expect(() => overTheWire({ config: committed, message: reveals }, (s) => void (s.graphNonces[0]!.nonce = Buffer.alloc(33)))).toThrow(/graph nonces.*32 bytes/);
    const commits = { type: 'peer-commits' as const, commits: [{ id: 'alice', commit: key(1) }] };
    expect(() => overTheWire({ config: committed, message: commits }, (s) => void (s.graphCommits[0]!.commit = Buffer.alloc(31)))).toThrow(/graph commits.*32 bytes/);
  });
});

describe('what a member downloads to set up its keys with a committed graph', () => {
  it('is U1\'s commitments and nonces (32 bytes each) and its k neighbours\' adverts, not every advert of U1', () => {
    const ids = Array.from({ length: 150 }, (_, i) => `inst-${String(i).padStart(3, '0')}`);
    const k = 10;
    const committed = testConfig(ids, 6, { authenticated: true, graph: { kind: 'committed', k }, length: 4 });
    let commits: PeerCommitsMessage | undefined;
    let reveals: GraphReveals | undefined;
    const res = simulateRound({
      config: committed, inputs: randomInputs(ids, 4, 32, rngFactory(2)('x')), rngFor: rngFactory(3), authFor: testIdentities(ids, 4).authFor,
      intercept: {
        peerCommits: (to, m) => ((commits = to === 'inst-007' ? m : commits), m),
        graphReveals: (to, m) => ((reveals = to === 'inst-007' ? m : reveals), m),
      },
    });
    expect(res.outcome.type).toBe('result');
    // Bytes of a PullTask reply carrying the step, beyond the same reply carrying `begin` (the configuration).
    const size = (message: SecAggTask['message']) => fleet.PullTask!.responseSerialize({ hasTask: true, task: { taskId: 't', secagg: secaggStepToWire({ config: committed, message }) } }).length;
    const extra = (message: SecAggTask['message']) => size(message) - size({ type: 'begin' });
    const announced = extra(commits!);
    const revealed = extra(reveals!);
    expect(reveals!.keys).toHaveLength(k);
    // One id of 8 characters and 32 bytes, with protobuf framing, per member of U1 in each step.
    expect(announced).toBeLessThan(ids.length * 48);
    const advert = extra({ type: 'peer-keys', keys: reveals!.keys.slice(0, 1) });
    expect(revealed).toBeLessThan(ids.length * 48 + k * advert);
    // Announcing U1 with every signed advert, as protocol version 1 did, cost more than both steps now.
    const everyAdvert = extra({ type: 'peer-keys', keys: Array.from({ length: ids.length }, () => reveals!.keys[0]!) });
    expect(announced + revealed).toBeLessThan(0.6 * (everyAdvert + revealed - k * advert));
  });
});

describe('secure-sum configurations on the wire', () => {
  it('are decoded once per text: every step of a run shares one frozen configuration', () => {
    const first = overTheWire({ config, message: { type: 'begin' } }).config;
    const again = overTheWire({ config, message: { type: 'unmask-request', survivors: IDS, dropped: [] } }).config;
    expect(again).toBe(first);
    expect(first).toEqual(config);
    expect(Object.isFrozen(first) && Object.isFrozen(first.participants)).toBe(true);
    expect(() => (first.participants as string[]).push('mallory')).toThrow(TypeError);
    // Another run's text is another configuration; a malformed text still fails with the reason.
    const other = overTheWire({ config: { ...config, run: `${config.run}-2` }, message: { type: 'begin' } }).config;
    expect(other).not.toBe(first);
    expect(other.run).toBe(`${config.run}-2`);
    expect(() => overTheWire({ config, message: { type: 'begin' } }, (s) => (s.configJson = '{"run":')))
      .toThrow(/secagg config is not valid JSON/);
  });

  it('name their run for a reply\'s signature, valid or not', () => {
    expect(secaggConfigRun(JSON.stringify(config))).toBe(config.run);
    // Not a valid configuration, but JSON: the run it claims (the coordinator then names the mismatch).
    expect(secaggConfigRun(JSON.stringify({ run: 'claimed-run', threshold: -1 }))).toBe('claimed-run');
    expect(secaggConfigRun(JSON.stringify({ run: 7 }))).toBe('');
    expect(secaggConfigRun('null')).toBe('');
    expect(secaggConfigRun('{"run":')).toBe('');
  });
});
