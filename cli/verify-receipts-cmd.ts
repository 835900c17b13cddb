/**
 * `fedcredit verify-receipts`: an auditor's check of a participant's privacy receipts
 * (participant/privacy/receipts.ts): every signature against the participant's public key, the
 * hash chain (no receipt removed, reordered or altered), ledger indices increasing, ε never
 * decreasing and never beyond the stated budget. Exit code 0 when all hold, 1 otherwise.
 *
 * Where the key comes from decides what a pass means, and the output says which it was:
 *  - `--roster FILE --participant NAME`: the key the consortium roster lists for NAME (the
 *    institution's identity key), and every receipt must be NAME's. Only this ties the receipts to
 *    the institution, independently of anything the participant or the coordinator hands over.
 *  - `--public-key HEX|FILE`: a key the auditor obtained by other means.
 *  - neither: `receipt-key.pub` beside the receipts, i.e. the participant's own state dir — it
 *    shows the log is intact and consistent, not who wrote it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { verifyReceipts } from '../core/privacy/receipt-format.ts';
import { readReceiptLog } from '../participant/privacy/receipts.ts';
import { loadRoster } from '../trust/files.ts';
import { UsageError } from './errors.ts';

/** Options of the command. */
export interface VerifyReceiptsOptions {
  receipts: string;
  /** 64 hex digits, or a file holding them. */
  publicKey?: string;
  /** A roster file; with `participant`, the key is the one it lists for that participant. */
  roster?: string;
  participant?: string;
  json: boolean;
}

/** The key receipts are checked against, and where it came from. */
interface ResolvedKey {
  key: string;
  source: 'roster' | 'given' | 'state-dir';
  /** In words, for the output. */
  from: string;
}

function resolveKey(o: VerifyReceiptsOptions): ResolvedKey {
  if (o.roster !== undefined || o.participant !== undefined) {
    if (o.roster === undefined || o.participant === undefined) throw new UsageError('--roster and --participant go together: the key is the one the roster lists for that participant');
    if (o.publicKey !== undefined) throw new UsageError('--public-key cannot be combined with --roster: the roster already says which key the receipts must be signed with');
    const member = loadRoster(o.roster).members.find((m) => m.name === o.participant);
    if (!member) throw new UsageError(`${o.roster}: "${o.participant}" is not a member of the roster`);
    return { key: member.publicKey, source: 'roster', from: `the key the roster ${o.roster} lists for ${o.participant}` };
  }
  const given = o.publicKey ?? path.join(path.dirname(o.receipts), 'receipt-key.pub');
  const source = o.publicKey ? 'given' : 'state-dir';
  const from = o.publicKey
    ? 'the key given with --public-key'
    : `${given}, taken from the participant's own state dir, NOT from a roster: this shows the receipts are intact, not who signed them (pin them with --roster FILE --participant NAME)`;
  if (/^[0-9a-f]{64}$/i.test(given)) return { key: given.toLowerCase(), source, from };
  if (!existsSync(given)) {
    throw new UsageError(o.publicKey ? `--public-key: ${given} is neither 64 hex digits nor a file` : `no --public-key or --roster given and ${given} does not exist`);
  }
  const text = readFileSync(given, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/i.test(text)) throw new UsageError(`${given} does not hold a 32-byte public key in hex`);
  return { key: text.toLowerCase(), source, from };
}

/** Runs the check; returns the process exit code. */
export function verifyReceiptsCommand(o: VerifyReceiptsOptions, print: (line: string) => void): number {
  const key = resolveKey(o);
  let list: unknown[];
  try {
    list = readReceiptLog(o.receipts);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const result = verifyReceipts(list, key.key, o.participant !== undefined ? { participant: o.participant } : {});
  if (o.json) {
    print(JSON.stringify({ file: o.receipts, publicKey: key.key, keySource: key.source, ...result }, null, 2));
    return result.ok ? 0 : 1;
  }
  for (const r of result.receipts) {
    const what = r.receipt ? `${r.receipt.participant} job ${r.receipt.jobId} round ${r.receipt.round}: ε ${r.receipt.epsilonRound.toFixed(4)} this task, ${r.receipt.epsilonAfter.toFixed(4)} in total (budget ${r.receipt.budgetEpsilon}) at δ ${r.receipt.delta}` : 'unreadable';
    print(`${r.ok ? 'ok ' : 'BAD'} #${r.index} ${what}${r.ok ? '' : ` — ${r.reasons.join('; ')}`}`);
  }
  for (const c of result.chain) print(`BAD chain at #${c.index}: ${c.reason}`);
  print(`key: ${key.key} — ${key.from}`);
  print(result.ok ? `${result.receipts.length} receipt(s) verified with key ${key.key.slice(0, 16)}…` : 'verification FAILED');
  return result.ok ? 0 : 1;
}
