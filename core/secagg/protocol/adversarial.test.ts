/**
 * Bonawitz et al. (CCS 2017) stage machines against a misbehaving server or network: an honest
 * client never reveals both shares of one peer, rejects tampered, misdirected and replayed share
 * ciphertexts, and refuses inconsistent key lists; the server rejects malformed replies and
 * refuses to unmask on inconsistent shares.
 */
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../random.ts';
import { decodeShare, encodeShare, splitSecret } from '../shamir.ts';
import { seal } from '../secretbox.ts';
import { clientStep, initClient } from './client.ts';
import { encodeSharePlaintext, SHARE_STAGE } from './plaintext.ts';
import { simulateRound } from './simulate.ts';
import type { SimulationOptions } from './simulate.ts';
import { doublyRevealed, plainSum, randomInputs, rngFactory, testConfig } from '../../../test/support/secagg-protocol.ts';
import type { PeerKeysMessage, ShareDelivery, UnmaskRequest } from './messages.ts';
import type { ClientState } from './states.ts';

const IDS = ['alice', 'bob', 'carol', 'dave', 'erin'];
const config = testConfig(IDS, 3, { length: 6 });
const inputs = randomInputs(IDS, 6, 32, seededRng(99));
const base = (over: Partial<SimulationOptions> = {}): SimulationOptions => ({ config, inputs, rngFor: rngFactory(5), ...over });
const abortOf = (res: ReturnType<typeof simulateRound>, id: string) => res.clientAborts.find((a) => a.id === id)?.output.reason;

describe('an honest client never reveals both shares of a peer', () => {
  it('refuses a request listing a peer as both surviving and dropped', () => {
    const res = simulateRound(base({
      dropouts: { maskedInput: ['erin'] },
      intercept: { unmaskRequest: (to, r) => (to === 'alice' ? { ...r, survivors: [...r.survivors, 'erin'] } : r) },
    }));
    expect(abortOf(res, 'alice')).toMatch(/refusing: erin is listed as both surviving and dropped/);
    expect(res.unmaskingResponses.some((r) => r.from === 'alice')).toBe(false);
    expect(doublyRevealed(res.unmaskingResponses)).toEqual([]);
    // The other three still answer, so the round completes without alice's help.
    expect(res.outcome.type).toBe('result');
  });

  it('refuses a second request with a different survivor set, answers an identical retry identically', () => {
    const second = (r: UnmaskRequest): UnmaskRequest => ({
      ...r,
      survivors: r.survivors.filter((v) => v !== 'bob'),
      dropped: [...r.dropped, 'bob'],
    });
    const res = simulateRound(base({ intercept: { unmaskRequest: (to, r) => (to === 'alice' ? [r, r, second(r)] : r) } }));
    const fromAlice = res.unmaskingResponses.filter((r) => r.from === 'alice');
    expect(fromAlice).toHaveLength(2);
    expect(fromAlice[1]).toEqual(fromAlice[0]);
    expect(abortOf(res, 'alice')).toMatch(/refusing a second unmask request.*both shares of bob/);
    expect(fromAlice.flatMap((r) => r.keyShares)).toEqual([]);
    expect(res.clients.get('alice')!.stage).toBe('aborted');
  });

  it('refuses a request whose U3 ∪ dropped is not U2, or that leaves it out, and stays aborted', () => {
    const res = simulateRound(base({
      intercept: { unmaskRequest: (to, r) => (to === 'bob' ? { ...r, survivors: r.survivors.filter((v) => v !== 'bob') } : r) },
    }));
    expect(abortOf(res, 'bob')).toMatch(/not the U2 announced/);
    const again = clientStep(res.clients.get('bob')!, { type: 'begin' }, seededRng(1));
    expect(again.output).toMatchObject({ type: 'abort', stage: 'unmasking' });
  });
});

describe('share ciphertexts are authenticated and bound to their context', () => {
  const corrupt = (fn: (d: ShareDelivery, clients: ReadonlyMap<string, ClientState>) => ShareDelivery) =>
    simulateRound(base({ intercept: { delivery: (d, clients) => (d.to === 'alice' ? fn(d, clients) : d) } }));

  it('rejects a tampered ciphertext', () => {
    const res = corrupt((d) => ({
      ...d,
      ciphertexts: d.ciphertexts.map((c) => {
        if (c.from !== 'bob') return c;
        const ct = Uint8Array.from(c.ciphertext);
        ct[ct.length - 1]! ^= 1;
        return { from: c.from, ciphertext: ct };
      }),
    }));
    expect(abortOf(res, 'alice')).toMatch(/from bob failed authentication/);
    expect(res.outcome.type).toBe('result');
    if (res.outcome.type === 'result') expect(Array.from(res.outcome.sum)).toEqual(Array.from(plainSum(inputs, IDS, 6, 32)));
  });

  // Carol's ciphertext from bob, captured from the forward step of a separate identical round.
  const stolen = (() => {
    let got: Uint8Array | undefined;
    simulateRound(base({ intercept: { delivery: (d) => ((got ??= d.to === 'carol' ? d.ciphertexts.find((c) => c.from === 'bob')!.ciphertext : undefined), d) } }));
    return got!;
  })();

  it('rejects a ciphertext meant for someone else (misdirected by the server)', () => {
    const res = simulateRound(base({
      intercept: {
        delivery: (d) => {
          if (d.to !== 'alice') return d;
          return { ...d, ciphertexts: d.ciphertexts.map((c) => (c.from === 'bob' ? { from: 'bob', ciphertext: stolen } : c)) };
        },
      },
    }));
    expect(abortOf(res, 'alice')).toMatch(/from bob failed authentication/);
  });

  const forged = (over: Partial<{ run: string; round: number; src: string; dst: string; stage: string; x: number }>) =>
    corrupt((d, clients) => {
      const alice = clients.get('alice')!;
      if (alice.stage !== 'masked-input') throw new Error('alice should be masking');
      const key = alice.inboundKeys.find((k) => k.from === 'bob')!.key;
      const x = over.x ?? 1; // alice is first of the sorted holders
      const share = encodeShare({ x, y: 12345n });
      const pt = encodeSharePlaintext({
        run: over.run ?? config.run,
        round: over.round ?? config.round,
        src: over.src ?? 'bob',
        dst: over.dst ?? 'alice',
        stage: over.stage ?? SHARE_STAGE,
        selfMaskShare: share,
        keyShare: share,
      });
      const ciphertext = seal(key, pt, seededRng(3));
      return { ...d, ciphertexts: d.ciphertexts.map((c) => (c.from === 'bob' ? { from: 'bob', ciphertext } : c)) };
    });

  it.each([
    ['round', { round: config.round + 1 }, /round 8/],
    ['run', { run: 'other-run' }, /run other-run/],
    ['src', { src: 'carol' }, /carol → alice/],
    ['dst', { dst: 'dave' }, /bob → dave/],
    ['stage', { stage: 'unmasking' }, /unmasking\)/],
  ])('rejects an authentic share whose embedded %s is wrong', (_, over, detail) => {
    const reason = abortOf(forged(over), 'alice');
    expect(reason).toMatch(/the share from bob is bound to .* rejected as replayed or misdirected/);
    expect(reason).toMatch(detail);
  });

  it('rejects an authentic share at the wrong x-coordinate, accepts the right one', () => {
    expect(abortOf(forged({ x: 2 }), 'alice')).toMatch(/at x = 2\/2, expected 1/);
    expect(abortOf(forged({}), 'alice')).toBeUndefined();
  });
});

describe('inconsistent key lists and deliveries', () => {
  const ready = () => {
    const rng = rngFactory(11);
    const steps = IDS.map((u) => clientStep(initClient(config, u), { type: 'begin' }, rng(u)));
    const keys = steps.map((s) => s.output).map((o) => (o.type === 'advertise-keys' ? { id: o.from, cPk: o.cPk, sPk: o.sPk } : null)!);
    return { alice: steps[0]!.state, keys, rng: rng('alice') };
  };

  it('aborts when two peers advertise the same key', () => {
    const { alice, keys, rng } = ready();
    const msg: PeerKeysMessage = { type: 'peer-keys', keys: keys.map((k) => (k.id === 'carol' ? { ...k, sPk: keys[1]!.sPk } : k)) };
    expect(clientStep(alice, msg, rng).output).toMatchObject({ type: 'abort', reason: expect.stringMatching(/two advertised public keys are equal \(bob and carol\)/) });
  });

  it('aborts when its own keys are missing or swapped, or an outsider is listed', () => {
    const { alice, keys, rng } = ready();
    const swapped = keys.map((k) => (k.id === 'alice' ? { ...k, cPk: keys[1]!.cPk } : k));
    expect(clientStep(alice, { type: 'peer-keys', keys: swapped }, rng).output).toMatchObject({ reason: expect.stringMatching(/own public keys/) });
    const outsider = [...keys, { ...keys[1]!, id: 'mallory' }];
    expect(clientStep(alice, { type: 'peer-keys', keys: outsider }, rng).output).toMatchObject({ reason: expect.stringMatching(/mallory/) });
  });

  it('aborts when fewer than t holders advertised', () => {
    const { alice, keys, rng } = ready();
    const out = clientStep(alice, { type: 'peer-keys', keys: keys.slice(0, 2) }, rng).output;
    expect(out).toMatchObject({ type: 'abort', reason: 'share-keys: only 2 of the required 3 share holders advertised keys' });
  });

  it('aborts on a low-order (all-zero agreement) peer key', () => {
    const { alice, keys, rng } = ready();
    const zero = keys.map((k) => (k.id === 'dave' ? { ...k, cPk: new Uint8Array(32) } : k));
    expect(clientStep(alice, { type: 'peer-keys', keys: zero }, rng).output).toMatchObject({ reason: expect.stringMatching(/cannot agree a key with dave/) });
  });

  it('aborts when U2 omits a sender, names an outsider, or a ciphertext is missing', () => {
    const drop = (fn: (d: ShareDelivery) => ShareDelivery) => simulateRound(base({ intercept: { delivery: (d) => (d.to === 'alice' ? fn(d) : d) } }));
    expect(abortOf(drop((d) => ({ ...d, ciphertexts: d.ciphertexts.slice(1) })), 'alice')).toMatch(/no share ciphertext from bob/);
    expect(abortOf(drop((d) => ({ ...d, shared: [...d.shared, 'zed'] })), 'alice')).toMatch(/zed, who did not advertise/);
    expect(abortOf(drop((d) => ({ ...d, shared: d.shared.filter((v) => v !== 'bob') })), 'alice')).toMatch(/unexpected share ciphertext from bob/);
  });
});

describe('the server refuses bad shares', () => {
  const withKeyShares = (replace: (share: Uint8Array) => Uint8Array) =>
    simulateRound(base({
      dropouts: { maskedInput: ['erin'] },
      intercept: { unmaskingResponse: (r) => ({ ...r, keyShares: r.keyShares.map((s) => ({ owner: s.owner, share: replace(s.share) })) }) },
    }));

  it('aborts when a reconstructed masking key does not match the advertised public key', () => {
    // Consistent shares of a different 32-byte secret: reconstruction succeeds but the key is wrong.
    const fake = splitSecret(seededRng(4)(32), 3, 5, seededRng(6));
    const res = withKeyShares((share) => encodeShare(fake[decodeShare(share).x - 1]!));
    expect(res.outcome).toMatchObject({ type: 'abort', stage: 'unmasking', reason: expect.stringMatching(/masking key of erin does not match/) });
  });

  it('aborts when shares are inconsistent and never returns a sum', () => {
    // Points of 2^400·x³: the interpolated constant term is far too large for a 32-byte key.
    const res = withKeyShares((share) => encodeShare({ x: decodeShare(share).x, y: 2n ** 400n * BigInt(decodeShare(share).x) ** 3n }));
    expect(res.outcome).toMatchObject({ type: 'abort', reason: expect.stringMatching(/cannot reconstruct erin's masking key/) });
    expect(res.server.stage).toBe('aborted');
  });
});
