/**
 * The schema-digest vector: the schema file as written, the schema after validation (every
 * default filled in), the exact canonical JSON text that is hashed, and its SHA-256 — computed here
 * from the description in docs/protocol.md; the test checks it against the participant's
 * `schemaDigest` (core/data/schema-digest.ts). Also a table of how numbers are written in that JSON
 * (ECMAScript Number-to-String, which other languages' default float formatting does not match).
 */
import { createHash } from 'node:crypto';
import { SCHEMA_FILE, schema } from './fixtures.ts';

/** Recursively sorts object keys (arrays keep their order): the canonical form that is hashed. */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortKeys(o[k])]));
  }
  return v;
}

/** The canonical JSON text of a validated schema. */
export function canonicalSchemaJson(validated: unknown): string {
  return JSON.stringify(sortKeys(validated));
}

/** Doubles whose JSON text trips up implementations that do not format like ECMAScript. */
const NUMBERS = [0, -0, 1, 100, 12.5, 0.1, 1 / 3, 1e-6, 1e-7, 1.5e-7, 2 ** 53, 123456789012345680000, 1e21, -2.5e-10];

function bits(x: number): string {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(x);
  return b.toString('hex');
}

/** The vector. */
export function buildSchemaVector() {
  const validated = schema();
  const canonical = canonicalSchemaJson(validated);
  return {
    description:
      'schema_digest: the schema file as written, after validation with every default filled in, the exact canonical JSON text ' +
      '(keys sorted at every level, no whitespace, ECMAScript number formatting) and its SHA-256 in lowercase hex; plus how doubles are written in that JSON.',
    spec: 'docs/protocol.md#schema-digest',
    schemaFile: SCHEMA_FILE,
    validated,
    canonicalJson: canonical,
    digest: createHash('sha256').update(canonical, 'utf8').digest('hex'),
    digestOfFileAsWritten: createHash('sha256').update(canonicalSchemaJson(SCHEMA_FILE), 'utf8').digest('hex'),
    numberFormatting: NUMBERS.map((x) => ({ float64BigEndian: bits(x), json: JSON.stringify(x) })),
  };
}
