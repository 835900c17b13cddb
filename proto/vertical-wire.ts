/**
 * Vertical-job payloads on the wire (VerticalStep, VerticalReply) and back, validated: peer names
 * bounded, at most one envelope per peer, the reply's public numbers finite.
 */
import { z } from 'zod';
import type { Envelope, VerticalReply } from '../core/vertical/messages.ts';
import type { VerticalReply as WireReply, VerticalReply__Output } from './generated/fedcredit/v1/VerticalReply.ts';
import type { VerticalStep, VerticalStep__Output } from './generated/fedcredit/v1/VerticalStep.ts';
import { MAX_NAME_CHARS } from './limits.ts';
import { formatZodError } from './validate.ts';
import { type VerticalTask, VerticalStepConfigSchema } from '../core/vertical/messages.ts';

/** Most envelopes one step or reply may carry (parties of a job, with room). */
export const MAX_ENVELOPES = 64;

/** Envelopes from the wire: at most {@link MAX_ENVELOPES}, each with a bounded peer name, one per peer; throws naming the problem. */
export function envelopesFromWire(list: { peer: string; data: Buffer }[], what: string): Envelope[] {
  if (list.length > MAX_ENVELOPES) throw new Error(`${what}: ${list.length} envelopes, more than ${MAX_ENVELOPES}`);
  const seen = new Set<string>();
  return list.map((e, i) => {
    if (!e.peer || e.peer.length > MAX_NAME_CHARS) throw new Error(`${what}: envelope ${i} has no valid peer name`);
    if (seen.has(e.peer)) throw new Error(`${what}: two envelopes for peer "${e.peer}"`);
    seen.add(e.peer);
    return { peer: e.peer, data: new Uint8Array(e.data) };
  });
}

/** A step's payload for the wire. */
export function verticalStepToWire(v: { envelopes: Envelope[]; dealt?: Uint8Array }): VerticalStep {
  return { envelopes: v.envelopes.map((e) => ({ peer: e.peer, data: Buffer.from(e.data) })), dealt: v.dealt ? Buffer.from(v.dealt) : Buffer.alloc(0) };
}

/** A step's payload from the wire. */
export function verticalStepFromWire(v: VerticalStep__Output): { envelopes: Envelope[]; dealt?: Uint8Array } {
  return { envelopes: envelopesFromWire(v.envelopes, 'vertical step'), ...(v.dealt.length > 0 ? { dealt: new Uint8Array(v.dealt) } : {}) };
}

/** A reply for the wire. */
export function verticalReplyToWire(r: VerticalReply): WireReply {
  return {
    envelopes: r.envelopes.map((e) => ({ peer: e.peer, data: Buffer.from(e.data) })),
    publicKey: r.publicKey ? Buffer.from(r.publicKey) : Buffer.alloc(0),
    keySignature: r.keySignature ? Buffer.from(r.keySignature) : Buffer.alloc(0),
    infoJson: r.info ? JSON.stringify(Object.fromEntries(Object.entries(r.info).filter(([, v]) => Number.isFinite(v)))) : '',
  };
}

const InfoSchema = z.record(z.string().max(MAX_NAME_CHARS + 16), z.number().finite()).refine((o) => Object.keys(o).length <= 64, 'at most 64 numbers');

/** A reply from the wire; throws naming what is malformed. */
export function verticalReplyFromWire(r: VerticalReply__Output, from: string): VerticalReply {
  let info: Record<string, number> | undefined;
  if (r.infoJson) {
    let raw: unknown;
    try {
      raw = JSON.parse(r.infoJson);
    } catch (err) {
      throw new Error(`vertical reply of ${from}: info_json is not JSON (${(err as Error).message})`);
    }
    const parsed = InfoSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`vertical reply of ${from}: info_json must map names to finite numbers`);
    info = parsed.data;
  }
  if (r.publicKey.length !== 0 && r.publicKey.length !== 32) throw new Error(`vertical reply of ${from}: public_key has ${r.publicKey.length} bytes, expected 32`);
  if (r.keySignature.length !== 0 && r.keySignature.length !== 64) throw new Error(`vertical reply of ${from}: key_signature has ${r.keySignature.length} bytes, expected 64`);
  return {
    envelopes: envelopesFromWire(r.envelopes, `vertical reply of ${from}`),
    ...(r.publicKey.length ? { publicKey: new Uint8Array(r.publicKey) } : {}),
    ...(r.keySignature.length ? { keySignature: new Uint8Array(r.keySignature) } : {}),
    ...(info ? { info } : {}),
  };
}

/** A vertical task from the wire: its config (JSON) and payload, validated; throws naming the problem. */
export function parseVerticalTask(configJson: string, payload: VerticalStep__Output | null | undefined): VerticalTask {
  let raw: unknown;
  try {
    raw = JSON.parse(configJson);
  } catch (err) {
    throw new Error(`vertical step config is not valid JSON: ${(err as Error).message}`);
  }
  const config = VerticalStepConfigSchema.safeParse(raw);
  if (!config.success) throw new Error(`vertical step config is invalid: ${formatZodError(config.error)}`);
  const p = payload ? verticalStepFromWire(payload) : { envelopes: [] };
  return { config: config.data, ...p };
}
