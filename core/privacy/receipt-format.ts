/**
 * Privacy receipts: the statement a participant signs for every charged task, and the
 * verification of a participant's whole receipt log by an auditor. Pure functions, no file I/O,
 * so an auditor's tool (`fedcredit verify-receipts`) needs nothing but the receipts and the
 * public key — which must come from outside the receipts (the roster, or a key the auditor
 * obtained from the participant): the `publicKey` a receipt embeds is the signer's own claim.
 * One receipt relayed with an update is checked by ./receipt-check.ts.
 *
 * A signed receipt is `{ receipt, signature, publicKey }`: `signature` is the detached Ed25519
 * signature (RFC 8032, tweetnacl `nacl.sign.detached`) of the UTF-8 bytes of
 * {@link canonicalJson}(receipt), in base64; `publicKey` is the signer's 32-byte key in hex.
 * Canonical JSON is JSON without whitespace, with object keys sorted (by UTF-16 code units) at
 * every level and numbers written as JSON.stringify writes them.
 *
 * Receipts form a hash chain: `previousReceiptHash` is the SHA-256, in hex, of
 * canonicalJson(previous signed receipt) — exactly the bytes of the previous line of
 * receipts.jsonl without its newline — or null for the participant's first receipt. Removing,
 * reordering or altering a receipt breaks the next link, so an auditor sees omissions.
 */
import { createHash } from 'node:crypto';
import nacl from 'tweetnacl';
import { z } from 'zod';
import { describeZodError, mechanismUnion, formatEpsilon, taskShape } from './ledger-format.ts';

/** Version of the receipt statement this code signs and verifies. */
export const RECEIPT_VERSION = 1;

const hex32 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 32 bytes in lowercase hex');

/** The signed statement: one task's mechanism and parameters, its own ε and the ε after it. */
const receiptFields = {
  version: z.literal(RECEIPT_VERSION),
  /** The participant (institution) name. */
  participant: z.string().min(1),
  ...taskShape,
  /** ε of this task alone, at `delta`. */
  epsilonRound: z.number().nonnegative(),
  /** ε of everything charged to the institution's data so far, this task included, at `delta`. */
  epsilonAfter: z.number().nonnegative(),
  /** ε of this job's tasks so far, this task included, at `delta`. */
  epsilonJob: z.number().nonnegative(),
  delta: z.number().gt(0).lt(1),
  budgetEpsilon: z.number().positive(),
  /** Index of the task's entry in the participant's ledger. */
  ledgerEntryIndex: z.int().nonnegative(),
  previousReceiptHash: hex32.nullable(),
  issuedAt: z.number(),
};
export const PrivacyReceiptSchema = mechanismUnion(receiptFields);
export type PrivacyReceipt = z.infer<typeof PrivacyReceiptSchema>;

/** One line of receipts.jsonl. */
export const SignedReceiptSchema = z.strictObject({
  receipt: PrivacyReceiptSchema,
  signature: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'expected a 64-byte signature in base64'),
  publicKey: hex32,
});
export type SignedReceipt = z.infer<typeof SignedReceiptSchema>;

/** A receipt file or key that cannot be used, or invalid input; `file` names the file when one is at fault. */
export class ReceiptError extends Error {
  readonly file?: string;
  constructor(message: string, file?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReceiptError';
    this.file = file;
  }
}

/** Canonical JSON of plain data (see the module header). Throws on non-finite numbers and non-JSON values. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ReceiptError(`canonical JSON cannot hold the number ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  throw new ReceiptError(`canonical JSON cannot hold a ${typeof value}`);
}

/** SHA-256 (hex) of canonicalJson(value): the chain link to a signed receipt. */
export function receiptHash(signed: unknown): string {
  return createHash('sha256').update(canonicalJson(signed), 'utf8').digest('hex');
}

/** The parsed lines of a receipts.jsonl text (blank lines skipped); ReceiptError naming `source:line` on bad JSON. */
export function parseReceiptLog(text: string, source = 'receipts'): unknown[] {
  const out: unknown[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line));
    } catch (e) {
      throw new ReceiptError(`${source}:${i + 1} is not valid JSON (${(e as Error).message})`, source, { cause: e });
    }
  });
  return out;
}

/** Verdict on one receipt: its own checks (form, key, signature, budget). */
export interface ReceiptCheck {
  index: number;
  ok: boolean;
  reasons: string[];
  /** The receipt, when well-formed. */
  receipt?: PrivacyReceipt;
}

/** A problem between receipt `index - 1` and receipt `index` (or before the first, index 0). */
export interface ChainProblem {
  index: number;
  reason: string;
}

/** Result of {@link verifyReceipts}. */
export interface ReceiptsVerification {
  /** Every receipt ok and no chain problem. */
  ok: boolean;
  receipts: ReceiptCheck[];
  chain: ChainProblem[];
}

/**
 * Verifies a participant's signed receipts, oldest first, against its public key (hex): each
 * receipt's form, key and signature, and that it stays within its budget; then the chain — the
 * first receipt starts the chain (previousReceiptHash null), every next one links to the hash of
 * its predecessor, ledger indices increase, the participant does not change, and epsilonAfter
 * never decreases at an unchanged δ. With `opts.participant`, every receipt must be that
 * participant's. Pure; throws ReceiptError only for a malformed public key.
 */
export function verifyReceipts(list: readonly unknown[], publicKeyHex: string, opts: { participant?: string } = {}): ReceiptsVerification {
  const keyHex = publicKeyHex.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(keyHex)) throw new ReceiptError('the public key must be 32 bytes in hex (64 digits)');
  const key = new Uint8Array(Buffer.from(keyHex, 'hex'));
  const receipts = list.map((raw, index) => checkReceipt(raw, index, key, keyHex, opts.participant));
  const chain: ChainProblem[] = [];
  receipts.forEach(({ receipt: r }, i) => {
    if (r === undefined) return;
    if (i === 0) {
      if (r.previousReceiptHash !== null) {
        chain.push({ index: 0, reason: `receipt 0 links to a previous receipt (${r.previousReceiptHash.slice(0, 12)}…) that is not in the list: receipts before it are missing` });
      }
      return;
    }
    const expected = hashOf(list[i - 1]);
    if (r.previousReceiptHash !== expected) {
      chain.push({ index: i, reason: `chain break before receipt ${i}: its previousReceiptHash does not match the hash of receipt ${i - 1} (a receipt was removed, reordered or altered)` });
    }
    const p = receipts[i - 1]?.receipt;
    if (p === undefined) return;
    if (r.participant !== p.participant) chain.push({ index: i, reason: `participant changes from "${p.participant}" to "${r.participant}" at receipt ${i}` });
    if (r.ledgerEntryIndex <= p.ledgerEntryIndex) {
      chain.push({ index: i, reason: `ledgerEntryIndex ${r.ledgerEntryIndex} of receipt ${i} does not increase over ${p.ledgerEntryIndex} of receipt ${i - 1}` });
    }
    if (r.delta === p.delta && r.epsilonAfter < p.epsilonAfter) {
      chain.push({ index: i, reason: `epsilonAfter decreases from ${p.epsilonAfter} at receipt ${i - 1} to ${r.epsilonAfter} at receipt ${i}` });
    }
  });
  return { ok: chain.length === 0 && receipts.every((c) => c.ok), receipts, chain };
}

function checkReceipt(raw: unknown, index: number, key: Uint8Array, keyHex: string, participant: string | undefined): ReceiptCheck {
  const parsed = SignedReceiptSchema.safeParse(raw);
  if (!parsed.success) return { index, ok: false, reasons: [`malformed: ${describeZodError(parsed.error).text}`] };
  const s = parsed.data;
  const reasons: string[] = [];
  if (s.publicKey !== keyHex) reasons.push(`names the public key ${s.publicKey.slice(0, 12)}…, not the expected ${keyHex.slice(0, 12)}…`);
  // Verify the bytes as given (canonicalized), not zod's copy of them.
  const message = Buffer.from(canonicalJson((raw as { receipt: unknown }).receipt), 'utf8');
  if (!nacl.sign.detached.verify(message, Buffer.from(s.signature, 'base64'), key)) {
    reasons.push('signature does not verify with the expected public key (the receipt was altered or signed by another key)');
  }
  const r = s.receipt;
  if (participant !== undefined && r.participant !== participant) reasons.push(`is a receipt of "${r.participant}", not of "${participant}"`);
  if (r.epsilonAfter > r.budgetEpsilon) {
    reasons.push(`epsilonAfter ${formatEpsilon(r.epsilonAfter)} exceeds the budget ε = ${formatEpsilon(r.budgetEpsilon)}`);
  }
  return { index, ok: reasons.length === 0, reasons, receipt: r };
}

/** The chain hash of a list element, or undefined when it is not JSON data (then no link can match). */
function hashOf(raw: unknown): string | undefined {
  try {
    return receiptHash(raw);
  } catch {
    return undefined;
  }
}
