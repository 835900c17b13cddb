// expand_message_xmd (RFC 9380 §5.3.1) with SHA-512 (b = 64, s = 128 bytes), in plain JavaScript
// for the PSI worker threads: a general function, and a reusable expander for hashing many
// messages under one tag, which writes each message into a buffer it keeps instead of allocating
// and concatenating per message (the allocations cost several times the two SHA-512 calls).
import { hash } from 'node:crypto';

/** DST_prime = DST || I2OSP(len(DST), 1). */
function dstPrime(dst) {
  if (dst.length > 255) throw new RangeError('DST longer than 255 bytes');
  const out = Buffer.alloc(dst.length + 1);
  out.set(dst, 0);
  out[dst.length] = dst.length;
  return out;
}

/** expand_message_xmd with SHA-512: `len` uniform bytes of `msg` under the tag `dst`. */
export function expandMessageXmd(msg, dst, len) {
  const ell = Math.ceil(len / 64);
  if (ell > 255 || len > 65535) throw new RangeError('requested length too large');
  const tag = dstPrime(dst);
  // b_0 = H(Z_pad || msg || I2OSP(len, 2) || I2OSP(0, 1) || DST_prime), in one buffer.
  const first = Buffer.alloc(128 + msg.length + 3 + tag.length);
  first.set(msg, 128);
  first[128 + msg.length] = len >> 8;
  first[129 + msg.length] = len & 255;
  first.set(tag, 131 + msg.length);
  const b0 = hash('sha512', first, 'buffer');
  const block = Buffer.alloc(64 + 1 + tag.length);
  block.set(tag, 65);
  const out = Buffer.alloc(ell * 64);
  let prev = b0;
  for (let i = 1; i <= ell; i++) {
    // b_1 = H(b_0 || 1 || DST'), b_i = H((b_0 XOR b_(i-1)) || i || DST').
    for (let j = 0; j < 64; j++) block[j] = i === 1 ? b0[j] : b0[j] ^ prev[j];
    block[64] = i;
    prev = hash('sha512', block, 'buffer');
    out.set(prev, (i - 1) * 64);
  }
  return out.subarray(0, len);
}

/**
 * expand_message_xmd with SHA-512 for outputs of at most 64 bytes (one block b_1, as
 * hash_to_field needs for one curve25519 field element: 48 bytes), for many messages under one
 * tag. Each message is `prefix || rest`, where the prefix is fixed per expander (fedcredit's
 * length-prefixed consortium salt) and the rest is bytes or a string written as UTF-8.
 */
export class Xmd64 {
  constructor(dst, len, prefix = new Uint8Array(0)) {
    if (len < 1 || len > 64) throw new RangeError('Xmd64 gives 1 to 64 bytes');
    this.len = len;
    this.tag = dstPrime(dst);
    this.prefix = Buffer.from(prefix);
    this.first = Buffer.alloc(0);
    this.reserve(256);
    // b_1 = H(b_0 || 1 || DST'): only b_0 changes from message to message.
    this.block = Buffer.alloc(65 + this.tag.length);
    this.block[64] = 1;
    this.block.set(this.tag, 65);
  }

  /** Makes room for a message rest of `bytes` bytes: Z_pad (zeros) and the prefix stay in place. */
  reserve(bytes) {
    const need = 128 + this.prefix.length + bytes + 3 + this.tag.length;
    if (this.first.length >= need) return;
    this.first = Buffer.alloc(Math.max(need, 2 * this.first.length));
    this.prefix.copy(this.first, 128);
  }

  /** The first `len` bytes of the result are the uniform bytes of `prefix || rest`. */
  expand(rest) {
    const start = 128 + this.prefix.length;
    let end;
    if (typeof rest === 'string') {
      // UTF-8 takes at most 3 bytes per UTF-16 code unit.
      this.reserve(3 * rest.length);
      end = start + this.first.write(rest, start, 'utf8');
    } else {
      this.reserve(rest.length);
      this.first.set(rest, start);
      end = start + rest.length;
    }
    const f = this.first;
    f[end] = 0;
    f[end + 1] = this.len;
    f[end + 2] = 0;
    this.tag.copy(f, end + 3);
    const b0 = hash('sha512', f.subarray(0, end + 3 + this.tag.length), 'buffer');
    b0.copy(this.block, 0);
    return hash('sha512', this.block, 'buffer');
  }
}
