/**
 * The file of a participant's privacy ledger, `<stateDir>/privacy/ledger.json`: where it lives,
 * reading it (a missing file is not an error; an unreadable one is), validating it against
 * {@link LedgerFileSchema} plus the invariants the schema cannot express, and writing it
 * atomically (platform/atomic.ts). Every error names the file and, where it can, the field —
 * and says that the file was left untouched: a ledger that cannot be read is never overwritten.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../platform/atomic.ts';
import { composeRdp } from '../../core/privacy/index.ts';
import type { BudgetEntry, LedgerFile } from '../../core/privacy/ledger-format.ts';
import { LEDGER_FORMAT, LEDGER_VERSION, LedgerFileSchema, PrivacyLedgerError, describeZodError } from '../../core/privacy/ledger-format.ts';

/** `<stateDir>/privacy`. */
export function privacyDir(stateDir: string): string {
  return path.join(stateDir, 'privacy');
}

/** `<stateDir>/privacy/receipts.jsonl` (written by ./receipts.ts). */
export function receiptsPath(stateDir: string): string {
  return path.join(privacyDir(stateDir), 'receipts.jsonl');
}

/** `<stateDir>/privacy/ledger.json`. */
export function ledgerPath(stateDir: string): string {
  return path.join(privacyDir(stateDir), 'ledger.json');
}

/** The file text of a ledger state (pretty JSON; numbers round-trip exactly). */
export function serializeLedger(state: LedgerFile): string {
  return JSON.stringify(state, null, 2) + '\n';
}

/** Writes ledger.json atomically; PrivacyLedgerError naming the file on failure. */
export function writeLedger(file: string, text: string): void {
  try {
    writeFileAtomic(file, text);
  } catch (e) {
    throw new PrivacyLedgerError(`cannot write ${file}: ${(e as Error).message}`, { file }, { cause: e });
  }
}

/** The file's text, or undefined when it does not exist. */
export function readLedger(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PrivacyLedgerError(`cannot read ${file}: ${(e as Error).message}`, { file }, { cause: e });
  }
}

/** Parses and validates ledger.json; errors name the file and the field and promise no overwrite. */
export function parseLedger(file: string, text: string): LedgerFile {
  const bad = (what: string, field?: string, cause?: unknown): PrivacyLedgerError =>
    new PrivacyLedgerError(`${file} ${what}; the file was left untouched`, { file, field }, { cause });
  if (text.trim() === '') throw bad('is empty');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw bad(`is not valid JSON (${(e as Error).message})`, undefined, e);
  }
  const head = (typeof raw === 'object' && raw !== null ? raw : {}) as { format?: unknown; version?: unknown };
  if (head.format !== LEDGER_FORMAT) throw bad(`is not a privacy ledger (format is ${JSON.stringify(head.format)}, expected "${LEDGER_FORMAT}")`, 'format');
  if (head.version !== LEDGER_VERSION) {
    const newer = typeof head.version === 'number' && head.version > LEDGER_VERSION;
    throw bad(`has ${newer ? 'a newer' : 'an unsupported'} format version ${JSON.stringify(head.version)} (this code reads version ${LEDGER_VERSION})`, 'version');
  }
  const r = LedgerFileSchema.safeParse(raw);
  if (!r.success) {
    const d = describeZodError(r.error);
    throw bad(`is corrupted: ${d.text}`, d.field);
  }
  const s = r.data;
  try {
    composeRdp([], s.orders);
  } catch (e) {
    throw bad(`is corrupted: orders: ${(e as Error).message}`, 'orders', e);
  }
  const first = s.entries[0];
  if (first?.kind !== 'budget' || first.from !== null) throw bad('is corrupted: entries.0 must be the initial budget entry', 'entries.0');
  s.entries.forEach((e, i) => {
    if (e.index !== i) throw bad(`is corrupted: entries.${i}.index is ${e.index}, expected ${i}`, `entries.${i}.index`);
    if (e.kind === 'charge' && e.rdp.length !== s.orders.length) {
      throw bad(`is corrupted: entries.${i}.rdp has ${e.rdp.length} values for ${s.orders.length} orders`, `entries.${i}.rdp`);
    }
  });
  const last = s.entries.filter((e): e is BudgetEntry => e.kind === 'budget').at(-1)!;
  if (last.to.epsilon !== s.budget.epsilon || last.to.delta !== s.budget.delta) {
    throw bad('is corrupted: budget differs from the last budget entry', 'budget');
  }
  return s;
}

