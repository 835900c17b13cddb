/**
 * Which Ed25519 key signs a participant's privacy receipts (./receipts.ts).
 *
 * - With an identity (a consortium with a roster, trust/format.ts): the institution's identity
 *   key, the one the roster lists for it, so anyone holding the roster can check a receipt
 *   without trusting the key the receipt embeds. Nothing is stored for it in the state dir.
 *   Sharing the key with the Fleet and secure-aggregation signatures is safe: those sign
 *   length-prefixed encodings whose first byte is 0x00 (trust/signing.ts, core/secagg/protocol/
 *   advert.ts), a receipt signs canonical JSON whose first byte is "{", so no signature made for
 *   one can be passed off as the other.
 * - Without one (an `--insecure` test network): a separate receipt key kept in the state dir,
 *   `<stateDir>/privacy/receipt-key.json` (mode 0600): `{ format: "fedcredit-receipt-key",
 *   version: 1, algorithm: "ed25519", publicKey, seed, createdAt }`, `seed` being the 32-byte
 *   Ed25519 private key (RFC 8032) in hex. Created on first use from 32 bytes of the injected Rng;
 *   loaded afterwards and checked (the seed must give the stored public key). An unreadable or
 *   corrupted key file is an error and is never overwritten. Such receipts are pinned to no
 *   roster: their key is known only from the participant's own state dir.
 *
 * Either way `<stateDir>/privacy/receipt-key.pub` holds the public key receipts are signed with
 * (hex and a newline; derived, rewritten when stale), for an auditor who has nothing better.
 */
import { chmodSync, readFileSync } from 'node:fs';
import path from 'node:path';
import nacl from 'tweetnacl';
import { z } from 'zod';
import { writeFileAtomic } from '../../platform/atomic.ts';
import type { Rng } from '../../core/types.ts';
import { describeZodError } from '../../core/privacy/ledger-format.ts';
import { ReceiptError } from '../../core/privacy/receipt-format.ts';
import { privacyDir } from './ledger-file.ts';

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

/** An Ed25519 key pair in tweetnacl's format (64-byte secret key). */
export interface SigningKey {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** Where the key that signs receipts comes from. */
export type ReceiptKeySource = 'identity' | 'state-dir';

/** `<stateDir>/privacy/receipt-key.json`. */
export function receiptKeyPath(stateDir: string): string {
  return path.join(privacyDir(stateDir), 'receipt-key.json');
}

/** `<stateDir>/privacy/receipt-key.pub`. */
export function receiptPublicKeyPath(stateDir: string): string {
  return path.join(privacyDir(stateDir), 'receipt-key.pub');
}

/** The file's text, undefined when it does not exist; ReceiptError naming the file otherwise. */
export function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ReceiptError(`cannot read ${file}: ${(e as Error).message}`, file, { cause: e });
  }
}

/** The state dir's own receipt key, or undefined when receipt-key.json does not exist; ReceiptError when it is unusable. */
export function loadStateDirKey(stateDir: string): SigningKey | undefined {
  const file = receiptKeyPath(stateDir);
  const text = readOptional(file);
  return text === undefined ? undefined : parseKey(file, text);
}

/** Creates the state dir's own receipt key from 32 bytes of `rng` and writes receipt-key.json (mode 0600). */
export function createStateDirKey(stateDir: string, rng: Rng, now: () => number): SigningKey {
  const file = receiptKeyPath(stateDir);
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

/** Writes receipt-key.pub when it is missing or does not hold `publicKeyHex`. */
export function exportPublicKey(stateDir: string, publicKeyHex: string): void {
  const file = receiptPublicKeyPath(stateDir);
  if (readOptional(file) === `${publicKeyHex}\n`) return;
  try {
    writeFileAtomic(file, `${publicKeyHex}\n`);
    chmodSync(file, 0o644);
  } catch (e) {
    throw new ReceiptError(`cannot write ${file}: ${(e as Error).message}`, file, { cause: e });
  }
}

function parseKey(file: string, text: string): SigningKey {
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
