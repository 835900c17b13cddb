/**
 * The fuzz test's bookkeeping (test/fuzz.test.ts): the statuses each call may end with, and a
 * tally of every outcome per category and status that keeps each one that broke the rules.
 */
import * as grpc from '@grpc/grpc-js';
import type { Outcome } from './fuzz-clients.ts';

/** Status codes a call may end with, by name for readability. */
export const S = grpc.status;
/** A set of acceptable status codes. */
export type Expect = ReadonlySet<grpc.status>;
export const codes = (...list: grpc.status[]): Expect => new Set(list);

/**
 * grpc-js answers a request whose bytes do not parse as the method's protobuf message itself,
 * before any handler runs: INTERNAL "Error deserializing request". That is a clean error of the
 * library (the process keeps serving), not one of ours, and only raw byte messages can cause it;
 * it is counted apart from the handlers' statuses.
 */
export const LIBRARY_PARSE_ERROR = /^Error deserializing request/;

/** Counts of outcomes per category and status, and every outcome that broke the rules. */
export class Tally {
  readonly counts = new Map<string, Map<string, number>>();
  readonly byCode = new Map<string, number>();
  total = 0;
  /** Random, mutated or garbage messages (categories "raw: …", "typed: …" and the driver's garbage). */
  fuzzed = 0;
  libraryParse = 0;
  readonly problems: string[] = [];

  /**
   * Records one call. A problem is an unexpected status, an error without details, or INTERNAL /
   * UNKNOWN from our handlers (only raw bytes may draw the library's parse error).
   */
  record(category: string, method: string, allowed: Expect, o: Outcome, note = ''): void {
    this.total++;
    if (/^(raw|typed):|garbage/.test(category)) this.fuzzed++;
    const raw = category.startsWith('raw');
    const library = raw && o.code === S.INTERNAL && LIBRARY_PARSE_ERROR.test(o.details);
    const name = library ? 'INTERNAL (grpc-js parse)' : S[o.code];
    const perCat = this.counts.get(category) ?? new Map<string, number>();
    perCat.set(name, (perCat.get(name) ?? 0) + 1);
    this.counts.set(category, perCat);
    this.byCode.set(name, (this.byCode.get(name) ?? 0) + 1);
    if (library) {
      this.libraryParse++;
      return;
    }
    const where = `${category} / ${method}${note ? ` (${note})` : ''}`;
    if (!allowed.has(o.code)) this.problems.push(`${where}: got ${S[o.code]} "${o.details.slice(0, 300)}", expected one of ${[...allowed].map((c) => S[c]).join(', ')}`);
    else if (o.code !== S.OK && o.code !== S.CANCELLED && !o.details.trim()) this.problems.push(`${where}: ${S[o.code]} without details`);
  }

  /** A problem found by a check other than the status. */
  fail(what: string): void {
    this.problems.push(what);
  }

  /** A table of counts per category and status, for the log. */
  table(): string {
    const lines = [...this.counts].sort(([a], [b]) => a.localeCompare(b)).map(([cat, m]) => {
      const n = [...m.values()].reduce((a, b) => a + b, 0);
      return `  ${cat.padEnd(44)} ${String(n).padStart(5)}  ${[...m].sort().map(([c, k]) => `${c} ${k}`).join(', ')}`;
    });
    const codes = [...this.byCode].sort().map(([c, k]) => `${c} ${k}`).join(', ');
    return [...lines, `  ${'total'.padEnd(44)} ${String(this.total).padStart(5)}  ${codes}`, `  ${'of which random, mutated or garbage'.padEnd(44)} ${String(this.fuzzed).padStart(5)}`].join('\n');
  }
}
