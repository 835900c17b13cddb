/**
 * The plaintext of a ShareKeys ciphertext (Bonawitz et al., CCS 2017, §4 round 1:
 * e_{u,v} = AE.enc(k_{u,v}, u ‖ v ‖ s^SK_{u,v} ‖ b_{u,v})), extended with the run, round and stage
 * so that a share replayed from another run, round, sender, recipient or stage is rejected even if
 * it authenticates (bound inside: run, round, src, dst, stage).
 *
 * Layout (every variable-length field length-prefixed with a uint32 big-endian):
 *
 *     0x01 ‖ lp(run) ‖ u32be(round) ‖ lp(src) ‖ lp(dst) ‖ lp(stage) ‖ lp(bShare) ‖ lp(sShare)
 */
import { CoreInputError } from '../../types.ts';

/** Version byte of the share plaintext layout. */
export const SHARE_PLAINTEXT_VERSION = 1;

/** The stage name bound into share plaintexts. */
export const SHARE_STAGE = 'share-keys';

/** Decoded share plaintext: context plus the encoded shares of src's b and s_sk held by dst. */
export interface SharePlaintext {
  run: string;
  round: number;
  src: string;
  dst: string;
  stage: string;
  selfMaskShare: Uint8Array;
  keyShare: Uint8Array;
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/** Serializes a share plaintext (layout in the module header). */
export function encodeSharePlaintext(p: SharePlaintext): Uint8Array {
  const parts = [enc.encode(p.run), null, enc.encode(p.src), enc.encode(p.dst), enc.encode(p.stage), p.selfMaskShare, p.keyShare];
  let total = 1;
  for (const part of parts) total += 4 + (part ? part.length : 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out[0] = SHARE_PLAINTEXT_VERSION;
  let off = 1;
  for (const part of parts) {
    if (part === null) {
      view.setUint32(off, p.round, false);
      off += 4;
    } else {
      view.setUint32(off, part.length, false);
      out.set(part, off + 4);
      off += 4 + part.length;
    }
  }
  return out;
}

/**
 * Parses a share plaintext. Throws {@link CoreInputError} (`plaintext`) on a wrong version,
 * a truncated or over-long buffer, or a field that is not UTF-8.
 */
export function decodeSharePlaintext(bytes: Uint8Array): SharePlaintext {
  const bad = (why: string): CoreInputError => new CoreInputError(`malformed share plaintext: ${why}`, 'plaintext');
  if (bytes.length < 1 || bytes[0] !== SHARE_PLAINTEXT_VERSION) throw bad('unknown version');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 1;
  const u32 = (): number => {
    if (off + 4 > bytes.length) throw bad('truncated');
    const v = view.getUint32(off, false);
    off += 4;
    return v;
  };
  const field = (): Uint8Array => {
    const len = u32();
    if (off + len > bytes.length) throw bad('truncated');
    const out = bytes.slice(off, off + len);
    off += len;
    return out;
  };
  const text = (): string => {
    try {
      return dec.decode(field());
    } catch (e) {
      if (e instanceof CoreInputError) throw e;
      throw bad('a text field is not UTF-8');
    }
  };
  const run = text();
  const round = u32();
  const src = text();
  const dst = text();
  const stage = text();
  const selfMaskShare = field();
  const keyShare = field();
  if (off !== bytes.length) throw bad('trailing bytes');
  return { run, round, src, dst, stage, selfMaskShare, keyShare };
}
