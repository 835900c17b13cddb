/**
 * The recorded secure sums (secagg-run.json, secagg-dropout.json) replay exactly: every member's
 * recorded random draws, fed to the real participant (its secure-aggregation mod, decoding each
 * step from protobuf) while the coordinator's real secureSum drives the steps, give every recorded
 * message, derived value and the sum. Independent checks (tweetnacl, plain arithmetic) confirm
 * that the recorded values are what the document says they are.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { decodeSum } from '../../core/secagg/contribution-codec.ts';
import type { EncodingPlan } from '../../core/secagg/contribution-codec.ts';
import { DROPOUT_RUN, TRIO_RUN, buildSecAggRun } from './build-secagg.ts';
import { VECTORS_DIR, hex, unhex } from './json.ts';

// biome-ignore lint/suspicious/noExplicitAny: vector files are read as plain JSON
const load = (file: string): any => JSON.parse(readFileSync(path.join(VECTORS_DIR, file), 'utf8'));
const asWritten = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
const add = (a: number[], b: number[], sign = 1) => a.map((x, i) => (x + sign * b[i]!) >>> 0);

for (const spec of [TRIO_RUN, DROPOUT_RUN]) {
  describe(spec.file, () => {
    const v = load(spec.file);
    const members: string[] = v.scenario.members;
    const d = v.derived;

    it('replaying the recorded randomness reproduces every message, derived value and the sum', async () => {
      const rebuilt = await buildSecAggRun({ ...spec, ...v.scenario, tapes: v.randomness });
      expect(asWritten(rebuilt)).toEqual(v);
    });

    it('a different random draw changes the run (the comparison can fail)', async () => {
      const tapes = structuredClone(v.randomness);
      const first = tapes[members[0]!][2];
      first.hex = (first.hex[0] === '0' ? '1' : '0') + first.hex.slice(1);
      const rebuilt = asWritten(await buildSecAggRun({ ...spec, ...v.scenario, tapes })) as typeof v;
      expect(rebuilt.steps[0]).toEqual(v.steps[0]); // the self-mask seed is secret: the key adverts do not show it…
      expect(rebuilt.steps[1]).not.toEqual(v.steps[1]); // …its shares are in the ciphertexts,
      expect(rebuilt.derived.members[members[0]!].maskedInput).not.toEqual(d.members[members[0]!].maskedInput); // and the mask changes
    });

    it('signatures verify under the identity keys, ciphertexts open under the derived keys', () => {
      for (const m of members) {
        const me = d.members[m];
        const pk = unhex(v.identities[m].publicKey);
        expect(nacl.sign.detached.verify(unhex(me.advert.signedBytes), unhex(me.advert.signature), pk)).toBe(true);
        if (me.consistency) expect(nacl.sign.detached.verify(unhex(me.consistency.signedBytes), unhex(me.consistency.signature), pk)).toBe(true);
        expect(hex(nacl.scalarMult.base(unhex(me.x25519.cSecretKey)))).toBe(me.x25519.cPublicKey);
        for (const [peer, e] of Object.entries(me.shareEncryption) as [string, Record<'sharedSecret' | 'keyOut' | 'ciphertext' | 'nonce' | 'plaintext', string>][]) {
          expect(hex(nacl.scalarMult(unhex(me.x25519.cSecretKey), unhex(d.members[peer].x25519.cPublicKey)))).toBe(e.sharedSecret);
          expect(d.members[peer].shareEncryption[m].keyIn).toBe(e.keyOut);
          const ct = unhex(e.ciphertext);
          expect(hex(ct.subarray(0, 24))).toBe(e.nonce);
          const opened = nacl.secretbox.open(ct.subarray(24), ct.subarray(0, 24), unhex(e.keyOut));
          expect(opened && hex(opened)).toBe(e.plaintext);
        }
      }
    });

    it('y = x + PRG(b) + Σ ±PRG(s) mod 2^32, and the server\'s sum is Σ x over the survivors', () => {
      let sumX = new Array(v.parameters.length).fill(0);
      for (const m of d.server.u3 as string[]) {
        const me = d.members[m];
        let y = add(me.input.words, me.masks.selfMask);
        for (const p of Object.values(me.masks.pairwise) as { sign: number; prg: number[] }[]) y = add(y, p.prg, p.sign);
        expect(y).toEqual(me.maskedInput);
        sumX = add(sumX, me.input.words);
      }
      expect(sumX).toEqual(d.server.sum);
      const plan = v.parameters.plan;
      const encodingPlan: EncodingPlan = {
        maxSummands: plan.maxSummands,
        shape: Object.fromEntries(plan.vectors.map((x: { name: string; length: number }) => [x.name, x.length])),
        encodings: Object.fromEntries(plan.vectors.map((x: { name: string; encoding: unknown }) => [x.name, x.encoding])),
      };
      const decoded = decodeSum(Uint32Array.from(d.server.sum), encodingPlan, d.server.u3.length);
      delete decoded.__clipped;
      expect(asWritten(Object.fromEntries(Object.entries(decoded).map(([k, x]) => [k, Array.from(x)])))).toEqual(v.result.sum);
      // The decoded sum is the survivors' plain sum, up to the quantization of the update.
      for (const [name, values] of Object.entries(v.result.sum) as [string, number[]][]) {
        values.forEach((x, i) => {
          const plain = (d.server.u3 as string[]).reduce((a, m) => a + v.contributions[m][name][i], 0);
          expect(Math.abs(x - plain)).toBeLessThan(1e-5);
        });
      }
    });
  });
}
