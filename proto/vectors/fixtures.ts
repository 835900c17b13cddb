/**
 * The fixed inputs of every test vector: the consortium (names and Ed25519 identity seeds), the
 * schema and job as a data scientist writes them, each member's few rows of data, and the ids,
 * clocks and tokens a run would otherwise draw. Everything random in the vectors is derived from
 * these by SHA-256 or by the seeded generator of core/random.ts, and recorded.
 */
import nacl from 'tweetnacl';
import type { DataSchema } from '../../core/data/schema.ts';
import { DataSchemaSchema } from '../../core/data/schema.ts';
import type { Table } from '../../core/data/table.ts';
import { validateTable } from '../../core/data/table.ts';
import type { JobSpec } from '../../core/job.ts';
import { JobSpecSchema } from '../../core/job.ts';
import { sha256 } from './json.ts';

/** Members of the example consortium (the secure sums use the first three, or all four). */
export const MEMBERS = ['bank-a', 'bank-b', 'customs', 'platform'] as const;
/** The three members of the three-member secure sum. */
export const TRIO = ['bank-a', 'bank-b', 'platform'];

/** The job id the example coordinator gave the job (its form: submission time and 8 hex digits). */
export const JOB_ID = '20250102T030405-0a1b2c3d';
/** The coordinator incarnation in secure-sum run ids. */
export const INCARNATION = 'c0ffee';
/** A fixed clock (ms since the epoch) for timestamps and deadlines. */
export const NOW_MS = 1_735_787_045_000;

/** An identity: seed (what the identity file stores), public key and tweetnacl 64-byte secret key. */
export interface VectorIdentity {
  name: string;
  seed: Uint8Array;
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** The Ed25519 identity of `name`: seed = SHA-256("fedcredit/vectors/identity/" + name). */
export function identityOf(name: string): VectorIdentity {
  const seed = sha256(`fedcredit/vectors/identity/${name}`);
  const kp = nacl.sign.keyPair.fromSeed(seed);
  return { name, seed, publicKey: kp.publicKey, secretKey: kp.secretKey };
}

/** The roster's member keys (name → Ed25519 public key). */
export function rosterKeys(names: readonly string[] = MEMBERS): Map<string, Uint8Array> {
  return new Map(names.map((n) => [n, identityOf(n).publicKey]));
}

/** The schema file as written (keys deliberately not sorted, defaults left out). */
export const SCHEMA_FILE = {
  version: 1,
  label: { column: 'status', positive: 'bad', negative: ['good'] },
  numeric: [
    { name: 'income', transform: 'log', indicator: true, range: [0, 12.5] },
    { name: 'age', missing: 'zero', range: [18, 100] },
  ],
  categorical: [{ name: 'home', levels: ['own', 'rent'], unseen: 'other' }],
  ignore: ['id'],
};

/** The job file as written (schema passed separately, as SubmitJob does). */
export const JOB_FILE = {
  name: 'protocol-vectors',
  model: { type: 'logistic' },
  rounds: 1,
  train: { batchSize: 4, learningRate: 0.5 },
  minParticipants: 2,
  evaluation: { holdout: 0.25, bins: 10 },
  secureAggregation: { clip: 2, maxWeight: 100 },
  seed: 7,
};

/** The schema after validation (defaults filled in). */
export const schema = (): DataSchema => DataSchemaSchema.parse(SCHEMA_FILE);
/** The job after validation (defaults filled in). */
export const job = (): JobSpec => JobSpecSchema.parse(JOB_FILE);

const HEADER = ['id', 'income', 'age', 'home', 'status'];

/** Each member's rows (CSV cells): a missing income, an unseen and a missing home level among them. */
const ROWS: Record<string, string[][]> = {
  'bank-a': [
    ['a1', '5200', '34', 'own', 'good'], ['a2', '830', '22', 'rent', 'bad'], ['a3', 'NA', '41', 'own', 'good'],
    ['a4', '12000', '57', 'own', 'good'], ['a5', '410', '19', 'rent', 'bad'], ['a6', '2600', '29', 'council', 'good'],
    ['a7', '3900', '45', '', 'bad'], ['a8', '7100', '38', 'own', 'good'],
  ],
  'bank-b': [
    ['b1', '950', '27', 'rent', 'bad'], ['b2', '4300', '52', 'own', 'good'], ['b3', '2100', '31', 'rent', 'good'],
    ['b4', '600', '23', 'rent', 'bad'], ['b5', '8800', '61', 'own', 'good'], ['b6', '3300', '36', 'own', 'good'],
    ['b7', '1500', '25', 'rent', 'bad'],
  ],
  customs: [
    ['c1', '6100', '48', 'own', 'good'], ['c2', '700', '21', 'rent', 'bad'], ['c3', '2900', '33', 'rent', 'good'],
    ['c4', '15000', '59', 'own', 'good'], ['c5', '1200', '26', 'rent', 'bad'], ['c6', 'NA', '44', 'own', 'good'],
  ],
  platform: [
    ['p1', '1800', '24', 'rent', 'bad'], ['p2', '5600', '39', 'own', 'good'], ['p3', '2400', '30', 'rent', 'good'],
    ['p4', '900', '20', 'rent', 'bad'], ['p5', '7400', '50', 'own', 'good'], ['p6', '3100', '35', 'own', 'good'],
    ['p7', '650', '28', 'rent', 'bad'], ['p8', '4700', '42', 'own', 'good'],
  ],
};

/** The validated table of `member` (through the same validation a participant runs on its CSV). */
export function tableOf(member: string, s: DataSchema = schema()): Table {
  const rows = ROWS[member];
  if (rows === undefined) throw new Error(`no fixture rows for member ${member}`);
  return validateTable(HEADER, rows, s, `${member}.csv`).table;
}
