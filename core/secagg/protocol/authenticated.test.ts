/**
 * The active-adversary variant of Bonawitz et al. (CCS 2017, Fig. 5): signed key adverts checked
 * against each client's local roster, and the ConsistencyCheck between MaskedInputCollection and
 * Unmasking. A coordinator that substitutes keys, shows different survivor sets to different
 * clients, or forwards too few or tampered signatures learns nothing; dropouts during the check
 * are tolerated down to t.
 */
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../random.ts';
import { clientStep, initClient } from './client.ts';
import { decodeClientState, decodeServerState, encodeClientState, encodeServerState } from './codec.ts';
import { simulateRound } from './simulate.ts';
import type { SimulationOptions } from './simulate.ts';
import { doublyRevealed, plainSum, randomInputs, rngFactory, testConfig, testIdentities } from '../../../test/support/secagg-protocol.ts';
import type { ClientAuth } from './config-types.ts';
import type { ConsistencyRequest, UnmaskRequest } from './messages.ts';
import { errorOf } from '../../../test/support/core.ts';

const IDS = ['alice', 'bob', 'carol', 'dave', 'erin'];
const config = testConfig(IDS, 3, { length: 6, authenticated: true });
const inputs = randomInputs(IDS, 6, 32, seededRng(17));
const ids = testIdentities(IDS, 41);
const base = (over: Partial<SimulationOptions> = {}): SimulationOptions => ({ config, inputs, rngFor: rngFactory(9), authFor: ids.authFor, ...over });
const abortOf = (res: ReturnType<typeof simulateRound>, id: string) => res.clientAborts.find((a) => a.id === id)?.output.reason;
const sumOf = (members: string[]) => Array.from(plainSum(inputs, members, 6, 32));
const flip = (b: Uint8Array) => {
  const c = Uint8Array.from(b);
  c[5]! ^= 1;
  return c;
};

describe('an honest authenticated round', () => {
  it.each([
    ['in memory', {}],
    ['persisted between steps, with the roster at the server', { persist: true, roster: ids.roster }],
  ])('gives the exact sum (%s) after signing adverts and U3', (_, over) => {
    const res = simulateRound(base(over));
    expect(res.clientAborts).toEqual([]);
    expect(res.outcome).toMatchObject({ type: 'result', survivors: IDS });
    if (res.outcome.type === 'result') expect(Array.from(res.outcome.sum)).toEqual(sumOf(IDS));
    expect(res.consistencySignatures.map((s) => s.from)).toEqual(IDS);
    expect(res.failures).toEqual([]);
  });

  it('tolerates a dropout during the consistency check, with ≥ t left', () => {
    const res = simulateRound(base({ dropouts: { maskedInput: ['dave'], consistencyCheck: ['erin'] } }));
    // erin sent its masked input, so it is in U3 and in the sum; dave is not.
    expect(res.outcome).toMatchObject({ type: 'result', survivors: ['alice', 'bob', 'carol', 'erin'] });
    if (res.outcome.type === 'result') expect(Array.from(res.outcome.sum)).toEqual(sumOf(['alice', 'bob', 'carol', 'erin']));
    expect(res.failures.map((f) => `${f.stage}:${f.participant}`)).toEqual(['masked-input:dave', 'consistency-check:erin']);
    // Only the signers are asked to unmask; erin's self-mask seed is rebuilt from their shares.
    expect(res.unmaskingResponses.map((r) => r.from)).toEqual(['alice', 'bob', 'carol']);
    expect(doublyRevealed(res.unmaskingResponses)).toEqual([]);
  });

  it('aborts at the server with fewer than t consistency signatures, and nothing is unmasked', () => {
    const res = simulateRound(base({ dropouts: { consistencyCheck: ['alice', 'bob', 'carol'] } }));
    expect(res.outcome).toMatchObject({
      type: 'abort',
      stage: 'consistency-check',
      reason: 'consistency-check: only 2 of the required 3 participants signed the survivor set U3; nothing is unmasked',
    });
    expect(res.unmaskingResponses).toEqual([]);
    expect(res.server.stage).toBe('aborted');
  });
});

describe('signed adverts: the coordinator cannot substitute keys', () => {
  const substitute = (field: 'cPk' | 'sPk', signature: (k: { signature?: Uint8Array }) => Uint8Array | undefined) =>
    simulateRound(base({
      intercept: {
        peerKeys: (_, msg) => ({
          ...msg,
          keys: msg.keys.map((k) => (k.id === 'bob' ? { ...k, [field]: seededRng(3)(32), signature: signature(k) } : k)),
        }),
      },
    }));

  it.each([
    ['sPk, keeping bob\'s signature', 'sPk' as const, (k: { signature?: Uint8Array }) => k.signature],
    ['cPk, with a forged signature', 'cPk' as const, (k: { signature?: Uint8Array }) => flip(k.signature!)],
    ['sPk, with the signature stripped', 'sPk' as const, () => undefined],
  ])('every honest client aborts at ShareKeys naming the peer (%s)', (_, field, signature) => {
    const res = substitute(field, signature);
    for (const u of ['alice', 'carol', 'dave', 'erin']) {
      expect(abortOf(res, u), u).toMatch(/^share-keys: the key advert of bob (does not verify under its roster key|carries no signature)/);
    }
    expect(abortOf(res, 'bob')).toMatch(/do not carry bob's own public keys/);
    expect(res.outcome).toMatchObject({ type: 'abort', stage: 'share-keys' });
    expect(res.maskedInputs).toEqual([]);
  });

  it('aborts on an advert signed by a key that is not in the roster, or by a peer missing from it', () => {
    const outsider = testIdentities(['erin'], 99).secretKeys.get('erin')!;
    const withoutErin = new Map([...ids.roster].filter(([u]) => u !== 'erin'));
    const res = simulateRound(base({ authFor: (u) => (u === 'erin' ? { secretKey: outsider, peers: withoutErin } : ids.authFor(u)) }));
    expect(abortOf(res, 'alice')).toBe('share-keys: the key advert of erin does not verify under its roster key (keys substituted or signature forged)');
    const unknown = simulateRound(base({ authFor: (u) => (u === 'alice' ? { ...ids.authFor(u), peers: withoutErin } : ids.authFor(u)) }));
    expect(abortOf(unknown, 'alice')).toBe("share-keys: the key advert of erin cannot be checked: erin is not in this node's roster");
  });

  it('with the roster, the server drops a participant whose advert does not verify instead of failing the round', () => {
    const outsider = testIdentities(['erin'], 99).secretKeys.get('erin')!;
    const withoutErin = new Map([...ids.roster].filter(([u]) => u !== 'erin'));
    const res = simulateRound(base({ roster: ids.roster, authFor: (u) => (u === 'erin' ? { secretKey: outsider, peers: withoutErin } : ids.authFor(u)) }));
    expect(res.failures).toEqual([{ participant: 'erin', stage: 'advertise-keys', reason: 'key advert its signature does not verify under its roster key' }]);
    expect(res.outcome).toMatchObject({ type: 'result', survivors: ['alice', 'bob', 'carol', 'dave'] });
  });
});

describe('ConsistencyCheck: a split view of U3 reveals nothing', () => {
  const allButErin = ['alice', 'bob', 'carol', 'dave'];
  const splitView = (to: string, r: ConsistencyRequest): ConsistencyRequest =>
    to === 'carol' || to === 'dave' ? { ...r, survivors: allButErin, dropped: ['erin'] } : r;

  it('clients abort when the signatures over the two views are forwarded together', () => {
    const res = simulateRound(base({ intercept: { consistencyRequest: splitView } }));
    for (const u of ['alice', 'bob', 'erin']) expect(abortOf(res, u), u).toMatch(/^unmasking: the consistency signature of carol does not verify over the U3 this node signed/);
    for (const u of ['carol', 'dave']) expect(abortOf(res, u), u).toMatch(/^unmasking: the unmask request's U3 \[alice, bob, carol, dave, erin\] is not the U3 this client signed/);
    expect(res.unmaskingResponses).toEqual([]);
    expect(res.outcome).toMatchObject({ type: 'abort', stage: 'unmasking' });
  });

  it('a coordinator that sends each view only its own signatures gets no share from the minority view', () => {
    const res = simulateRound(base({
      intercept: {
        consistencyRequest: splitView,
        unmaskRequest: (to, r): UnmaskRequest => {
          const minority = to === 'carol' || to === 'dave';
          const view = minority ? allButErin : IDS;
          const signatures = r.signatures!.filter((s) => (minority ? ['carol', 'dave'] : ['alice', 'bob', 'erin']).includes(s.id));
          return { ...r, survivors: view, dropped: minority ? ['erin'] : [], signatures };
        },
      },
    }));
    expect(abortOf(res, 'carol')).toMatch(/only 2 of the required 3 consistency signatures over U3; refusing to unmask/);
    expect(abortOf(res, 'dave')).toMatch(/only 2 of the required 3/);
    expect(res.unmaskingResponses.map((r) => r.from).sort()).toEqual(['alice', 'bob', 'erin']);
    expect(res.unmaskingResponses.flatMap((r) => r.keyShares)).toEqual([]); // erin's masking key stays secret
    expect(doublyRevealed(res.unmaskingResponses)).toEqual([]);
  });

  it('a tampered consistency signature makes every client abort; with the roster the server drops it instead', () => {
    const tamper = { consistencySignature: (m: { type: 'consistency-signature'; from: string; signature: Uint8Array }) => (m.from === 'bob' ? { ...m, signature: flip(m.signature) } : m) };
    const res = simulateRound(base({ intercept: tamper }));
    for (const u of IDS) expect(abortOf(res, u), u).toMatch(/^unmasking: the consistency signature of bob does not verify/);
    expect(res.unmaskingResponses).toEqual([]);
    const checked = simulateRound(base({ intercept: tamper, roster: ids.roster }));
    expect(checked.failures).toEqual([{ participant: 'bob', stage: 'consistency-check', reason: 'consistency signature: its signature does not verify under its roster key' }]);
    expect(checked.outcome).toMatchObject({ type: 'result', survivors: IDS });
    if (checked.outcome.type === 'result') expect(Array.from(checked.outcome.sum)).toEqual(sumOf(IDS));
    expect(checked.unmaskingResponses.map((r) => r.from)).toEqual(['alice', 'carol', 'dave', 'erin']);
  });

  it('a member checks the first t signatures, which prove the view; later ones are not verified', () => {
    const late = simulateRound(base({ intercept: { consistencySignature: (m) => (m.from === 'erin' ? { ...m, signature: flip(m.signature) } : m) } }));
    expect(late.clientAborts).toEqual([]);
    expect(late.outcome).toMatchObject({ type: 'result', survivors: IDS });
    if (late.outcome.type === 'result') expect(Array.from(late.outcome.sum)).toEqual(sumOf(IDS));
    expect(doublyRevealed(late.unmaskingResponses)).toEqual([]);
  });

  it('refuses an unmask request without enough signatures, or for a U3 other than the one it signed', () => {
    const none = simulateRound(base({ intercept: { unmaskRequest: (_, r) => ({ ...r, signatures: [] }) } }));
    expect(abortOf(none, 'alice')).toMatch(/only 0 of the required 3 consistency signatures/);
    const twice = simulateRound(base({ intercept: { unmaskRequest: (_, r) => ({ ...r, signatures: [r.signatures![0]!, r.signatures![0]!, r.signatures![1]!] }) } }));
    expect(abortOf(twice, 'alice')).toMatch(/alice appears twice among the consistency signatures/);
    const other = simulateRound(base({
      intercept: { unmaskRequest: (to, r) => (to === 'alice' ? { ...r, survivors: r.survivors.filter((v) => v !== 'erin'), dropped: ['erin'] } : r) },
    }));
    expect(abortOf(other, 'alice')).toMatch(/the unmask request's U3 \[alice, bob, carol, dave\] is not the U3 this client signed/);
    expect(other.unmaskingResponses.some((r) => r.from === 'alice')).toBe(false);
  });
});

describe('the client side of the check', () => {
  it('signs one U3 only: an identical retry gets the same signature, a different U3 an abort', () => {
    const res = simulateRound(base({ dropouts: { unmasking: IDS } }));
    const alice = res.clients.get('alice')!;
    expect(alice.stage).toBe('unmasking');
    const auth: ClientAuth = ids.authFor('alice');
    const request: ConsistencyRequest = { type: 'consistency-request', survivors: IDS, dropped: [] };
    const again = clientStep(alice, request, seededRng(1), auth);
    expect(again.output).toEqual(res.consistencySignatures.find((s) => s.from === 'alice'));
    const other = clientStep(alice, { ...request, survivors: ['alice', 'bob', 'carol'], dropped: ['dave', 'erin'] }, seededRng(1), auth);
    expect(other.output).toMatchObject({ type: 'abort', reason: expect.stringMatching(/refusing to sign a second, different U3/) });
  });

  it('refuses to sign a U3 that is too small, leaves it out, or is not a partition of U2', () => {
    const sign = (r: Omit<ConsistencyRequest, 'type'>, to = 'alice') =>
      simulateRound(base({ intercept: { consistencyRequest: (u, x) => (u === to ? { type: 'consistency-request', ...r } : x) } }));
    expect(abortOf(sign({ survivors: ['alice', 'bob'], dropped: ['carol', 'dave', 'erin'] }), 'alice')).toMatch(/only 2 of the required 3/);
    expect(abortOf(sign({ survivors: ['bob', 'carol', 'dave', 'erin'], dropped: ['alice'] }), 'alice')).toMatch(/U3 does not include alice/);
    expect(abortOf(sign({ survivors: [...IDS, 'mallory'], dropped: [] }), 'alice')).toMatch(/not the U2 announced/);
    expect(abortOf(sign({ survivors: IDS, dropped: ['erin'] }), 'alice')).toMatch(/erin is listed as both surviving and dropped/);
  });

  it('an authenticated client refuses an unauthenticated round, and a client without identity an authenticated one', () => {
    const plain = { ...config, authenticated: false };
    const out = clientStep(initClient(plain, 'alice', ids.authFor('alice')), { type: 'begin' }, seededRng(1), ids.authFor('alice'));
    expect(out.output).toEqual({
      type: 'abort',
      stage: 'advertise-keys',
      reason: 'advertise-keys: this client requires signed secure aggregation (it has a roster), but the round is unauthenticated',
    });
    const unsigned = clientStep(initClient(config, 'alice'), { type: 'begin' }, seededRng(1));
    expect(unsigned.output).toMatchObject({ type: 'abort', reason: expect.stringMatching(/requires signed secure aggregation, but this client has no identity/) });
    // Losing the identity mid-round is a refusal too, never a silent downgrade.
    const res = simulateRound(base({ dropouts: { unmasking: IDS } }));
    expect(clientStep(res.clients.get('bob')!, { type: 'unmask-request', survivors: IDS, dropped: [] }, seededRng(1)).output).toMatchObject({ type: 'abort' });
  });

  it('rejects malformed identities and configs with named errors', () => {
    expect(errorOf(() => initClient(config, 'alice', { secretKey: new Uint8Array(32), peers: ids.roster }))).toMatchObject({ parameter: 'auth.secretKey' });
    expect(errorOf(() => initClient(config, 'alice', { secretKey: ids.secretKeys.get('bob')!, peers: ids.roster }))).toMatchObject({
      parameter: 'auth.secretKey',
      message: "auth.secretKey does not belong to alice's key in the roster",
    });
    expect(errorOf(() => initClient(config, 'alice', { secretKey: ids.secretKeys.get('alice')!, peers: new Map([['bob', new Uint8Array(31)]]) }))).toMatchObject({ parameter: 'auth.peers' });
    expect(errorOf(() => initClient({ ...config, authenticated: 'yes' as unknown as boolean }, 'alice'))).toMatchObject({ parameter: 'config.authenticated' });
  });
});

describe('persistence of the authenticated stages', () => {
  it('round-trips consistency-check and signed unmasking states, without the identity key', () => {
    const res = simulateRound(base({ dropouts: { unmasking: IDS } }));
    const alice = res.clients.get('alice')!;
    expect(alice).toMatchObject({ stage: 'unmasking', signed: IDS });
    const json = JSON.stringify(encodeClientState(alice));
    expect(decodeClientState(JSON.parse(json))).toEqual(alice);
    expect(json).not.toContain(Buffer.from(ids.secretKeys.get('alice')!.subarray(0, 32)).toString('base64').slice(0, 20));
    const server = decodeServerState(JSON.parse(JSON.stringify(encodeServerState(res.server))));
    expect(server).toEqual(res.server);
  });

  it('resumes from JSON at every authenticated stage, with a dropout during the check', () => {
    const res = simulateRound(base({ persist: true, dropouts: { consistencyCheck: ['erin'] } }));
    expect(res.outcome).toMatchObject({ type: 'result', survivors: IDS });
    if (res.outcome.type === 'result') expect(Array.from(res.outcome.sum)).toEqual(sumOf(IDS));
  });
});
