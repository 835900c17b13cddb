import { describe, it, expect } from 'vitest';
import { seededRng } from '../random.ts';
import { fromHex, toHex } from './hex.ts';
import { MASK_CHUNK_WORDS, MAX_MASK_WORDS, chacha20Keystream, expandMask, openMaskStream } from './prg.ts';
import { errorOf } from '../../test/support/core.ts';

const KEY_00_1F = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');

// RFC 8439 §2.4.2 sunscreen plaintext and its ciphertext under key 00..1f, nonce
// 000000000000004a00000000, initial counter 1.
const SUNSCREEN =
  "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
const SUNSCREEN_CT =
  '6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b' +
  'f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8' +
  '07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736' +
  '5af90bbf74a35be6b40b8eedf2785e42874d';

// RFC 8439 §2.3.2 block function: key 00..1f, nonce 000000090000004a00000000, counter 1.
const BLOCK_232 =
  '10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e' +
  'd2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e';

// RFC 8439 Appendix A.1 test vector #1: all-zero key and nonce, counter 0 — exactly the
// parameters expandMask uses, so it pins the word order of the mask too.
const ZERO_BLOCK =
  '76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7' +
  'da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586';

describe('ChaCha20 known answers (RFC 8439)', () => {
  it('§2.3.2 block function test vector', () => {
    const ks = chacha20Keystream(KEY_00_1F, fromHex('000000090000004a00000000'), 1, 64);
    expect(toHex(ks)).toBe(BLOCK_232);
  });

  it('§2.4.2 encryption of the sunscreen plaintext', () => {
    const pt = new TextEncoder().encode(SUNSCREEN);
    expect(pt.length).toBe(114);
    const ks = chacha20Keystream(KEY_00_1F, fromHex('000000000000004a00000000'), 1, pt.length);
    const ct = pt.map((b, i) => b ^ ks[i]!);
    expect(toHex(ct)).toBe(SUNSCREEN_CT);
  });

  it('Appendix A.1 #1 all-zero keystream block, and expandMask reads it little-endian', () => {
    expect(toHex(chacha20Keystream(new Uint8Array(32), new Uint8Array(12), 0, 64))).toBe(ZERO_BLOCK);
    const words = expandMask(new Uint8Array(32), 16);
    expect(words[0]).toBe(0xade0b876);
    expect(words[15]).toBe(0x8665eeb2);
  });
});

describe('chacha20Keystream', () => {
  it('the counter addresses 64-byte blocks of one stream', () => {
    const nonce = fromHex('000000090000004a00000000');
    const long = chacha20Keystream(KEY_00_1F, nonce, 5, 64 * 4);
    const tail = chacha20Keystream(KEY_00_1F, nonce, 7, 64 * 2);
    expect(toHex(long.subarray(128))).toBe(toHex(tail));
  });

  it('handles zero and odd lengths', () => {
    expect(chacha20Keystream(KEY_00_1F, new Uint8Array(12), 0, 0).length).toBe(0);
    const odd = chacha20Keystream(KEY_00_1F, new Uint8Array(12), 0, 67);
    expect(toHex(odd)).toBe(toHex(chacha20Keystream(KEY_00_1F, new Uint8Array(12), 0, 128).subarray(0, 67)));
  });

  it('refuses to wrap the 32-bit block counter', () => {
    const n = new Uint8Array(12);
    expect(chacha20Keystream(KEY_00_1F, n, 0xffffffff, 64).length).toBe(64);
    expect(errorOf(() => chacha20Keystream(KEY_00_1F, n, 0xffffffff, 65)).parameter).toBe('bytes');
    expect(errorOf(() => chacha20Keystream(KEY_00_1F, n, 2 ** 32, 1)).parameter).toBe('counter');
    expect(errorOf(() => chacha20Keystream(KEY_00_1F, n, -1, 1)).parameter).toBe('counter');
  });

  it('rejects bad key, nonce and length', () => {
    expect(errorOf(() => chacha20Keystream(new Uint8Array(16), new Uint8Array(12), 0, 1)).parameter).toBe('key');
    expect(errorOf(() => chacha20Keystream(KEY_00_1F, new Uint8Array(8), 0, 1)).parameter).toBe('nonce');
    expect(errorOf(() => chacha20Keystream(KEY_00_1F, new Uint8Array(12), 0, -4)).parameter).toBe('bytes');
  });
});

describe('expandMask', () => {
  it('equals the zero-nonce, counter-0 keystream read as little-endian uint32', () => {
    const key = seededRng(5)(32);
    const words = expandMask(key, 37);
    const bytes = chacha20Keystream(key, new Uint8Array(12), 0, 37 * 4);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < 37; i++) expect(words[i]).toBe(view.getUint32(4 * i, true));
  });

  it('is deterministic per key and differs across keys', () => {
    const rng = seededRng(6);
    const k1 = rng(32);
    const k2 = rng(32);
    expect(Array.from(expandMask(k1, 64))).toEqual(Array.from(expandMask(k1, 64)));
    expect(Array.from(expandMask(k1, 64))).not.toEqual(Array.from(expandMask(k2, 64)));
    expect(Array.from(expandMask(k1, 100).subarray(0, 10))).toEqual(Array.from(expandMask(k1, 10)));
  });

  it('word bits look balanced (each of 32 bit positions ≈ half ones)', () => {
    const words = expandMask(seededRng(8)(32), 20000);
    for (let bit = 0; bit < 32; bit++) {
      let ones = 0;
      for (let i = 0; i < words.length; i++) ones += (words[i]! >>> bit) & 1;
      // mean 10000, sd ≈ 70.7; 6 sd bound
      expect(Math.abs(ones - 10000)).toBeLessThan(425);
    }
  });

  it('rejects bad key and word counts', () => {
    expect(errorOf(() => expandMask(new Uint8Array(31), 4)).parameter).toBe('key');
    expect(errorOf(() => expandMask(KEY_00_1F, -1)).parameter).toBe('words');
    expect(errorOf(() => expandMask(KEY_00_1F, MAX_MASK_WORDS + 1)).parameter).toBe('words');
    expect(expandMask(KEY_00_1F, 0).length).toBe(0);
  });
});

describe('openMaskStream', () => {
  const concat = (parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) (out.set(p, o), (o += p.length));
    return out;
  };
  const bytesOf = (w: Uint32Array) => new Uint8Array(w.buffer, w.byteOffset, w.byteLength);

  it('yields the words of expandMask, whatever the read sizes (partial blocks, chunk-sized and larger reads)', () => {
    const key = seededRng(11)(32);
    const total = 3 * MASK_CHUNK_WORDS + 123;
    const sizes = [1, 3, 16, 5, MASK_CHUNK_WORDS, 0, MASK_CHUNK_WORDS + 7, 2, MASK_CHUNK_WORDS - 9];
    const s = openMaskStream(key, total);
    const parts: Uint8Array[] = [];
    for (const n of sizes) parts.push(s.next(n));
    const used = sizes.reduce((a, b) => a + b, 0);
    expect(s.remaining).toBe(total - used);
    parts.push(s.next(s.remaining));
    expect(s.remaining).toBe(0);
    expect(toHex(concat(parts))).toBe(toHex(bytesOf(expandMask(key, total))));
  });

  it('each read is a fresh buffer of 4n bytes', () => {
    const s = openMaskStream(KEY_00_1F, 32);
    const a = s.next(16);
    const b = s.next(16);
    expect(a.length).toBe(64);
    expect(a.buffer).not.toBe(b.buffer);
    expect(toHex(a)).toBe(toHex(chacha20Keystream(KEY_00_1F, new Uint8Array(12), 0, 64)));
  });

  it('fill writes the same words into the buffer it is given, mixed with next, from any position', () => {
    const key = seededRng(12)(32);
    const total = 2 * MASK_CHUNK_WORDS + 77;
    const s = openMaskStream(key, total);
    const parts: Uint8Array[] = [s.next(3)];
    // Pieces that start inside a block (after 3 words), span blocks, and exceed one chunk.
    for (const words of [5, 16, MASK_CHUNK_WORDS + 13, 1]) {
      const backing = new Uint8Array(4 * words + 8);
      const out = backing.subarray(4, 4 + 4 * words);
      s.fill(out);
      expect(Array.from(backing.subarray(0, 4))).toEqual([0, 0, 0, 0]);
      expect(Array.from(backing.subarray(4 + 4 * words))).toEqual([0, 0, 0, 0]);
      parts.push(Uint8Array.from(out));
    }
    parts.push(s.next(s.remaining));
    expect(toHex(concat(parts))).toBe(toHex(bytesOf(expandMask(key, total))));
  });

  it('fill rejects a buffer that is not whole words or runs past the end', () => {
    const s = openMaskStream(KEY_00_1F, 8);
    expect(errorOf(() => s.fill(new Uint8Array(6))).parameter).toBe('out');
    expect(errorOf(() => s.fill(new Uint8Array(36))).parameter).toBe('out');
    expect(s.remaining).toBe(8);
    s.fill(new Uint8Array(32));
    expect(s.remaining).toBe(0);
    s.fill(new Uint8Array(0));
  });

  it('rejects what expandMask rejects, and reads past the end', () => {
    expect(errorOf(() => openMaskStream(new Uint8Array(31), 4)).parameter).toBe('key');
    expect(errorOf(() => openMaskStream(KEY_00_1F, -1)).parameter).toBe('words');
    expect(errorOf(() => openMaskStream(KEY_00_1F, MAX_MASK_WORDS + 1)).parameter).toBe('words');
    expect(errorOf(() => openMaskStream(KEY_00_1F, 1.5)).parameter).toBe('words');
    const s = openMaskStream(KEY_00_1F, 10);
    expect(errorOf(() => s.next(11)).parameter).toBe('n');
    expect(errorOf(() => s.next(-1)).parameter).toBe('n');
    expect(errorOf(() => s.next(0.5)).parameter).toBe('n');
    expect(s.next(10).length).toBe(40);
    expect(errorOf(() => s.next(1)).parameter).toBe('n');
    expect(openMaskStream(KEY_00_1F, 0).next(0).length).toBe(0);
  });
});
