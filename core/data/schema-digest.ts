/**
 * The schema digest a participant announces when it joins and that every task's job carries:
 * SHA-256 (hex) of the schema's canonical JSON — object keys sorted at every level, arrays in
 * order, no white space — so that two copies of one schema agree whatever their key order.
 */
import { createHash } from 'node:crypto';

/** Canonical digest of a schema (key order independent). */
export function schemaDigest(schema: unknown): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])])) : v;
  return createHash('sha256').update(JSON.stringify(canon(schema))).digest('hex');
}
