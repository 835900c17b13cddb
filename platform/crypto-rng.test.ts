import { describe, expect, it } from 'vitest';
import { bufferedCryptoRng, cryptoRng } from './crypto-rng.ts';

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
