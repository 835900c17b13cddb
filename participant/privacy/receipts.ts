/**
 * A participant's signed privacy receipts: for every task charged to its ledger (./ledger.ts),
 * the participant signs a receipt — mechanism, parameters, the task's own ε and the cumulative ε
 * after it — and appends it to a hash-chained log that an auditor verifies with
 * {@link verifyReceipts} and the participant's public key. Statement, canonical form, chain and
 * verification: core/privacy/receipt-format.ts. The signing key (./receipt-key.ts) is the
 * institution's identity key when it has one (consortia with a roster), so receipts can be
 * checked against the roster; otherwise a separate key kept in the state dir.
 *
 * `<stateDir>/privacy/receipts.jsonl`: one signed receipt per line, canonical JSON, oldest first.
 * Each append rewrites the file atomically (platform/atomic.ts), so a crash never leaves a
 * torn line. One chain has one key: opening a log whose receipts were signed with another key
 * than the one this node now signs with is an error that names both keys (a new key would
 * silently break the auditor's chain).
 *
 * Concurrency: one process per state dir, as for the ledger; a write refuses when receipts.jsonl
 * changed on disk since this signer read it. Order for a task: ledger.charge → signReceipt →
 * release the result. A crash between the first two leaves a ledger entry without a receipt; the
 * ledger (the authority) still counts it, and the receipts' ledger indices show the gap.
 */
import { readFileSync } from 'node:fs';
import nacl from 'tweetnacl';
import { writeFileAtomic } from '../../platform/atomic.ts';
import type { Rng } from '../../core/types.ts';
import { cryptoRng } from '../../platform/crypto-rng.ts';
import { receiptsPath } from './ledger-file.ts';
import type { ReceiptKeySource, SigningKey } from './receipt-key.ts';
import { createStateDirKey, exportPublicKey, loadStateDirKey, readOptional, receiptKeyPath } from './receipt-key.ts';
import type { Budget, ChargeEntry, MechanismSpend } from '../../core/privacy/ledger-format.ts';
import { describeZodError } from '../../core/privacy/ledger-format.ts';
import type { PrivacyReceipt, SignedReceipt } from '../../core/privacy/receipt-format.ts';
import { PrivacyReceiptSchema, RECEIPT_VERSION, ReceiptError, SignedReceiptSchema, canonicalJson, parseReceiptLog, receiptHash } from '../../core/privacy/receipt-format.ts';

export * from '../../core/privacy/receipt-format.ts';
export { receiptKeyPath } from './receipt-key.ts';

/** `Omit` over each member of a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What the caller states; the signer adds `version`, `previousReceiptHash` and `issuedAt`. */
export type ReceiptBody = DistributiveOmit<PrivacyReceipt, 'version' | 'previousReceiptHash' | 'issuedAt'>;

/** Options of {@link ReceiptSigner.open}. */
export interface ReceiptSignerOptions {
  /** Clock for `issuedAt` (ms since the epoch); default Date.now. */
  now?: () => number;
  /** Randomness for a new state-dir key; default node:crypto. Tests may pass a seeded Rng. */
  rng?: Rng;
  /**
   * The institution's identity key (the key the roster lists for it): receipts are then signed
   * with it, and no state-dir key is used. The signer keeps its own copy of the secret key.
   */
  identity?: SigningKey;
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
    /** Where the signing key comes from: the identity key (roster deployments) or the state dir's own key. */
    readonly keySource: ReceiptKeySource,
    readonly logFile: string,
    /** The public key, 32 bytes in hex: what the auditor verifies with. */
    readonly publicKeyHex: string,
    private secretKey: Uint8Array | undefined,
    private log: SignedReceipt[],
    private logText: string,
    private readonly now: () => number,
  ) {}

  /**
   * Loads the receipt log and the signing key (the identity's, or the state dir's own, created
   * on first use); ReceiptError naming the file when either is unusable, or when the log was
   * signed with another key than the one this node now signs with.
   */
  static open(stateDir: string, options: ReceiptSignerOptions = {}): ReceiptSigner {
    const logFile = receiptsPath(stateDir);
    const logText = readOptional(logFile) ?? '';
    const log = parseReceiptLog(logText, logFile).map((raw, i) => {
      const r = SignedReceiptSchema.safeParse(raw);
      if (!r.success) throw new ReceiptError(`${logFile}:${i + 1} is not a signed receipt (${describeZodError(r.error).text}); the file was left untouched`, logFile);
      return r.data;
    });
    const now = options.now ?? Date.now;
    const { keys, source } = options.identity ? identityKey(stateDir, logFile, log, options.identity) : stateDirKey(stateDir, logFile, log, options.rng ?? cryptoRng, now);
    const publicKeyHex = Buffer.from(keys.publicKey).toString('hex');
    exportPublicKey(stateDir, publicKeyHex);
    return new ReceiptSigner(source, logFile, publicKeyHex, keys.secretKey, log, logText, now);
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

const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The identity key, after checking that the existing receipts were signed with it. */
function identityKey(stateDir: string, logFile: string, log: SignedReceipt[], identity: SigningKey): { keys: SigningKey; source: ReceiptKeySource } {
  const idHex = hexOf(identity.publicKey);
  const last = log.at(-1);
  if (last !== undefined && last.publicKey !== idHex) {
    const keyFile = receiptKeyPath(stateDir);
    let own: string | undefined;
    try {
      const k = loadStateDirKey(stateDir);
      own = k ? hexOf(k.publicKey) : undefined;
      k?.secretKey.fill(0);
    } catch {
      own = undefined; // an unreadable key file only loses the remark below
    }
    const whose = own === last.publicKey ? ` (this state dir's separate receipt key, ${keyFile})` : '';
    throw new ReceiptError(
      `${logFile} holds ${log.length} receipt(s) signed with key ${last.publicKey}${whose}, but this node signs its receipts with its identity key ${idHex}, ` +
        `the key the roster lists for it; one receipt chain cannot change keys. Move ${logFile} aside and keep it for your auditors ` +
        `(fedcredit verify-receipts --receipts <moved file> --public-key ${last.publicKey} still checks it), then start the node again: ` +
        'it begins a new receipt chain signed with the identity key (the privacy ledger is not affected)',
      logFile,
    );
  }
  return { keys: { publicKey: Uint8Array.from(identity.publicKey), secretKey: Uint8Array.from(identity.secretKey) }, source: 'identity' };
}

/** The state dir's own receipt key (created when there is none yet), after checking that the existing receipts were signed with it. */
function stateDirKey(stateDir: string, logFile: string, log: SignedReceipt[], rng: Rng, now: () => number): { keys: SigningKey; source: ReceiptKeySource } {
  const keyFile = receiptKeyPath(stateDir);
  const last = log.at(-1);
  const loaded = loadStateDirKey(stateDir);
  if (loaded === undefined && last !== undefined) {
    throw new ReceiptError(
      `${keyFile} is missing but ${logFile} holds ${log.length} receipt(s) signed by ${last.publicKey}: if that is the institution's identity key, ` +
        'start the node with its identity (--credentials DIR or --identity FILE); otherwise restore the key',
      keyFile,
    );
  }
  const keys = loaded ?? createStateDirKey(stateDir, rng, now);
  const publicKeyHex = hexOf(keys.publicKey);
  if (last !== undefined && last.publicKey !== publicKeyHex) {
    keys.secretKey.fill(0);
    throw new ReceiptError(`${logFile} was signed by ${last.publicKey}, not by the key in ${keyFile} (${publicKeyHex})`, logFile);
  }
  return { keys, source: 'state-dir' };
}
