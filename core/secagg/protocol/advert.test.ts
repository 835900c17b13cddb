/**
 * The signed messages of the active-adversary variant (Bonawitz et al., CCS 2017, Fig. 5):
 * Ed25519 through OpenSSL equals tweetnacl byte for byte (RFC 8032 test 1 included), the encoding
 * is unambiguous and domain-separated, and a signature never verifies in another run, round,
 * role or for other keys.
 */
import { describe, expect, it } from 'vitest';
import nacl from 'tweetnacl';
import { seededRng } from '../../random.ts';
import { ADVERT_LABEL, advertBytes, advertProblem, sign, signedBytes, verify } from './advert.ts';
import { CONSISTENCY_LABEL, consistencyBytes, signaturesProblem } from './consistency.ts';
import { ed25519FromSeed, testConfig } from '../../../test/support/secagg-protocol.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const fromHex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

describe('Ed25519 (RFC 8032) as the protocol uses it', () => {
  it('matches RFC 8032 §7.1 test 1 and tweetnacl', () => {
    const seed = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    const kp = nacl.sign.keyPair.fromSeed(seed);
    expect(hex(kp.publicKey)).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    expect(hex(ed25519FromSeed(seed).secretKey)).toBe(hex(kp.secretKey));
    const sig = sign(kp.secretKey, new Uint8Array(0));
    expect(hex(sig)).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
    expect(verify(kp.publicKey, new Uint8Array(0), sig)).toBe(true);
  });

  it('signs and verifies exactly like tweetnacl on random messages', () => {
    const rng = seededRng(5);
    for (let i = 0; i < 20; i++) {
      const kp = nacl.sign.keyPair.fromSeed(rng(32));
      const msg = rng(i * 7);
      const sig = sign(kp.secretKey, msg);
      expect(hex(sig)).toBe(hex(nacl.sign.detached(msg, kp.secretKey)));
      const bad = Uint8Array.from(sig);
      bad[i % 64]! ^= 1 << i % 8;
      for (const s of [sig, bad]) expect(verify(kp.publicKey, msg, s)).toBe(nacl.sign.detached.verify(msg, s, kp.publicKey));
    }
  });

  it('rejects malformed keys and signatures without throwing', () => {
    const kp = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(1));
    const sig = sign(kp.secretKey, Uint8Array.of(1));
    expect(verify(undefined, Uint8Array.of(1), sig)).toBe(false);
    expect(verify(kp.publicKey.subarray(1), Uint8Array.of(1), sig)).toBe(false);
    expect(verify(kp.publicKey, Uint8Array.of(1), sig.subarray(1))).toBe(false);
    expect(verify(kp.publicKey, Uint8Array.of(1), undefined)).toBe(false);
  });
});

describe('the signed encodings', () => {
  it('length-prefix every field, so no two field lists encode alike', () => {
    expect(hex(signedBytes(['ab', 7, Uint8Array.of(1)]))).toBe('00000002' + '6162' + '00000004' + '00000007' + '00000001' + '01');
    expect(hex(signedBytes(['ab', 'c']))).not.toBe(hex(signedBytes(['a', 'bc'])));
    expect(hex(consistencyBytes({ run: 'r', round: 1 }, ['a', 'bc']))).not.toBe(hex(consistencyBytes({ run: 'r', round: 1 }, ['ab', 'c'])));
    expect(() => signedBytes([-1])).toThrow(/uint32/);
  });

  it('start with their labels and sort U3', () => {
    expect(Buffer.from(advertBytes({ run: 'r', round: 1 }, 'a', new Uint8Array(32), new Uint8Array(32))).subarray(4, 4 + ADVERT_LABEL.length).toString()).toBe(ADVERT_LABEL);
    expect(Buffer.from(consistencyBytes({ run: 'r', round: 1 }, ['b', 'a'])).subarray(4, 4 + CONSISTENCY_LABEL.length).toString()).toBe(CONSISTENCY_LABEL);
    expect(hex(consistencyBytes({ run: 'r', round: 1 }, ['b', 'a']))).toBe(hex(consistencyBytes({ run: 'r', round: 1 }, ['a', 'b'])));
  });

  it('bind an advert to its run, round, owner and both keys', () => {
    const config = testConfig(['a', 'b'], 1, { authenticated: true });
    const a = ed25519FromSeed(new Uint8Array(32).fill(3));
    const [cPk, sPk] = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)];
    const signature = sign(a.secretKey, advertBytes(config, 'a', cPk, sPk));
    const peers = new Map([['a', a.publicKey]]);
    const check = (over: Partial<typeof config>, k = { id: 'a', cPk, sPk, signature }) => advertProblem({ ...config, ...over }, 'b', peers, [k]);
    expect(check({})).toBeUndefined();
    expect(check({ run: 'other' })).toMatch(/does not verify/);
    expect(check({ round: config.round + 1 })).toMatch(/does not verify/);
    expect(check({}, { id: 'a', cPk: sPk, sPk: cPk, signature })).toMatch(/does not verify/);
    // A consistency signature is never mistaken for an advert, nor the other way round.
    const u3 = sign(a.secretKey, consistencyBytes(config, ['a']));
    expect(check({}, { id: 'a', cPk, sPk, signature: u3 })).toMatch(/does not verify/);
    expect(signaturesProblem(config, peers, ['a'], [{ id: 'a', signature: u3 }])).toBeUndefined();
    expect(signaturesProblem(config, peers, ['a'], [{ id: 'a', signature }])).toMatch(/does not verify/);
    expect(signaturesProblem(config, new Map(), ['a'], [{ id: 'a', signature: u3 }])).toMatch(/not in this node's roster/);
    expect(signaturesProblem(config, peers, ['a'], [{ id: 'b', signature: u3 }])).toMatch(/b, who is not in U3/);
  });
});
