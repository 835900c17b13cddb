/**
 * `fedcredit verify-receipts`: an auditor's check of a participant's privacy receipts
 * (participant/privacy/receipts.ts): every signature against the participant's public key, the
 * hash chain (no receipt removed, reordered or altered), ledger indices increasing, ε never
 * decreasing and never beyond the stated budget. Exit code 0 when all hold, 1 otherwise.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { verifyReceipts } from '../core/privacy/receipt-format';
import { readReceiptLog } from '../participant/privacy/receipts';
import { UsageError } from './errors';

/** Options of the command. */
export interface VerifyReceiptsOptions {
  receipts: string;
  /** 64 hex digits, or a file holding them (default: receipt-key.pub beside the receipts file). */
  publicKey?: string;
  json: boolean;
}

function resolveKey(o: VerifyReceiptsOptions): string {
  const given = o.publicKey ?? path.join(path.dirname(o.receipts), 'receipt-key.pub');
  if (/^[0-9a-f]{64}$/i.test(given)) return given.toLowerCase();
  if (!existsSync(given)) {
    throw new UsageError(o.publicKey ? `--public-key: ${given} is neither 64 hex digits nor a file` : `no --public-key given and ${given} does not exist`);
  }
  const text = readFileSync(given, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/i.test(text)) throw new UsageError(`${given} does not hold a 32-byte public key in hex`);
  return text.toLowerCase();
}

/** Runs the check; returns the process exit code. */
export function verifyReceiptsCommand(o: VerifyReceiptsOptions, print: (line: string) => void): number {
  let list: unknown[];
  try {
    list = readReceiptLog(o.receipts);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const key = resolveKey(o);
  const result = verifyReceipts(list, key);
  if (o.json) {
    print(JSON.stringify({ file: o.receipts, publicKey: key, ...result }, null, 2));
    return result.ok ? 0 : 1;
  }
  for (const r of result.receipts) {
    const what = r.receipt ? `${r.receipt.participant} job ${r.receipt.jobId} round ${r.receipt.round}: ε ${r.receipt.epsilonRound.toFixed(4)} this task, ${r.receipt.epsilonAfter.toFixed(4)} in total (budget ${r.receipt.budgetEpsilon}) at δ ${r.receipt.delta}` : 'unreadable';
    print(`${r.ok ? 'ok ' : 'BAD'} #${r.index} ${what}${r.ok ? '' : ` — ${r.reasons.join('; ')}`}`);
  }
  for (const c of result.chain) print(`BAD chain at #${c.index}: ${c.reason}`);
  print(result.ok ? `${result.receipts.length} receipt(s) verified with key ${key.slice(0, 16)}…` : 'verification FAILED');
  return result.ok ? 0 : 1;
}
