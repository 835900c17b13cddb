/**
 * A participant's signed privacy receipts (issue 4, "Reporting"): for every task charged to its
 * ledger (./ledger.ts), the participant signs a receipt — mechanism, parameters, the task's own ε
 * and the cumulative ε after it — with an Ed25519 key kept in its state dir, and appends it to a
 * hash-chained log that an auditor verifies with {@link verifyReceipts} and the public key.
 * Statement, canonical form, chain and verification: ./receipt-format.ts.
 *
 * Files under `<stateDir>/privacy/`:
 *  - `receipt-key.json` (mode 0600): `{ format: "fedcredit-receipt-key", version: 1,
 *    algorithm: "ed25519", publicKey, seed, createdAt }`, `seed` being the 32-byte Ed25519 private
 *    key (RFC 8032) in hex. Created on first use from 32 bytes of the injected Rng (node:crypto by
 *    default); loaded afterwards and checked (the seed must give the stored public key). An
 *    unreadable or corrupted key file is an error and is never overwritten; a missing key while
 *    receipts exist is an error too (a new key would silently break the auditor's chain). The key
 *    signs receipts and nothing else.
 *  - `receipt-key.pub`: the public key in hex plus a newline, for the auditor (derived; rewritten
 *    when missing or stale).
 *  - `receipts.jsonl`: one signed receipt per line, canonical JSON, oldest first. Each append
 *    rewrites the file atomically (coordinator/atomic.ts), so a crash never leaves a torn line.
 *
 * Concurrency: one process per state dir, as for the ledger; a write refuses when receipts.jsonl
 * changed on disk since this signer read it. Order for a task: ledger.charge → signReceipt →
 * release the result. A crash between the first two leaves a ledger entry without a receipt; the
 * ledger (the authority) still counts it, and the receipts' ledger indices show the gap.
 */
import { chmodSync, readFileSync } from 'node:fs';
import path from 'node:path';
import nacl from 'tweetnacl';
import { z } from 'zod';
import { writeFileAtomic } from '../../coordinator/atomic';
import type { Rng } from '../../core/types';
import { cryptoRng } from '../crypto-rng';
import { privacyDir, receiptsPath } from './ledger-file';
import type { Budget, ChargeEntry, MechanismSpend } from '../../core/privacy/ledger-format';
import { describeZodError } from '../../core/privacy/ledger-format';
import type { PrivacyReceipt, SignedReceipt } from '../../core/privacy/receipt-format';
import { PrivacyReceiptSchema, RECEIPT_VERSION, ReceiptError, SignedReceiptSchema, canonicalJson, parseReceiptLog, receiptHash } from '../../core/privacy/receipt-format';

export * from '../../core/privacy/receipt-format';

/** Value of the `format` field of receipt-key.json. */
export const RECEIPT_KEY_FORMAT = 'fedcredit-receipt-key';

const hex32 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 32 bytes in lowercase hex');
const KeyFileSchema = z.strictObject({
  format: z.literal(RECEIPT_KEY_FORMAT),
  version: z.literal(1),
  algorithm: z.literal('ed25519'),
  publicKey: hex32,
  seed: hex32,
  createdAt: z.number(),
});

/** `Omit` over each member of a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What the caller states; the signer adds `version`, `previousReceiptHash` and `issuedAt`. */
export type ReceiptBody = DistributiveOmit<PrivacyReceipt, 'version' | 'previousReceiptHash' | 'issuedAt'>;

/** Options of {@link ReceiptSigner.open}. */
export interface ReceiptSignerOptions {
  /** Clock for `issuedAt` (ms since the epoch); default Date.now. */
  now?: () => number;
  /** Randomness for a new key; default node:crypto. Tests may pass a seeded Rng. */
  rng?: Rng;
}

/** `<stateDir>/privacy/receipt-key.json`. */
export function receiptKeyPath(stateDir: string): string {
  return path.join(privacyDir(stateDir), 'receipt-key.json');
}

/** The body of the receipt for a ledger charge entry, with the budget in force when it was charged. */
export function receiptBody(participant: string, entry: ChargeEntry, budget: Budget, epsilonJob: number): ReceiptBody {
  return {
    participant, jobId: entry.jobId, round: entry.round, stage: entry.stage,
    ...({ mechanism: entry.mechanism, params: { ...entry.params } } as MechanismSpend), epsilonRound: entry.epsilonTask, epsilonAfter: entry.epsilonAfter, epsilonJob,
    delta: budget.delta, budgetEpsilon: budget.epsilon, ledgerEntryIndex: entry.index,
  };
}

/** The parsed lines of a receipts.jsonl file, for an auditor ({@link verifyReceipts}). */
export function readReceiptLog(file: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ReceiptError(`cannot read ${file}: ${(e as Error).message}`, file, { cause: e });
  }
  return parseReceiptLog(text, file);
}

/** Signs and logs a participant's receipts with its Ed25519 key (see the module header). */
export class ReceiptSigner {
  private constructor(
    readonly keyFile: string,
    readonly logFile: string,
    /** The public key, 32 bytes in hex: what the auditor verifies with. */
    readonly publicKeyHex: string,
    private secretKey: Uint8Array | undefined,
    private log: SignedReceipt[],
    private logText: string,
    private readonly now: () => number,
  ) {}

  /** Loads (or creates) the key and loads the receipt log; ReceiptError naming the file when either is unusable. */
  static open(stateDir: string, options: ReceiptSignerOptions = {}): ReceiptSigner {
    const logFile = receiptsPath(stateDir);
    const logText = readOptional(logFile) ?? '';
    const log = parseReceiptLog(logText, logFile).map((raw, i) => {
      const r = SignedReceiptSchema.safeParse(raw);
      if (!r.success) throw new ReceiptError(`${logFile}:${i + 1} is not a signed receipt (${describeZodError(r.error).text}); the file was left untouched`, logFile);
      return r.data;
    });
    const keyFile = receiptKeyPath(stateDir);
    const keyText = readOptional(keyFile);
    const last = log.at(-1);
    if (keyText === undefined && last !== undefined) {
      throw new ReceiptError(`${keyFile} is missing but ${logFile} holds ${log.length} receipts signed by ${last.publicKey}: restore the key`, keyFile);
    }
    const keys = keyText === undefined ? createKey(keyFile, options.rng ?? cryptoRng, options.now ?? Date.now) : parseKey(keyFile, keyText);
    const publicKeyHex = Buffer.from(keys.publicKey).toString('hex');
    if (last !== undefined && last.publicKey !== publicKeyHex) {
      keys.secretKey.fill(0);
      throw new ReceiptError(`${logFile} was signed by ${last.publicKey}, not by the key in ${keyFile} (${publicKeyHex})`, logFile);
    }
    const pubFile = path.join(privacyDir(stateDir), 'receipt-key.pub');
    if (readOptional(pubFile) !== `${publicKeyHex}\n`) {
      writeFileAtomic(pubFile, `${publicKeyHex}\n`);
      chmodSync(pubFile, 0o644);
    }
    return new ReceiptSigner(keyFile, logFile, publicKeyHex, keys.secretKey, log, logText, options.now ?? Date.now);
  }

  /** The receipts signed so far, oldest first. */
  receipts(): readonly SignedReceipt[] {
    return [...this.log];
  }

  /**
   * Signs a receipt — `version`, `previousReceiptHash` (hash of the last receipt, or null) and
   * `issuedAt` (the clock) are filled in — appends it to receipts.jsonl atomically and returns it.
   * Throws ReceiptError on invalid input, on a receipt that would break the chain's order (ledger
   * index not increasing, ε decreasing at the same δ, another participant), or when closed.
   */
  signReceipt(body: ReceiptBody): SignedReceipt {
    if (this.secretKey === undefined) throw new ReceiptError('the receipt signer is closed');
    const prev = this.log.at(-1);
    const parsed = PrivacyReceiptSchema.safeParse({
      ...body, version: RECEIPT_VERSION, previousReceiptHash: prev === undefined ? null : receiptHash(prev), issuedAt: this.now(),
    });
    if (!parsed.success) throw new ReceiptError(`invalid receipt: ${describeZodError(parsed.error).text}`);
    const receipt = parsed.data;
    const p = prev?.receipt;
    if (p !== undefined) {
      if (receipt.participant !== p.participant) throw new ReceiptError(`receipts of ${this.logFile} are for "${p.participant}", not "${receipt.participant}"`);
      if (receipt.ledgerEntryIndex <= p.ledgerEntryIndex) {
        throw new ReceiptError(`ledgerEntryIndex ${receipt.ledgerEntryIndex} must exceed the previous receipt's ${p.ledgerEntryIndex}`);
      }
      if (receipt.delta === p.delta && receipt.epsilonAfter < p.epsilonAfter) {
        throw new ReceiptError(`epsilonAfter ${receipt.epsilonAfter} is below the previous receipt's ${p.epsilonAfter}`);
      }
    }
    const signature = nacl.sign.detached(Buffer.from(canonicalJson(receipt), 'utf8'), this.secretKey);
    const signed: SignedReceipt = { receipt, signature: Buffer.from(signature).toString('base64'), publicKey: this.publicKeyHex };
    if ((readOptional(this.logFile) ?? '') !== this.logText) {
      throw new ReceiptError(`${this.logFile} changed on disk since this process read it (another process on the same state dir?); not overwriting it`, this.logFile);
    }
    const text = this.logText + canonicalJson(signed) + '\n';
    try {
      writeFileAtomic(this.logFile, text);
    } catch (e) {
      throw new ReceiptError(`cannot write ${this.logFile}: ${(e as Error).message}`, this.logFile, { cause: e });
    }
    this.log.push(signed);
    this.logText = text;
    return signed;
  }

  /** Wipes the secret key from memory; the signer cannot sign afterwards. */
  close(): void {
    this.secretKey?.fill(0);
    this.secretKey = undefined;
  }
}

/** The file's text, undefined when it does not exist; ReceiptError naming the file otherwise. */
function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ReceiptError(`cannot read ${file}: ${(e as Error).message}`, file, { cause: e });
  }
}

function createKey(file: string, rng: Rng, now: () => number): nacl.SignKeyPair {
  const seed = rng(32);
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new ReceiptError('the Rng must return 32 bytes for a key seed');
  const keys = nacl.sign.keyPair.fromSeed(seed);
  const content = {
    format: RECEIPT_KEY_FORMAT, version: 1, algorithm: 'ed25519',
    publicKey: Buffer.from(keys.publicKey).toString('hex'), seed: Buffer.from(seed).toString('hex'), createdAt: now(),
  };
  seed.fill(0);
  try {
    writeFileAtomic(file, JSON.stringify(content, null, 2) + '\n'); // created with mode 0600
    chmodSync(file, 0o600);
  } catch (e) {
    throw new ReceiptError(`cannot write ${file}: ${(e as Error).message}`, file, { cause: e });
  }
  return keys;
}

function parseKey(file: string, text: string): nacl.SignKeyPair {
  const bad = (what: string, cause?: unknown) => new ReceiptError(`${file} ${what}; the file was left untouched`, file, { cause });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw bad(`is not valid JSON (${(e as Error).message})`, e);
  }
  const r = KeyFileSchema.safeParse(raw);
  if (!r.success) throw bad(`is not a receipt key file: ${describeZodError(r.error).text}`);
  const seed = Buffer.from(r.data.seed, 'hex');
  const keys = nacl.sign.keyPair.fromSeed(seed);
  seed.fill(0);
  if (Buffer.from(keys.publicKey).toString('hex') !== r.data.publicKey) {
    keys.secretKey.fill(0);
    throw bad('is corrupted: its seed does not give its publicKey');
  }
  return keys;
}
