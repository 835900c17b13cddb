/**
 * A member's masks, computed before its input exists.
 *
 * Once a member has answered the share-keys step it holds everything its mask is made of — its
 * self-mask seed b_u and its s-agreements with its neighbours in U1 — and lacks one fact: which of
 * those neighbours reach U2 (the share delivery says so). So it can compute
 *
 *     M = PRG(b_u) + Σ_{v ∈ N(u) ∩ U1} pairSign(u, v)·PRG(s_uv)   (mod 2^bits)
 *
 * while it waits for the masked-input request (which, for a training sum, brings the weights it
 * must first train from), and at masking add M to its input and take out the terms of the
 * neighbours that did not reach U2. The result is y_u bit for bit as computed at once: the same
 * terms, added in a different order, mod 2^bits.
 *
 * The work is the same; only its moment changes. A member that would otherwise wait for the
 * coordinator (to finish a round, or for the step's other members) spends the wait on its masks.
 * Pure: the caller decides when to advance the computation, and nothing here keeps time.
 */
import { CoreInputError } from '../../types.ts';
import { wipe } from '../keys.ts';
import { startMask } from '../mask.ts';
import type { PendingMask } from '../mask.ts';
import { maskTerms } from './client-crypto.ts';
import type { At } from './client-step.ts';
import type { ClientState } from './states.ts';

/** A mask being computed ahead for one client state (from {@link openMaskAhead}). */
export interface MaskAhead {
  /** True once the whole mask is computed. */
  readonly done: boolean;
  /** Computes up to `chunks` more chunks of the mask (16,384 words each); returns {@link MaskAhead.done}. */
  advance(chunks: number): boolean;
  /** Zeroes the mask; a masked-input step given it afterwards refuses it. */
  wipe(): void;
}

interface AheadRecord {
  /** The client state the mask belongs to (the one waiting for its share delivery). */
  state: ClientState;
  /** The neighbours whose pairwise terms M holds: every neighbour in U1. */
  peers: readonly string[];
  pending: PendingMask;
  wiped: boolean;
}

/** Masks opened here, by handle: only these are accepted at masking, each for its own state. */
const records = new WeakMap<MaskAhead, AheadRecord>();

/**
 * Starts the mask of a client waiting for its share delivery (stage `masked-input`); undefined at
 * any other stage, or when a neighbour's key cannot be agreed with (masking would then abort
 * anyway, and says why). Nothing is computed until {@link MaskAhead.advance}.
 */
export function openMaskAhead(state: ClientState): MaskAhead | undefined {
  if (state.stage !== 'masked-input') return undefined;
  const peers = state.inboundKeys.map((k) => k.from);
  const terms = maskTerms(state, peers);
  if (typeof terms === 'string') return undefined;
  const record: AheadRecord = { state, peers, pending: startMask(state.config.length, terms, state.config.bits), wiped: false };
  for (const t of terms) wipe(t.key); // the keystreams hold their own copies
  const ahead: MaskAhead = {
    get done() {
      return record.pending.done;
    },
    advance(chunks: number): boolean {
      if (record.wiped) throw new CoreInputError('this mask was wiped', 'ahead');
      return record.pending.advance(chunks);
    },
    wipe(): void {
      record.wiped = true;
      record.pending.wipe();
    },
  };
  records.set(ahead, record);
  return ahead;
}

/**
 * The finished mask M of `ahead` and the neighbours whose terms it holds, for masking `state`.
 * Throws {@link CoreInputError} (`ahead`) unless `ahead` came from {@link openMaskAhead} for this
 * very state and was not wiped or used before. The caller owns and wipes the returned mask.
 */
export function takeMaskAhead(ahead: MaskAhead, state: At<'masked-input'>): { peers: readonly string[]; mask: Uint32Array } {
  const record = records.get(ahead);
  if (!record) throw new CoreInputError('this mask was not computed ahead by openMaskAhead', 'ahead');
  if (record.state !== state) throw new CoreInputError(`this mask was computed ahead for another state than ${state.id}'s in secure sum ${state.config.run}`, 'ahead');
  if (record.wiped) throw new CoreInputError('this mask was wiped or used already', 'ahead');
  record.wiped = true;
  return { peers: record.peers, mask: record.pending.finish() };
}
