/**
 * What the coordinator fuzz test (test/fuzz.test.ts) submits as jobs: a small schema, a job that is
 * valid but harmless, structural mutations of their JSON, and the status the coordinator must
 * answer for each submission, computed by the same validation rules it runs.
 */
import { DataSchemaSchema } from '../core/data/schema.ts';
import { JobSpecSchema } from '../core/job.ts';
import { jobSizeProblem } from '../proto/limits.ts';
import { MAX_SUBMIT_JSON_BYTES } from '../proto/validate.ts';
import type { Rand } from './fuzz-bytes.ts';
import type { Expect } from './fuzz-tally.ts';
import { S, codes } from './fuzz-tally.ts';

const INVALID = codes(S.INVALID_ARGUMENT);

/** A small schema: 2 numeric features and one categorical (5 encoded inputs, 6 logistic parameters). */
export const SMALL_SCHEMA = {
  label: { column: 'y', positive: '1' },
  numeric: [{ name: 'a' }, { name: 'b' }],
  categorical: [{ name: 'c', levels: ['x', 'y'] }],
};

/** A job that is valid but fails at once: it waits 0 ms for a participant that never comes. */
export const SAFE_JOB = {
  name: 'fuzz-safe',
  participants: ['nobody-0'],
  minParticipants: 1,
  rounds: 1,
  evaluation: { bins: 10 },
  deadlines: { waitForParticipantsMs: 0, stageMs: 1000 },
};

const TOKENS = ['null', 'true', '-1', '0', '-0', '1e400', '-1e400', '1e-400', '1.5', '9007199254740993', '4294967296', '2147483648', '""', '"x"',
  `"${'x'.repeat(300)}"`, '[]', '{}', '[1,2]', '{"a":1}', '"NaN"', '"Infinity"', '"__proto__"', '{"__proto__":{"polluted":1}}', '[[[[[[[[[[]]]]]]]]]]'];

/** A structural mutation of `base` as JSON text: a field set to an odd value, deleted, or added. */
function mutateJson(r: Rand, base: object): { text: string; how: string } {
  const copy = structuredClone(base) as Record<string, unknown>;
  const slots: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        slots.push([v, i]);
        walk(x);
      });
    } else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        slots.push([o, k]);
        walk(o[k]);
      }
    }
  };
  walk(copy);
  const [parent, k] = r.pick(slots);
  const op = r.int(4);
  const token = r.pick(TOKENS);
  if (op === 0 && !Array.isArray(parent)) {
    delete parent[k as string];
    return { text: JSON.stringify(copy), how: `deleted ${String(k)}` };
  }
  if (op === 1 && !Array.isArray(parent)) parent[`extra_${r.str(3)}`] = '@@PH@@';
  else (parent as Record<string | number, unknown>)[k] = '@@PH@@';
  return { text: JSON.stringify(copy).replace('"@@PH@@"', token), how: `${String(k)} = ${token.slice(0, 24)}` };
}

/** What the coordinator must answer for a SubmitJob, by the same rules run here; null = valid but not safe to send. */
export function submitVerdict(jobJson: string, schemaJson: string): Expect | null {
  const tooLong = (text: string) => Buffer.byteLength(text, 'utf8') > MAX_SUBMIT_JSON_BYTES;
  if (jobJson.length < 2 || tooLong(jobJson) || schemaJson.length < 2 || tooLong(schemaJson)) return INVALID;
  let job: unknown;
  let schema: unknown;
  try {
    job = JSON.parse(jobJson);
    schema = JSON.parse(schemaJson);
  } catch {
    return INVALID;
  }
  const j = JobSpecSchema.safeParse(job);
  const s = DataSchemaSchema.safeParse(schema);
  if (!j.success || !s.success || jobSizeProblem(j.data, s.data)) return INVALID;
  const safe = !!j.data.participants?.length && j.data.participants.every((p) => p.startsWith('nobody')) && j.data.deadlines.waitForParticipantsMs <= 1000;
  return safe ? codes(S.OK, S.RESOURCE_EXHAUSTED) : null; // a full job queue refuses the job
}

/** A random SubmitJob request: invalid, oversized, mutated or valid job and schema JSON, with what was done to it. */
export function submitRequest(r: Rand): { note: string; jobJson: string; schemaJson: string } {
  const schemaText = JSON.stringify(SMALL_SCHEMA);
  const variants: [string, () => [string, string]][] = [
    ['invalid JSON', () => [r.pick(['{', '{"name":', 'nope', '{"a":1,}', JSON.stringify(SAFE_JOB).slice(0, 10 + r.int(40))]), schemaText]],
    ['empty', () => ['', r.chance(0.5) ? '' : schemaText]],
    ['job JSON over 1 MB, or huge valid JSON with a huge name', () => (r.chance(0.5)
      ? [`{"name":"${'n'.repeat(1_000_000)}"}`, schemaText]
      : [JSON.stringify({ ...SAFE_JOB, name: 'n'.repeat(200_000 + r.int(700_000)) }), schemaText])],
    ['name over 200 characters', () => [JSON.stringify({ ...SAFE_JOB, name: 'n'.repeat(201 + r.int(5000)) }), schemaText]],
    ['mutated job', () => [mutateJson(r, SAFE_JOB).text, schemaText]],
    ['mutated schema', () => [JSON.stringify(SAFE_JOB), mutateJson(r, SMALL_SCHEMA).text]],
    ['model beyond the size limit', () => [
      JSON.stringify({ ...SAFE_JOB, model: { type: 'mlp', hidden: [4096, 4096] } }),
      JSON.stringify({ ...SMALL_SCHEMA, categorical: [{ name: 'c', levels: Array.from({ length: 5000 }, (_, i) => `l${i}`) }] }),
    ]],
    ['valid job (fails at once)', () => [JSON.stringify({ ...SAFE_JOB, name: `safe-${r.str(4)}` }), schemaText]],
  ];
  const [note, make] = r.pick(variants);
  const [jobJson, schemaJson] = make();
  return { note, jobJson, schemaJson };
}
