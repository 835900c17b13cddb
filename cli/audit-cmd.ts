/**
 * `fedcredit audit verify`: an auditor's check of a coordinator's audit log
 * (`<state-dir>/audit.jsonl`, coordinator/audit-log.ts): every line parses and validates, seq
 * grows by one, every `prev` matches the SHA-256 of the line before, job records are consistent,
 * every embedded privacy receipt verifies under the key pinned for its participant — the key
 * `--roster FILE` lists (then the log's recorded identity keys must agree with it), else the
 * identity key the log recorded when the participant joined; receipts with neither are reported
 * as not pinned (coordinator/audit-receipts.ts) — and, when the auditor kept one, the log still
 * holds an earlier head. Exit code 0 when all hold, 1 otherwise, 2 when a file cannot be read or
 * an option is malformed.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { verifyAuditLog } from '../coordinator/audit-format.ts';
import type { AuditVerification } from '../coordinator/audit-format.ts';
import { UsageError } from './errors.ts';
import { loadRoster } from '../trust/files.ts';
import type { AuditRoster } from '../coordinator/audit-receipts.ts';

/** Options of `audit verify`. */
export interface AuditVerifyOptions {
  log: string;
  /** `SEQ:SHA256` of a head the auditor kept from an earlier check. */
  expectHead?: string;
  /** The consortium roster file: receipts must be signed with the keys it lists. */
  roster?: string;
  json: boolean;
}

function parseHead(text: string): { seq: number; hash: string } {
  const [, seq, hash] = /^(\d+):([0-9a-fA-F]{64})$/.exec(text.trim()) ?? [];
  if (seq === undefined || hash === undefined || Number(seq) < 1) {
    throw new UsageError(`--expect-head: expected SEQ:SHA256 (a positive line number and 64 hex digits, as printed by a previous check), got "${text}"`);
  }
  return { seq: Number(seq), hash: hash.toLowerCase() };
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
  const roster = o.roster !== undefined ? rosterKeys(o.roster) : undefined;
  const v = verifyAuditLog(bytes, { checkReceipts: true, ...(expectHead ? { expectHead } : {}), ...(roster ? { roster } : {}) });
  if (o.json) {
    const { torn, ...rest } = v;
    print(JSON.stringify({ file: o.log, ...rest, ...(torn ? { torn: { line: torn.line, bytes: torn.bytes.length } } : {}) }, null, 2));
    return v.ok ? 0 : 1;
  }
  for (const p of v.problems) print(`line ${p.line}: ${p.message}`);
  for (const n of v.notes) print(`line ${n.line}: note: ${n.message}`);
  for (const l of summary(o.log, v, roster ? `the roster ${o.roster}` : undefined)) print(l);
  print(v.ok ? `audit log verified: ${v.records} record(s), chain intact` : `verification FAILED: ${v.problems.length} problem(s)`);
  return v.ok ? 0 : 1;
}

/** The human-readable summary lines. */
function summary(file: string, v: AuditVerification, roster?: string): string[] {
  const states = (s: string) => v.jobs.filter((j) => j.state === s).length;
  const out = [
    `${file}: ${v.records} record(s), ${iso(v.firstAt)} to ${iso(v.lastAt)}`,
    `  coordinator starts ${v.starts}; participants joined: ${v.participants.length ? v.participants.join(', ') : 'none'}`,
    `  jobs ${v.jobs.length} (succeeded ${states('SUCCEEDED')}, failed ${states('FAILED')}, cancelled ${states('CANCELLED')}, unfinished ${states('UNFINISHED')}); rounds ${v.rounds}; ` +
      `privacy receipts verified ${v.receiptsVerified} against ${roster ?? 'the identity keys the log records for the joined participants'}` +
      (v.receiptsUnpinned > 0 ? `, ${v.receiptsUnpinned} NOT pinned to any key` : ''),
  ];
  if (v.receiptsUnpinned > 0) {
    out.push(`  NOT pinned: the receipts of ${v.unpinned.join(', ')} were checked only against the key embedded in each, which does not show who made them (pass --roster FILE to require the roster's keys)`);
  }
  if (!roster && v.receiptsVerified > 0) {
    out.push('  the identity keys were recorded by the coordinator that wrote this log; pass --roster FILE to check the receipts against keys independent of it');
  }
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

/** The roster file's member keys (hex), for pinning receipts; UsageError naming the file when it is unusable. */
function rosterKeys(file: string): AuditRoster {
  const roster = loadRoster(file);
  return { keys: new Map(roster.members.map((m) => [m.name, m.publicKey])), name: file };
}

/** Registers `fedcredit audit verify`. */
export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description('the coordinator\'s audit log (<state-dir>/audit.jsonl)');
  audit
    .command('verify')
    .description('check an audit log: hash chain, record formats, job consistency and every embedded privacy receipt against its participant\'s key')
    .requiredOption('--log <file>', 'the audit log, <coordinator state dir>/audit.jsonl (or a copy)')
    .option('--expect-head <seq:sha256>', 'a head printed by an earlier check: the log must still hold that record unchanged')
    .option('--roster <roster.json>', 'the consortium roster: every receipt must be signed with the key it lists for the participant (without it: the identity key the log recorded when the participant joined)')
    .option('--json', 'print the result as JSON', false)
    .action((o: { log: string; expectHead?: string; roster?: string; json: boolean }) => {
      process.exitCode = auditVerifyCommand({ log: o.log, expectHead: o.expectHead, roster: o.roster, json: o.json }, (l) => process.stdout.write(l + '\n'));
    });
}
