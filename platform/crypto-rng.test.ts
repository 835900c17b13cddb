import { describe, expect, it } from 'vitest';
import { bufferedCryptoRng, cryptoRng, POOL_BYTES, SMALL_DRAW_BYTES, STREAM_DRAW_BYTES } from './crypto-rng.ts';

describe('buffered CSPRNG', () => {
  it('hands out fresh bytes of the asked length, across pool refills and for draws larger than a pool', () => {
    const rng = bufferedCryptoRng(64);
    const draws = Array.from({ length: 100 }, (_, i) => rng(1 + (i % 7)));
    draws.forEach((d, i) => expect(d.length).toBe(1 + (i % 7)));
    expect(rng(1000).length).toBe(1000);
    // 16-byte draws never repeat (each byte is handed out once).
    const seen = new Set(Array.from({ length: 500 }, () => Buffer.from(rng(16)).toString('hex')));
    expect(seen.size).toBe(500);
  });

  it('gives bytes spread over all values', () => {
    const rng = bufferedCryptoRng();
    const counts = new Array(256).fill(0);
    for (let i = 0; i < 2000; i++) for (const b of rng(128)) counts[b]++;
    // 1000 expected per value; 6 standard deviations either side.
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(190);
  });
});

describe('CSPRNG', () => {
  it('returns plain Uint8Arrays that own exactly their bytes (no Buffer, no shared pool behind them)', () => {
    for (const n of [0, 1, 7, 32, 4095, 8192, 413_324]) {
      const b = cryptoRng(n);
      expect(b.constructor).toBe(Uint8Array);
      expect(b.length).toBe(n);
      expect(b.byteOffset).toBe(0);
      expect(b.buffer.byteLength).toBe(n);
    }
    expect(Buffer.from(cryptoRng(16)).toString('hex')).not.toBe(Buffer.from(cryptoRng(16)).toString('hex'));
  });
});

describe('CSPRNG draws of every size (pool, direct, ChaCha20 expansion)', () => {
  const sizes = { pooled: SMALL_DRAW_BYTES, direct: STREAM_DRAW_BYTES - 1, expanded: 3 * 65_536 + 17 };

  it('never repeats a draw, across pool refills and between expansions', () => {
    for (const n of [16, SMALL_DRAW_BYTES, 1000, STREAM_DRAW_BYTES]) {
      const seen = new Set<string>();
      const draws = n >= STREAM_DRAW_BYTES ? 50 : Math.ceil((4 * POOL_BYTES) / n) + 10;
      for (let i = 0; i < draws; i++) seen.add(Buffer.from(cryptoRng(n)).toString('hex'));
      expect(seen.size).toBe(draws);
    }
  });

  it('spreads bytes over all values in each path, across chunk boundaries of an expansion', () => {
    for (const [path, n] of Object.entries(sizes)) {
      const counts = new Array(256).fill(0);
      let total = 0;
      while (total < 512_000) {
        for (const b of cryptoRng(n)) counts[b]++;
        total += n;
      }
      const expected = total / 256;
      // 6 standard deviations either side of the expected count.
      const bound = 6 * Math.sqrt(expected);
      for (const c of counts) expect(Math.abs(c - expected), `${path} draws of ${n} bytes`).toBeLessThan(bound);
    }
  });

  it('gives an expansion no long runs of zeros where a chunk ends (every 64 KiB is keystream)', () => {
    const b = cryptoRng(sizes.expanded);
    for (const edge of [65_536, 131_072, 196_608]) {
      const around = b.subarray(edge - 32, Math.min(b.length, edge + 32));
      expect(around.every((x) => x === 0)).toBe(false);
    }
    expect(b.subarray(b.length - 17).every((x) => x === 0)).toBe(false);
  });

  it('refuses a size that is not a non-negative integer', () => {
    expect(() => cryptoRng(-1)).toThrow(/non-negative integer/);
    expect(() => cryptoRng(1.5)).toThrow(/non-negative integer/);
  });
});
