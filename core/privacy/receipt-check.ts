/**
 * One privacy receipt as a participant sends it with an update, checked by whoever relays or
 * reports it (the coordinator at delivery, the Control API, the audit log's verifier): it must be
 * well-formed, be about the expected participant, job, round and stage, and be signed with the
 * key that party trusts for the participant.
 *
 * That key is "pinned" when it comes from outside the receipt — the consortium roster, or the
 * identity key an audit log recorded when the member joined. Only then does a valid signature
 * mean the participant made the statement: the `publicKey` embedded in a receipt is chosen by
 * whoever made the receipt, so a receipt checked only against it (no pinned key: a test network
 * without a roster) proves nothing about its author, and callers must report it as unpinned.
 *
 * Pure: no I/O. Statement, canonical form and chain: ./receipt-format.ts.
 */
import nacl from 'tweetnacl';
import { describeZodError } from './ledger-format.ts';
import { SignedReceiptSchema, canonicalJson } from './receipt-format.ts';

/** Which task a receipt must be about. */
export interface ReceiptExpectation {
  participant: string;
  jobId: string;
  round: number;
  /** The task kind, e.g. "train"; not checked when omitted. */
  stage?: string;
}

/** The key a receipt must be signed with, and where it comes from (for messages, e.g. "the roster's key for bank-a"). */
export interface PinnedKey {
  /** Ed25519 public key, 32 bytes in lowercase hex. */
  key: string;
  from: string;
}

/** What a valid receipt states, and how it was checked. */
export interface ReceiptSpend {
  participant: string;
  /** The release the receipt is about: "train", "stats", "evaluate", … */
  stage: string;
  epsilonRound: number;
  epsilonJob: number;
  epsilonTotal: number;
  delta: number;
  budgetEpsilon: number;
  /** The key that signed the receipt (hex); it is the pinned key when `pinned`. */
  signerKey: string;
  /** The signature verified under a pinned key; false: only under the key embedded in the receipt. */
  pinned: boolean;
}

/** Why a receipt is invalid; `signerKey` is the key it names, when it is readable. */
export interface ReceiptProblem {
  problem: string;
  signerKey?: string;
}

/**
 * Reads one signed receipt (JSON) and checks it against `expect` and, when given, the pinned key.
 * With a pinned key, the receipt must name that key and its signature must verify under it; a
 * receipt signed with any other key is invalid, whatever its own signature says. Without one,
 * the signature is checked under the embedded key and the spend is marked unpinned.
 */
export function readReceipt(json: string, expect: ReceiptExpectation, pinned?: PinnedKey): ReceiptSpend | ReceiptProblem {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    return { problem: `privacy receipt is not JSON: ${(e as Error).message}` };
  }
  const r = SignedReceiptSchema.safeParse(parsed);
  if (!r.success) {
    const d = describeZodError(r.error);
    return { problem: `privacy receipt is malformed: ${d.field}: ${d.text}` };
  }
  const { receipt, signature, publicKey } = r.data;
  const about = `privacy receipt of ${expect.participant}`;
  if (receipt.participant !== expect.participant || receipt.jobId !== expect.jobId || receipt.round !== expect.round) {
    return { problem: `${about} is for ${receipt.participant}, job ${receipt.jobId}, round ${receipt.round}, not job ${expect.jobId} round ${expect.round}`, signerKey: publicKey };
  }
  if (expect.stage !== undefined && receipt.stage !== expect.stage) {
    return { problem: `${about} is for stage "${receipt.stage}", not "${expect.stage}"`, signerKey: publicKey };
  }
  // Verify the bytes as sent (canonicalized), not zod's copy of them.
  const message = new TextEncoder().encode(canonicalJson((parsed as { receipt: unknown }).receipt));
  const verifies = (keyHex: string) => nacl.sign.detached.verify(message, new Uint8Array(Buffer.from(signature, 'base64')), new Uint8Array(Buffer.from(keyHex, 'hex')));
  if (pinned) {
    const key = pinned.key.toLowerCase();
    if (publicKey !== key) {
      const problem = verifies(publicKey)
        ? `${about} is signed with key ${publicKey}, not with ${pinned.from}, ${key}: a receipt signed with any other key is invalid`
        : verifies(key)
          ? `${about} is signed with ${pinned.from}, ${key}, but names key ${publicKey} (the receipt was altered)`
          : `${about} names key ${publicKey}, not ${pinned.from}, ${key}, and its signature verifies under neither (the receipt was altered or forged)`;
      return { problem, signerKey: publicKey };
    }
    if (!verifies(key)) return { problem: `${about}: the signature does not verify under ${pinned.from}, ${key} (the receipt was altered)`, signerKey: publicKey };
  } else if (!verifies(publicKey)) {
    return { problem: `${about}: the signature does not verify even under the key embedded in it, ${publicKey} (the receipt was altered)`, signerKey: publicKey };
  }
  return {
    participant: receipt.participant,
    stage: receipt.stage,
    epsilonRound: receipt.epsilonRound,
    epsilonJob: receipt.epsilonJob,
    epsilonTotal: receipt.epsilonAfter,
    delta: receipt.delta,
    budgetEpsilon: receipt.budgetEpsilon,
    signerKey: publicKey,
    pinned: pinned !== undefined,
  };
}

/**
 * {@link readReceipt} pinned to a roster (name → Ed25519 public key, as trust/format.ts memberKeys
 * gives it): the receipt must be signed with the key the roster lists for `expect.participant`,
 * and a participant the roster does not list has no valid receipt. Without a roster (`keys`
 * undefined) the receipt is checked against its embedded key and reported unpinned.
 */
export function readRosterReceipt(json: string, expect: ReceiptExpectation, keys: ReadonlyMap<string, Uint8Array> | undefined): ReceiptSpend | ReceiptProblem {
  if (!keys) return readReceipt(json, expect);
  const key = keys.get(expect.participant);
  if (!key) return { problem: `privacy receipt of ${expect.participant}, who is not a member of the roster: it cannot be checked against a roster key` };
  return readReceipt(json, expect, { key: Buffer.from(key).toString('hex'), from: `the roster's key for ${expect.participant}` });
}
