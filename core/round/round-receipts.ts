/**
 * The signed privacy receipts of a round record: the trainers' (`receipts`) and those of the
 * round's other DP releases (`releaseReceipts`: noised statistics and evaluations).
 */
import type { RoundRecord } from './engine-types.ts';

/** The `releaseReceipts` field of a round record from the receipts of its stages (none: no field). */
export function releaseReceiptsOf(stages: (Record<string, string> | undefined)[]): { releaseReceipts?: Record<string, string[]> } {
  const out: Record<string, string[]> = {};
  for (const s of stages) for (const [p, json] of Object.entries(s ?? {})) out[p] = [...(out[p] ?? []), json];
  return Object.keys(out).length ? { releaseReceipts: out } : {};
}

/** Every signed receipt of a round: the trainers' and those of its other releases, as (participant, JSON) pairs. */
export function roundReceipts(r: Pick<RoundRecord, 'receipts' | 'releaseReceipts'>): [string, string][] {
  return [...Object.entries(r.receipts ?? {}), ...Object.entries(r.releaseReceipts ?? {}).flatMap(([p, list]) => list.map((json): [string, string] => [p, json]))];
}
