import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Elligator2U } from './elligator.mjs';
import { instantiateFe25519 } from './fe25519-wasm.mjs';

const P = 2n ** 255n - 19n;
const leToBig = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).reverse().toString('hex')}`);
const bigToLe = (v: bigint) => Buffer.from(v.toString(16).padStart(64, '0'), 'hex').reverse();
const mod = (v: bigint) => ((v % P) + P) % P;
function pow(b: bigint, e: bigint): bigint {
  let r = 1n;
  for (b = mod(b); e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P;
  return r;
}

/** Values at the edges of the limbs and of the reduction, then random ones below 2^255. */
const EDGES = [0n, 1n, 2n, 19n, P - 1n, P - 2n, P - 19n, 2n ** 254n, 2n ** 255n - 1n, 2n ** 255n - 20n, 2n ** 26n - 1n, 2n ** 51n, P - 2n ** 200n, (2n ** 255n - 1n) / 3n];
const values = [...EDGES, ...Array.from({ length: 400 }, () => leToBig(randomBytes(32)) % 2n ** 255n)];

describe('WebAssembly arithmetic modulo 2^255 − 19', () => {
  const fe = instantiateFe25519(1);
  const mem = () => new Uint8Array(fe.memory.buffer);
  const [A, B, O, BYTES] = [1000, 1100, 1200, 0];
  const load = (ptr: number, v: bigint) => {
    mem().set(bigToLe(v), BYTES);
    fe.frombytes(ptr, BYTES);
  };
  const value = (ptr: number) => {
    fe.tobytes(BYTES, ptr);
    return leToBig(mem().slice(BYTES, BYTES + 32));
  };

  it('agrees with BigInt on products, squares, sums, differences and repeated squaring, with canonical output', () => {
    for (const [n, x] of values.entries()) {
      const y = values[(n * 7 + 3) % values.length]!;
      load(A, x);
      load(B, y);
      expect(value(A), `frombytes/tobytes ${x}`).toBe(mod(x));
      fe.mul(O, A, B);
      expect(value(O), `${x} · ${y}`).toBe(mod(x * y));
      fe.sq(O, A);
      expect(value(O), `${x}²`).toBe(mod(x * x));
      fe.add(O, A, B);
      expect(value(O), `${x} + ${y}`).toBe(mod(x + y));
      fe.sub(O, A, B);
      expect(value(O), `${x} − ${y}`).toBe(mod(x - y));
      // A difference (possibly negative limbs) fed to a product.
      fe.mul(O, O, O);
      expect(value(O), `(${x} − ${y})²`).toBe(mod((x - y) * (x - y)));
      fe.sqn(O, A, 7);
      expect(value(O), `${x}^(2^7)`).toBe(pow(x, 2n ** 7n));
    }
  });

  it('keeps long chains of mixed operations exact (results stay within the limb bounds)', () => {
    let ref = 0x1234567n;
    load(A, ref);
    load(B, P - 5n);
    for (let t = 0; t < 3000; t++) {
      if (t % 4 === 0) (fe.sq(A, A), (ref = mod(ref * ref)));
      else if (t % 4 === 1) (fe.sub(A, A, B), (ref = mod(ref - (P - 5n))));
      else if (t % 4 === 2) (fe.add(A, A, A), (ref = mod(2n * ref)));
      else (fe.mul(A, A, B), (ref = mod(ref * (P - 5n))));
    }
    expect(value(A)).toBe(ref);
  });
});

describe('Elligator 2 to curve25519 on the WebAssembly field', () => {
  it('maps a batch to the u-coordinate RFC 9380 §6.7.1 defines, by BigInt', () => {
    const map = new Elligator2U(64);
    const J = 486662n;
    const rs = [0n, 1n, P - 1n, ...Array.from({ length: 61 }, () => leToBig(randomBytes(32)) % P)];
    rs.forEach((r, i) => map.input.set(bigToLe(r), 32 * i));
    const out = map.run(rs.length);
    rs.forEach((r, i) => {
      const x1 = mod(-J * pow(1n + 2n * r * r, P - 2n));
      const gx1 = mod(x1 * x1 * x1 + J * x1 * x1 + x1);
      const square = pow(gx1, (P - 1n) / 2n) !== P - 1n;
      const expected = square ? x1 : mod(-x1 - J);
      expect(leToBig(out.subarray(32 * i, 32 * i + 32)), `r = ${r}`).toBe(expected);
    });
    expect(() => map.run(65)).toThrow(/exceeds capacity 64/);
    expect(map.run(0).length).toBe(0);
  });
});
