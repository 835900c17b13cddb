/**
 * `fedcredit audit verify`: an auditor's check of a coordinator's audit log
 * (`<state-dir>/audit.jsonl`, coordinator/audit-log.ts): every line parses and validates, seq
 * grows by one, every `prev` matches the SHA-256 of the line before, job records are consistent,
 * every embedded privacy receipt verifies with its own public key, and — when the auditor kept
 * one — the log still holds an earlier head. Exit code 0 when all hold, 1 otherwise, 2 when the
 * file cannot be read or an option is malformed.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { verifyAuditLog } from '../coordinator/audit-format';
import type { AuditVerification } from '../coordinator/audit-format';
import { UsageError } from './errors';

/** Options of `audit verify`. */
export interface AuditVerifyOptions {
  log: string;
  /** `SEQ:SHA256` of a head the auditor kept from an earlier check. */
  expectHead?: string;
  json: boolean;
}

function parseHead(text: string): { seq: number; hash: string } {
  const m = /^(\d+):([0-9a-fA-F]{64})$/.exec(text.trim());
  if (!m || Number(m[1]) < 1) throw new UsageError(`--expect-head: expected SEQ:SHA256 (a positive line number and 64 hex digits, as printed by a previous check), got "${text}"`);
  return { seq: Number(m[1]), hash: m[2].toLowerCase() };
}

const iso = (ms: number | undefined) => (ms === undefined ? '—' : new Date(ms).toISOString());

/** Runs the check; returns the process exit code (0 verified, 1 problems). Throws UsageError for an unreadable file. */
export function auditVerifyCommand(o: AuditVerifyOptions, print: (line: string) => void): number {
  const expectHead = o.expectHead !== undefined ? parseHead(o.expectHead) : undefined;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(o.log);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(`cannot read the audit log ${o.log}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
  const v = verifyAuditLog(bytes, { checkReceipts: true, ...(expectHead ? { expectHead } : {}) });
  if (o.json) {
    const { torn, ...rest } = v;
    print(JSON.stringify({ file: o.log, ...rest, ...(torn ? { torn: { line: torn.line, bytes: torn.bytes.length } } : {}) }, null, 2));
    return v.ok ? 0 : 1;
  }
  for (const p of v.problems) print(`line ${p.line}: ${p.message}`);
  for (const n of v.notes) print(`line ${n.line}: note: ${n.message}`);
  for (const l of summary(o.log, v)) print(l);
  print(v.ok ? `audit log verified: ${v.records} record(s), chain intact` : `verification FAILED: ${v.problems.length} problem(s)`);
  return v.ok ? 0 : 1;
}

/** The human-readable summary lines. */
function summary(file: string, v: AuditVerification): string[] {
  const states = (s: string) => v.jobs.filter((j) => j.state === s).length;
  const out = [
    `${file}: ${v.records} record(s), ${iso(v.firstAt)} to ${iso(v.lastAt)}`,
    `  coordinator starts ${v.starts}; participants joined: ${v.participants.length ? v.participants.join(', ') : 'none'}`,
    `  jobs ${v.jobs.length} (succeeded ${states('SUCCEEDED')}, failed ${states('FAILED')}, cancelled ${states('CANCELLED')}, unfinished ${states('UNFINISHED')}); rounds ${v.rounds}; privacy receipts verified ${v.receiptsVerified}`,
  ];
  for (const j of v.jobs) out.push(`  job ${j.jobId} "${j.name}": ${j.state}, ${j.rounds} training round(s)`);
  for (const [participant, keys] of Object.entries(v.receiptKeys).sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`  receipt key${keys.length > 1 ? 's' : ''} of ${participant}: ${keys.join(', ')}${keys.length > 1 ? ' (more than one key: ask why)' : ''}`);
  }
  if (v.head) {
    const keep = v.ok ? ` (keep it elsewhere: --expect-head ${v.head.seq}:${v.head.hash} later proves these records unchanged)` : '';
    out.push(`  head: ${v.head.seq}:${v.head.hash}${keep}`);
  }
  return out;
}

/** Registers `fedcredit audit verify`. */
export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description('the coordinator\'s audit log (<state-dir>/audit.jsonl)');
  audit
    .command('verify')
    .description('check an audit log: hash chain, record formats, job consistency and every embedded privacy receipt\'s signature')
    .requiredOption('--log <file>', 'the audit log, <coordinator state dir>/audit.jsonl (or a copy)')
    .option('--expect-head <seq:sha256>', 'a head printed by an earlier check: the log must still hold that record unchanged')
    .option('--json', 'print the result as JSON', false)
    .action((o: { log: string; expectHead?: string; json: boolean }) => {
      process.exitCode = auditVerifyCommand({ log: o.log, expectHead: o.expectHead, json: o.json }, (l) => process.stdout.write(l + '\n'));
    });
}
