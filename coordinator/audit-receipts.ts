/**
 * The privacy receipts of an audit log (coordinator/audit-format.ts), checked against keys that do
 * not come from the receipts themselves. A receipt embeds the key that signed it, so checking it
 * against that key only shows it was not altered since — anyone can make such a receipt. Each
 * receipt is therefore pinned to:
 *
 *  - the key an explicit roster lists for its participant (`fedcredit audit verify --roster`):
 *    independent of the coordinator that wrote the log. Fails closed: a participant the roster
 *    does not list has no valid receipt, and a participant-joined record whose identity key
 *    differs from the roster's is a problem (the roster and the log must agree);
 *  - otherwise, the identity key the log itself records for the participant — the last
 *    `participant-joined` record with an `identityKey` before the receipt (coordinators with a
 *    roster record the key each Hello was verified with). That key is only as trustworthy as
 *    the log's writer, so the summary says where keys came from;
 *  - otherwise nothing: the receipt is checked against its embedded key, counted as unpinned, and
 *    a note says so once per participant (a test network without a roster: there is no key to
 *    pin to, and failing every such log would hide the real problems it may have).
 *
 * A receipt that does not verify under its pinned key is a problem of kind "receipt" naming the
 * participant, the line (the problem's), the key that signed it and the key expected.
 */
import { readReceipt } from '../core/privacy/receipt-check.ts';
import { roundReceipts } from '../core/round/engine.ts';
import type { PinnedKey } from '../core/privacy/receipt-check.ts';
import type { AuditProblem, AuditRecord } from './audit-format.ts';

type Add = (line: number, kind: AuditProblem['kind'], message: string) => void;
type Note = (line: number, message: string) => void;

/** A roster given by the auditor: member name → Ed25519 public key (hex), and what to call it in messages. */
export interface AuditRoster {
  keys: ReadonlyMap<string, string>;
  /** E.g. the file it was read from. */
  name: string;
}

/** What the receipts of a log came to. */
export interface ReceiptAudit {
  /** Receipts whose signature verified under a pinned key (the roster's, or the identity key the log recorded). */
  receiptsVerified: number;
  /** Receipts that verified only under their embedded key: no key to pin them to. */
  receiptsUnpinned: number;
  /** Participants with unpinned receipts. */
  unpinned: string[];
  /** Where pinned keys came from: an explicit roster, or the participant-joined records of the log. */
  keysFrom: 'roster' | 'log';
  /** Receipt public keys seen per participant (more than one deserves a question). */
  receiptKeys: Record<string, string[]>;
}

/** Follows a log line by line: joins (identity keys) and rounds (receipts). */
export class ReceiptAuditor {
  private readonly joined = new Map<string, { key: string; line: number }>();
  private readonly unpinned = new Set<string>();
  private readonly keys: Record<string, string[]> = {};
  private verified = 0;
  private unpinnedCount = 0;

  /** `check`: verify signatures (else only collect keys and membership); `roster`: the auditor's roster. */
  constructor(private readonly check: boolean, private readonly roster?: AuditRoster) {}

  /** A participant-joined record: remembers its identity key; with a roster, the two must agree. */
  joinedRecord(rec: Extract<AuditRecord, { kind: 'participant-joined' }>, line: number, add: Add): void {
    if (rec.identityKey === undefined) return;
    this.joined.set(rec.participant, { key: rec.identityKey, line });
    const listed = this.roster?.keys.get(rec.participant);
    if (listed !== undefined && listed !== rec.identityKey) {
      add(line, 'content', `${rec.participant} joined with identity key ${rec.identityKey}, but the roster ${this.roster!.name} lists ${listed} for ${rec.participant} (the log and the roster disagree)`);
    }
  }

  /** A round-completed record: checks each receipt against its participant's pinned key. */
  roundRecord(rec: Extract<AuditRecord, { kind: 'round-completed' }>, line: number, add: Add, note: Note): void {
    const trainers = Object.keys(rec.receipts ?? {});
    for (const [participant, json] of roundReceipts(rec)) {
      const embedded = embeddedKey(json);
      if (embedded) this.keys[participant] = [...new Set([...(this.keys[participant] ?? []), embedded])];
      if (trainers.includes(participant) && !rec.participants.includes(participant)) add(line, 'content', `a privacy receipt of ${participant}, who is not among the round's participants`);
      if (!this.check) continue;
      const expect = { participant, jobId: rec.jobId, round: rec.round };
      const pin = this.pin(participant);
      if (pin === 'not-listed') {
        add(line, 'receipt', `${participant}: not a member of the roster ${this.roster!.name}, so its privacy receipt (signed with key ${embedded ?? 'unreadable'}) cannot be pinned to a roster key`);
        continue;
      }
      const r = readReceipt(json, expect, pin);
      if ('problem' in r) {
        add(line, 'receipt', `${participant}: ${r.problem}`);
      } else if (pin) {
        this.verified++;
      } else {
        this.unpinnedCount++;
        if (!this.unpinned.has(participant)) {
          this.unpinned.add(participant);
          note(line, `privacy receipts of ${participant} are NOT pinned: no participant-joined record holds its identity key and no --roster was given, so they were checked only against the key embedded in them (${r.signerKey}), which does not show who made them`);
        }
      }
    }
  }

  /** The totals. */
  result(): ReceiptAudit {
    return {
      receiptsVerified: this.verified,
      receiptsUnpinned: this.unpinnedCount,
      unpinned: [...this.unpinned].sort(),
      keysFrom: this.roster ? 'roster' : 'log',
      receiptKeys: this.keys,
    };
  }

  /** The key a participant's receipts must be signed with now; undefined: none known; 'not-listed': a roster that does not list it. */
  private pin(participant: string): PinnedKey | undefined | 'not-listed' {
    if (this.roster) {
      const key = this.roster.keys.get(participant);
      return key === undefined ? 'not-listed' : { key, from: `the key the roster ${this.roster.name} lists for ${participant}` };
    }
    const j = this.joined.get(participant);
    return j ? { key: j.key, from: `the identity key ${participant} joined with (participant-joined, line ${j.line})` } : undefined;
  }
}

/** The public key a receipt names, if it is readable. */
function embeddedKey(json: string): string | undefined {
  try {
    const k = (JSON.parse(json) as { publicKey?: unknown }).publicKey;
    return typeof k === 'string' ? k : undefined;
  } catch {
    return undefined;
  }
}
