import { describe, it, expect } from 'vitest';
import { createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto';
import nacl from 'tweetnacl';
import { CoreInputError } from '../types.ts';
import { seededRng } from '../random.ts';
import { fromHex, toHex } from './hex.ts';
import { generateKeyPair, isAllZero, publicKeyOf, sharedSecret, wipe, wipeKeyPair } from './keys.ts';
import { errorOf } from '../../test/support/core.ts';

// RFC 7748 §6.1 test vectors (Curve25519 Diffie-Hellman).
const ALICE_SK = '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a';
const ALICE_PK = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
const BOB_SK = '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb';
const BOB_PK = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
const SHARED = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';

// Small-order u-coordinates: 0 (order 1/2 class), 1 (order 1) and an order-8 point.
const LOW_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
];

describe('X25519 known answers (RFC 7748 §6.1)', () => {
  it('derives Alice and Bob public keys', () => {
    expect(toHex(publicKeyOf(fromHex(ALICE_SK)))).toBe(ALICE_PK);
    expect(toHex(publicKeyOf(fromHex(BOB_SK)))).toBe(BOB_PK);
  });

  it('both sides agree on the published shared secret', () => {
    expect(toHex(sharedSecret(fromHex(ALICE_SK), fromHex(BOB_PK)))).toBe(SHARED);
    expect(toHex(sharedSecret(fromHex(BOB_SK), fromHex(ALICE_PK)))).toBe(SHARED);
  });

  it('generateKeyPair uses rng(32) as the secret key', () => {
    const rng = () => fromHex(ALICE_SK);
    const kp = generateKeyPair(rng);
    expect(toHex(kp.secretKey)).toBe(ALICE_SK);
    expect(toHex(kp.publicKey)).toBe(ALICE_PK);
  });
});

describe('low-order points (RFC 7748 §6.1 all-zero check)', () => {
  for (const pk of LOW_ORDER) {
    it(`rejects peer key ${pk.slice(0, 8)}…`, () => {
      const e = errorOf(() => sharedSecret(fromHex(ALICE_SK), fromHex(pk)));
      expect(e.parameter).toBe('peerPublicKey');
      expect(e.message).toMatch(/all zeros/);
    });
  }

  it('rejects the order-8 point for many random secret keys', () => {
    const rng = seededRng(7);
    const bad = fromHex(LOW_ORDER[2]!);
    for (let i = 0; i < 20; i++) {
      const kp = generateKeyPair(rng);
      expect(() => sharedSecret(kp.secretKey, bad)).toThrow(CoreInputError);
    }
  });
});

describe('generateKeyPair / sharedSecret', () => {
  it('random pairs agree and differ per draw', () => {
    const rng = seededRng(1);
    const a = generateKeyPair(rng);
    const b = generateKeyPair(rng);
    expect(toHex(a.secretKey)).not.toBe(toHex(b.secretKey));
    expect(toHex(sharedSecret(a.secretKey, b.publicKey))).toBe(toHex(sharedSecret(b.secretKey, a.publicKey)));
  });

  it('the libsodium agreement and public keys equal tweetnacl\'s and OpenSSL\'s, including non-canonical and top-bit-set peer keys', () => {
    const rng = seededRng(77);
    const jwk = (b: Uint8Array) => Buffer.from(b).toString('base64url');
    for (let i = 0; i < 100; i++) {
      const secret = rng(32);
      const peer = Uint8Array.from(rng(32));
      if (i % 3 === 0) peer[31]! |= 0x80; // RFC 7748 §5: the top bit of u is masked
      expect(toHex(publicKeyOf(secret))).toBe(toHex(nacl.scalarMult.base(secret)));
      let expected: Uint8Array | null = nacl.scalarMult(secret, peer);
      if (isAllZero(expected)) expected = null;
      if (expected) {
        expect(toHex(sharedSecret(secret, peer))).toBe(toHex(expected));
        const openssl = diffieHellman({
          privateKey: createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: jwk(secret), x: jwk(nacl.scalarMult.base(secret)) }, format: 'jwk' }),
          publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: jwk(peer) }, format: 'jwk' }),
        });
        expect(toHex(sharedSecret(secret, peer))).toBe(toHex(openssl));
      } else expect(() => sharedSecret(secret, peer)).toThrow(CoreInputError);
    }
  });

  it('copies the rng output so callers cannot alias the secret', () => {
    const buf = fromHex(BOB_SK);
    const kp = generateKeyPair(() => buf);
    buf.fill(1);
    expect(toHex(kp.secretKey)).toBe(BOB_SK);
  });

  it('rejects a short or all-zero rng output', () => {
    expect(errorOf(() => generateKeyPair(() => new Uint8Array(31))).parameter).toBe('rng');
    expect(errorOf(() => generateKeyPair(() => new Uint8Array(32))).parameter).toBe('rng');
  });

  it('rejects wrong key lengths, naming the parameter', () => {
    expect(errorOf(() => sharedSecret(new Uint8Array(31), fromHex(BOB_PK))).parameter).toBe('secretKey');
    expect(errorOf(() => sharedSecret(fromHex(ALICE_SK), new Uint8Array(33))).parameter).toBe('peerPublicKey');
    expect(errorOf(() => publicKeyOf(new Uint8Array(16))).parameter).toBe('secretKey');
  });
});

describe('wipe', () => {
  it('zeroes bytes in place', () => {
    const b = fromHex(ALICE_SK);
    wipe(b);
    expect(isAllZero(b)).toBe(true);
    expect(b.length).toBe(32);
  });

  it('wipeKeyPair erases only the secret key', () => {
    const kp = generateKeyPair(seededRng(3));
    const pk = toHex(kp.publicKey);
    wipeKeyPair(kp);
    expect(isAllZero(kp.secretKey)).toBe(true);
    expect(toHex(kp.publicKey)).toBe(pk);
  });

  it('isAllZero detects a single non-zero byte anywhere', () => {
    for (const pos of [0, 15, 31]) {
      const b = new Uint8Array(32);
      b[pos] = 0x80;
      expect(isAllZero(b)).toBe(false);
    }
  });
});
