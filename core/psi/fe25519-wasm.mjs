// Arithmetic modulo p = 2^255 − 19 as a small WebAssembly module that this file writes out
// instruction by instruction (no toolchain, no binary blob): hashing IDs to the curve spends
// almost all of its time in one field exponentiation per ID, which plain JavaScript numbers or
// BigInt do tens of times slower than 64-bit integer instructions.
//
// A field element is ten signed 64-bit limbs in linear memory (80 bytes), radix 2^25.5: limb i
// holds bits [⌈25.5·i⌉, ⌈25.5·(i+1)⌉), 26 bits for even i and 25 for odd i. Every exported
// operation leaves its result carried (each limb within about 2^26 in magnitude), so any result
// can be the input of any other; only `tobytes` gives the canonical value. Pointers are byte
// offsets into the module's exported memory.
//
// Exports: mul(o, a, b), sq(o, a), sqn(o, a, n) (n ≥ 1 squarings), add(o, a, b), sub(o, a, b),
// frombytes(o, bytes) (32 bytes little-endian, bit 255 ignored), tobytes(bytes, a).

const I32 = 0x7f;
const I64 = 0x7e;
const BITS = [26, 25, 26, 25, 26, 25, 26, 25, 26, 25];

/** Unsigned LEB128. */
function uleb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a BigInt. */
function sleb(v) {
  const out = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

/** A function body under construction: params are locals 0.., then `extra` i64 locals. */
class Body {
  constructor(params, extra) {
    this.params = params;
    this.next = params.length;
    this.extra = extra;
    this.code = [];
  }
  /** A fresh i64 local's index. */
  local() {
    if (this.next >= this.params.length + this.extra) throw new Error('too few locals');
    return this.next++;
  }
  locals(n) {
    return Array.from({ length: n }, () => this.local());
  }
  get(i) { this.code.push(0x20, ...uleb(i)); return this; }
  set(i) { this.code.push(0x21, ...uleb(i)); return this; }
  tee(i) { this.code.push(0x22, ...uleb(i)); return this; }
  i64(v) { this.code.push(0x42, ...sleb(BigInt(v))); return this; }
  i32(v) { this.code.push(0x41, ...sleb(BigInt(v))); return this; }
  op(...bytes) { this.code.push(...bytes); return this; }
  load(ptr, offset) { this.get(ptr); this.code.push(0x29, 3, ...uleb(offset)); return this; }
  /** Stores the i64 that `push` leaves on the stack at ptr + offset. */
  store(ptr, offset, push) { this.get(ptr); push(); this.code.push(0x37, 3, ...uleb(offset)); return this; }
  bytes() {
    const decl = this.extra > 0 ? [1, ...uleb(this.extra), I64] : [0];
    const body = [...decl, ...this.code, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

const ADD = 0x7c, SUB = 0x7d, MUL = 0x7e, AND = 0x83, OR = 0x84, SHL = 0x86, SHR_S = 0x87, SHR_U = 0x88;

/** Loads the ten limbs at `ptr` into fresh locals. */
function loadLimbs(f, ptr) {
  return BITS.map((_, i) => {
    const l = f.local();
    f.load(ptr, 8 * i).set(l);
    return l;
  });
}

/** Moves the carry of limb i into limb `to`, times `times` (floor division: limb i ends in [0, 2^bits)). */
function carry(f, h, i, to, times, c) {
  f.get(h[i]).i64(BITS[i]).op(SHR_S).set(c);
  f.get(h[i]).i64((1 << BITS[i]) - 1).op(AND).set(h[i]);
  f.get(h[to]).get(c);
  if (times !== 1) f.i64(times).op(MUL);
  f.op(ADD).set(h[to]);
}

/** Carries limbs 0..9 in turn, folds limb 9's carry into limb 0 (2^255 ≡ 19), and carries limb 0 once more. */
function carryAll(f, h, c) {
  for (let i = 0; i < 9; i++) carry(f, h, i, i + 1, 1, c);
  carry(f, h, 9, 0, 19, c);
  carry(f, h, 0, 1, 1, c);
}

function storeLimbs(f, ptr, h) {
  h.forEach((l, i) => f.store(ptr, 8 * i, () => f.get(l)));
}

/** Sums the terms (pairs of locals, multiplied) into local `into`. */
function sumOfProducts(f, terms, into) {
  terms.forEach(([x, y], k) => {
    f.get(x).get(y).op(MUL);
    if (k > 0) f.op(ADD);
  });
  f.set(into);
}

/** mul(o, a, b): o = a · b. */
function mulBody() {
  const f = new Body([I32, I32, I32], 10 * 5 + 1);
  const a = loadLimbs(f, 1);
  const b = loadLimbs(f, 2);
  // 19·b_j for the products that wrap past 2^255, and 2·a_i for odd i: limb offsets of two odd
  // limbs add up to one more than their sum's offset.
  const b19 = b.map((l) => { const t = f.local(); f.get(l).i64(19).op(MUL).set(t); return t; });
  const a2 = a.map((l, i) => { const t = f.local(); if (i % 2 === 1) f.get(l).i64(1).op(SHL).set(t); return t; });
  const h = f.locals(10);
  for (let k = 0; k < 10; k++) {
    const terms = [];
    for (let i = 0; i < 10; i++) {
      const j = (k - i + 10) % 10;
      const left = i % 2 === 1 && j % 2 === 1 ? a2[i] : a[i];
      terms.push([left, i <= k ? b[j] : b19[j]]);
    }
    sumOfProducts(f, terms, h[k]);
  }
  carryAll(f, h, f.local());
  storeLimbs(f, 0, h);
  return f;
}

/** sq(o, a): o = a², with each cross product counted once and doubled. */
function sqBody() {
  const f = new Body([I32, I32], 10 * 5 + 1);
  const a = loadLimbs(f, 1);
  const a2 = a.map((l) => { const t = f.local(); f.get(l).i64(1).op(SHL).set(t); return t; });
  const a4 = a.map((l) => { const t = f.local(); f.get(l).i64(2).op(SHL).set(t); return t; });
  const a19 = a.map((l) => { const t = f.local(); f.get(l).i64(19).op(MUL).set(t); return t; });
  const h = f.locals(10);
  for (let k = 0; k < 10; k++) {
    const terms = [];
    for (let i = 0; i < 10; i++) {
      const j = (k - i + 10) % 10;
      if (j < i) continue;
      // Factor 2 for two odd limbs, 2 for a cross product (i ≠ j), 19 when the product wraps.
      const twos = (i % 2 === 1 && j % 2 === 1 ? 1 : 0) + (i !== j ? 1 : 0);
      const left = [a, a2, a4][twos][i];
      terms.push([left, i + j >= 10 ? a19[j] : a[j]]);
    }
    sumOfProducts(f, terms, h[k]);
  }
  carryAll(f, h, f.local());
  storeLimbs(f, 0, h);
  return f;
}

/** sqn(o, a, n): o = a^(2^n), n ≥ 1 (calls sq, function 1). */
function sqnBody() {
  const f = new Body([I32, I32, I32], 0);
  f.get(0).get(1).op(0x10, 1);
  // block { loop { if (--n == 0) break; sq(o, o); continue } }
  f.op(0x02, 0x40, 0x03, 0x40);
  f.get(2).i32(1).op(0x6b).tee(2).op(0x45, 0x0d, 1);
  f.get(0).get(0).op(0x10, 1);
  f.op(0x0c, 0, 0x0b, 0x0b);
  return f;
}

/** add(o, a, b) or sub(o, a, b), limb by limb, then carried. */
function linearBody(opcode) {
  const f = new Body([I32, I32, I32], 10 * 3 + 1);
  const a = loadLimbs(f, 1);
  const b = loadLimbs(f, 2);
  const h = a.map((l, i) => { f.get(l).get(b[i]).op(opcode).set(l); return l; });
  carryAll(f, h, f.local());
  storeLimbs(f, 0, h);
  return f;
}

/** frombytes(o, bytes): the 255 low bits of four little-endian 64-bit words, split into limbs. */
function frombytesBody() {
  const f = new Body([I32, I32], 4);
  const w = [0, 1, 2, 3].map((k) => { const l = f.local(); f.load(1, 8 * k).set(l); return l; });
  const mask = (i) => f.i64((1 << BITS[i]) - 1).op(AND);
  const parts = [
    () => f.get(w[0]),
    () => f.get(w[0]).i64(26).op(SHR_U),
    () => f.get(w[0]).i64(51).op(SHR_U).get(w[1]).i64(13).op(SHL).op(OR),
    () => f.get(w[1]).i64(13).op(SHR_U),
    () => f.get(w[1]).i64(38).op(SHR_U),
    () => f.get(w[2]),
    () => f.get(w[2]).i64(25).op(SHR_U),
    () => f.get(w[2]).i64(51).op(SHR_U).get(w[3]).i64(13).op(SHL).op(OR),
    () => f.get(w[3]).i64(12).op(SHR_U),
    () => f.get(w[3]).i64(38).op(SHR_U),
  ];
  parts.forEach((push, i) => f.store(0, 8 * i, () => { push(); mask(i); }));
  return f;
}

/** 2p limb by limb: added before freezing so that every limb and the value are non-negative. */
const TWO_P = BITS.map((b, i) => 2 * ((1 << b) - (i === 0 ? 19 : 1)));

/** tobytes(bytes, a): the canonical value of a (in [0, p)) as 32 little-endian bytes. */
function tobytesBody() {
  const f = new Body([I32, I32], 10 + 2);
  const h = loadLimbs(f, 1);
  const c = f.local();
  const q = f.local();
  h.forEach((l, i) => f.get(l).i64(TWO_P[i]).op(ADD).set(l));
  // Two passes leave limbs 1..9 in range and the value below 2^255 + 19 < 2p.
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < 9; i++) carry(f, h, i, i + 1, 1, c);
    carry(f, h, 9, 0, 19, c);
  }
  // q = 1 exactly when value + 19 ≥ 2^255, i.e. value ≥ p; then value − p = value + 19 − 2^255.
  f.get(h[0]).i64(19).op(ADD).i64(26).op(SHR_S).set(q);
  for (let i = 1; i < 10; i++) f.get(h[i]).get(q).op(ADD).i64(BITS[i]).op(SHR_S).set(q);
  f.get(h[0]).get(q).i64(19).op(MUL).op(ADD).set(h[0]);
  for (let i = 0; i < 9; i++) carry(f, h, i, i + 1, 1, c);
  f.get(h[9]).i64((1 << 25) - 1).op(AND).set(h[9]);
  const words = [
    [[0, 0], [1, 26], [2, 51]],
    [[2, -13], [3, 13], [4, 38]],
    [[5, 0], [6, 25], [7, 51]],
    [[7, -13], [8, 12], [9, 38]],
  ];
  words.forEach((parts, k) => f.store(0, 8 * k, () => {
    parts.forEach(([i, s], n) => {
      f.get(h[i]);
      if (s > 0) f.i64(s).op(SHL);
      if (s < 0) f.i64(-s).op(SHR_U);
      if (n > 0) f.op(OR);
    });
  }));
  return f;
}

function section(id, content) {
  return [id, ...uleb(content.length), ...content];
}
function vec(items) {
  return [...uleb(items.length), ...items.flat()];
}
function name(s) {
  return vec([...Buffer.from(s, 'utf8')]);
}

/** The module's bytes; `pages` of 64 KiB memory to start with. */
export function fe25519ModuleBytes(pages = 1) {
  const fns = [
    ['mul', 0, mulBody], ['sq', 1, sqBody], ['sqn', 0, sqnBody], ['add', 0, () => linearBody(ADD)],
    ['sub', 0, () => linearBody(SUB)], ['frombytes', 1, frombytesBody], ['tobytes', 1, tobytesBody],
  ];
  const types = [[0x60, ...vec([I32, I32, I32]), 0], [0x60, ...vec([I32, I32]), 0]];
  const exports = [...fns.map(([n], i) => [...name(n), 0, ...uleb(i)]), [...name('memory'), 2, 0]];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, vec(types)),
    ...section(3, vec(fns.map(([, t]) => uleb(t)))),
    ...section(5, vec([[0, ...uleb(pages)]])),
    ...section(7, vec(exports)),
    ...section(10, vec(fns.map(([, , body]) => body().bytes()))),
  ]);
}

/** A compiled, instantiated module: its exports, including `memory`. */
export function instantiateFe25519(pages = 1) {
  return new WebAssembly.Instance(new WebAssembly.Module(fe25519ModuleBytes(pages))).exports;
}
