/**
 * The random half of the coordinator fuzz test (test/fuzz.test.ts): one call at a time, drawn
 * from a seeded source — raw bytes and mutated valid encodings on every RPC, and structured
 * mutations through the typed clients (wrong and out-of-range fields, empty and huge strings,
 * NaN/Inf in float tensors, wrong dtypes, shapes claiming billions of elements, truncated data,
 * unknown tasks and stale sessions, invalid and huge job JSON). Each call carries the set of
 * statuses it may end with, computed from what was sent.
 */
import { randomUUID } from 'node:crypto';
import { DataSchemaSchema } from '../core/data/schema.ts';
import { JobSpecSchema } from '../core/job.ts';
import { jobSizeProblem } from '../proto/limits.ts';
import { MAX_SUBMIT_JSON_BYTES } from '../proto/validate.ts';
import { float32Tensor, float64Tensor } from '../proto/tensor.ts';
import type { Expect, FuzzClients, MethodName, Outcome, Rand, Tally } from './fuzz-helpers.ts';
import { METHODS, S, codes, hugeLengthPrefix, mutate, wrongTypes } from './fuzz-helpers.ts';

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

/** What the random calls share: clients, the tally, and sessions and job ids to aim at. */
export interface FuzzContext {
  c: FuzzClients;
  tally: Tally;
  /** A registered session that is never given tasks (kept alive by heartbeats). */
  keeper: string;
  /** Sessions replaced by a later Hello of the same name. */
  stale: string[];
  /** Names registered by the fuzzer, with their live session. */
  registered: Map<string, string>;
  /** Job ids the coordinator knows. */
  jobIds: string[];
}

/** One call: run it and record its outcome. */
export type Call = () => Promise<void>;

const RAW_EXPECT: Record<MethodName, Expect> = {
  Hello: codes(S.OK, S.INVALID_ARGUMENT, S.FAILED_PRECONDITION),
  PullTask: codes(S.OK, S.INVALID_ARGUMENT),
  PushResult: codes(S.UNAUTHENTICATED),
  Heartbeat: codes(S.OK, S.INVALID_ARGUMENT),
  SubmitJob: codes(S.OK, S.INVALID_ARGUMENT),
  GetJobStatus: codes(S.OK, S.INVALID_ARGUMENT, S.NOT_FOUND),
  WatchJob: codes(S.OK, S.CANCELLED, S.INVALID_ARGUMENT, S.NOT_FOUND),
  FetchModel: codes(S.OK, S.INVALID_ARGUMENT, S.NOT_FOUND, S.FAILED_PRECONDITION),
  ListParticipants: codes(S.OK),
};
const INVALID = codes(S.INVALID_ARGUMENT);

const huge = (r: Rand, min: number) => 'h'.repeat(r.chance(0.02) ? 1_000_000 : min + r.int(4 * min));
const unknownSession = (r: Rand) => `unknown-${r.str(16)}`;
const sessionOf = (ctx: FuzzContext, r: Rand) => (ctx.stale.length && r.chance(0.5) ? r.pick(ctx.stale) : unknownSession(r));
const jobRef = (ctx: FuzzContext, r: Rand) => ({ jobId: ctx.jobIds.length && r.chance(0.5) ? r.pick(ctx.jobIds) : `unknown-${r.str(8)}` });

/** A valid request of `method` (aimed at nothing real: unknown sessions, the safe job). */
function baseRequest(ctx: FuzzContext, r: Rand, method: MethodName): unknown {
  switch (method) {
    case 'Hello':
      return { name: `mut-${r.str(8)}`, role: 'bank', clientVersion: '0.1.0', protocolVersion: 1, schemaDigest: 'ab' };
    case 'PullTask':
      return { session: unknownSession(r), waitMs: 0 };
    case 'PushResult':
      return r.chance(0.5)
        ? { session: unknownSession(r), taskId: randomUUID(), contribution: { vectors: [float64Tensor('update', Float64Array.of(1, 2, 3))] } }
        : { session: unknownSession(r), taskId: randomUUID(), secagg: { message: 'masked-input', maskedInput: { name: 'y', dtype: 'UINT32', shape: [2], data: Buffer.alloc(8) } } };
    case 'Heartbeat':
      return { session: unknownSession(r) };
    case 'SubmitJob':
      return { jobJson: JSON.stringify(SAFE_JOB), schemaJson: JSON.stringify(SMALL_SCHEMA) };
    case 'ListParticipants':
      return {};
    default:
      return jobRef(ctx, r);
  }
}

function raw(ctx: FuzzContext, r: Rand): Call {
  const method = r.pick(METHODS).name;
  const kind = r.int(10);
  let bytes: Buffer;
  let category: string;
  if (kind < 3) {
    bytes = r.bytes(r.chance(0.02) ? r.int(1 << 16) : r.int(512));
    category = 'raw: random bytes';
  } else if (kind < 9) {
    const m = mutate(r, ctx.c.encode(method, baseRequest(ctx, r, method)));
    bytes = m.bytes;
    category = `raw: mutated encoding (${m.how})`;
  } else {
    bytes = r.chance(0.5) ? wrongTypes(r) : hugeLengthPrefix(r);
    category = 'raw: wrong wire types / huge lengths';
  }
  return async () => ctx.tally.record(category, method, RAW_EXPECT[method], await ctx.c.rawCall(method, bytes, method === 'WatchJob'));
}

function hello(ctx: FuzzContext, r: Rand): Call {
  const ok = { name: `h-${r.str(10)}`, role: 'bank', clientVersion: '0.1.0', protocolVersion: 1, schemaDigest: 'd' };
  const variants: [string, Record<string, unknown>, Expect][] = [
    ['empty name', { ...ok, name: '' }, INVALID],
    ['huge name', { ...ok, name: huge(r, 129) }, INVALID],
    ['bad characters in name', { ...ok, name: r.pick(['bad name', 'é', '../x', '-x', 'a\u0000b', 'a/b']) }, INVALID],
    ['huge role', { ...ok, role: huge(r, 65) }, INVALID],
    ['huge client version', { ...ok, clientVersion: huge(r, 65) }, INVALID],
    ['huge schema digest', { ...ok, schemaDigest: huge(r, 129) }, INVALID],
    ['wrong protocol version', { ...ok, protocolVersion: r.pick([0, 2, 2 ** 32 - 1]) }, codes(S.FAILED_PRECONDITION)],
  ];
  if (ctx.registered.size < 150) variants.push(['valid', ok, codes(S.OK)]);
  if (ctx.registered.size > 0) variants.push(['re-register (stales the old session)', { ...ok, name: r.pick([...ctx.registered.keys()]) }, codes(S.OK)]);
  const [note, req, allowed] = r.pick(variants);
  return async () => {
    const o = await ctx.c.unary('Hello', req);
    ctx.tally.record('typed: Hello', 'Hello', allowed, o, note);
    if (o.code === S.OK) {
      const name = req.name as string;
      const old = ctx.registered.get(name);
      if (old) ctx.stale.push(old);
      ctx.registered.set(name, (o.value as { session: string }).session);
    }
  };
}

function sessionCalls(ctx: FuzzContext, r: Rand): Call {
  const check = (want: Record<string, unknown>) => (o: Outcome) =>
    o.code !== S.OK || Object.entries(want).every(([k, v]) => (o.value as Record<string, unknown>)[k] === v) ? '' : `reply is not ${JSON.stringify(want)}`;
  const variants: [MethodName, string, unknown, Expect, (o: Outcome) => string][] = [
    ['PullTask', 'empty session', { session: '', waitMs: 0 }, INVALID, () => ''],
    ['PullTask', 'huge session', { session: huge(r, 257), waitMs: 0 }, INVALID, () => ''],
    ['PullTask', 'wait beyond 10 minutes', { session: ctx.keeper, waitMs: 600_001 + r.int(2 ** 31) }, INVALID, () => ''],
    ['PullTask', 'unknown or stale session', { session: sessionOf(ctx, r), waitMs: r.int(200) }, codes(S.OK), check({ reregister: true, hasTask: false })],
    ['PullTask', 'registered session, nothing to do', { session: ctx.keeper, waitMs: 0 }, codes(S.OK), check({ hasTask: false })],
    ['Heartbeat', 'empty session', { session: '' }, INVALID, () => ''],
    ['Heartbeat', 'huge session', { session: huge(r, 257) }, INVALID, () => ''],
    ['Heartbeat', 'unknown or stale session', { session: sessionOf(ctx, r) }, codes(S.OK), check({ known: false })],
    ['Heartbeat', 'registered session', { session: ctx.keeper }, codes(S.OK), check({ known: true })],
  ];
  const [method, note, req, allowed, verify] = r.pick(variants);
  return async () => {
    const o = await ctx.c.unary(method, req);
    ctx.tally.record(`typed: ${method}`, method, allowed, o, note);
    const bad = verify(o);
    if (bad) ctx.tally.fail(`typed: ${method} (${note}): ${bad}`);
  };
}

/** Float bytes with one non-finite element. */
function floats(r: Rand, n: number, dtype: 'FLOAT32' | 'FLOAT64', poison = true): Buffer {
  const v = dtype === 'FLOAT64' ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = r.float() - 0.5;
  if (poison) v[r.int(n)] = r.pick([NaN, Infinity, -Infinity]);
  return Buffer.from(v.buffer);
}

/** A malformed reply body (no session or task id): [what is wrong, body]. Each fails wire decoding. */
export function malformedReply(r: Rand): [string, Record<string, unknown>] {
  const t = (o: Record<string, unknown>) => ({ contribution: { vectors: [{ name: 'update', dtype: 'FLOAT64', shape: [4], data: Buffer.alloc(32), ...o }] } });
  const masked = (o: Record<string, unknown> | null) => ({ secagg: { message: 'masked-input', maskedInput: o && { name: 'y', dtype: 'UINT32', shape: [4], data: Buffer.alloc(16), ...o } } });
  const n = 1 + r.int(64);
  const cases: [string, () => Record<string, unknown>][] = [
    ['NaN/Inf in a FLOAT64 vector', () => t({ shape: [n], data: floats(r, n, 'FLOAT64') })],
    ['NaN/Inf in a FLOAT32 vector', () => t({ dtype: 'FLOAT32', shape: [n], data: floats(r, n, 'FLOAT32') })],
    ['integer dtype for a float vector', () => t({ dtype: r.pick(['INT32', 'UINT32']), shape: [4], data: Buffer.alloc(16) })],
    ['unspecified or unknown dtype', () => t({ dtype: r.pick(['DTYPE_UNSPECIFIED', 9, 1000]) })],
    ['shape claiming billions of elements', () => t({ shape: r.pick([[2 ** 31, 2 ** 31], [2 ** 32 - 1], [65536, 65536, 65536], [2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1]]), data: r.bytes(r.int(64)) })],
    ['truncated data', () => t({ shape: [n], data: r.bytes(8 * n - 1 - r.int(8 * n)) })],
    ['data longer than the shape', () => t({ shape: [2], data: r.bytes(17 + r.int(64)) })],
    ['two-dimensional vector', () => t({ shape: [2, 2] })],
    ['too many dimensions', () => t({ shape: Array(9).fill(1), data: Buffer.alloc(8) })],
    ['vector without a name', () => t({ name: '' })],
    ['huge vector name', () => t({ name: huge(r, 129) })],
    ['reserved vector name', () => t({ name: '__proto__' })],
    ['duplicate vectors', () => ({ contribution: { vectors: [float64Tensor('w', Float64Array.of(1)), float64Tensor('w', Float64Array.of(2))] } })],
    ['too many vectors', () => ({ contribution: { vectors: Array.from({ length: 65 + r.int(100) }, (_, i) => float64Tensor(`v${i}`, Float64Array.of(i))) } })],
    ['unknown secagg message', () => ({ secagg: { message: r.chance(0.5) ? r.str(1 + r.int(20)) : huge(r, 100) } })],
    ['public keys of the wrong size', () => ({ secagg: { message: 'advertise-keys', cPk: r.bytes(r.pick([0, 31, 33, 1000])), sPk: r.bytes(32) } })],
    ['share ciphertexts of the wrong size', () => ({ secagg: { message: 'share-keys', ciphertexts: [{ peer: 'x', ciphertext: r.bytes(r.pick([0, 5, 90, 5000])) }] } })],
    ['share ciphertext without a recipient', () => ({ secagg: { message: 'share-keys', ciphertexts: [{ peer: r.pick(['', huge(r, 201)]), ciphertext: r.bytes(104) }] } })],
    ['masked input of a float dtype', () => masked({ dtype: r.pick(['FLOAT32', 'FLOAT64', 'INT32']) })],
    ['masked input claiming billions of words', () => masked({ shape: r.pick([[2 ** 31, 2 ** 31], [2 ** 32 - 1]]), data: r.bytes(r.int(64)) })],
    ['masked input with truncated data', () => masked({ shape: [n], data: r.bytes(4 * n - 1) })],
    ['two-dimensional masked input', () => masked({ shape: [2, 2] })],
    ['masked-input reply without the vector', () => masked(null)],
    ['unmasking shares of the wrong size', () => ({ secagg: { message: 'unmasking', selfMaskShares: [{ owner: 'x', share: r.bytes(r.pick([0, 3, 100])) }], keyShares: [] } })],
    ['unmasking share without an owner', () => ({ secagg: { message: 'unmasking', selfMaskShares: [], keyShares: [{ owner: '', share: r.bytes(4) }] } })],
    ['neither contribution, secagg reply nor refusal', () => ({})],
    ['privacy receipt beyond 64 KiB', () => ({ contribution: { vectors: [float64Tensor('update', Float64Array.of(1))] }, privacyReceiptJson: 'r'.repeat(65_537 + r.int(1000)) })],
  ];
  const [what, make] = r.pick(cases);
  return [what, make()];
}

/** A well-formed reply body that fits no open task of the keeper. */
function wellFormedReply(r: Rand): [string, Record<string, unknown>] {
  return r.pick<[string, Record<string, unknown>]>([
    ['contribution', { contribution: { vectors: [float64Tensor('update', Float64Array.of(1, 2)), float32Tensor('weight', Float32Array.of(3))] } }],
    ['keys', { secagg: { message: 'advertise-keys', cPk: r.bytes(32), sPk: r.bytes(32) } }],
    ['masked input', { secagg: { message: 'masked-input', maskedInput: { name: 'y', dtype: 'UINT32', shape: [3], data: r.bytes(12) } } }],
    ['refusal', { refusal: { code: 'error', reason: 'no' } }],
    ['refusal with a huge reason', { refusal: { code: huge(r, 65), reason: huge(r, 2001) } }],
  ]);
}

function push(ctx: FuzzContext, r: Rand): Call {
  const kind = r.int(10);
  let category: string;
  let note: string;
  let req: Record<string, unknown>;
  let allowed: Expect;
  if (kind < 2) {
    [note, req] = r.chance(0.5) ? malformedReply(r) : wellFormedReply(r);
    req = { ...req, session: r.chance(0.2) ? '' : sessionOf(ctx, r), taskId: randomUUID() };
    category = 'typed: PushResult, unknown or stale session';
    allowed = codes(S.UNAUTHENTICATED);
  } else if (kind < 8) {
    [note, req] = malformedReply(r);
    req = { ...req, session: ctx.keeper, taskId: randomUUID() };
    category = 'typed: PushResult, malformed reply';
    allowed = INVALID;
  } else if (kind < 9) {
    [note, req] = wellFormedReply(r);
    const taskId = r.pick(['', huge(r, 201)]);
    req = { ...req, session: ctx.keeper, taskId };
    note = taskId ? 'huge task id' : 'no task id';
    category = 'typed: PushResult, bad task id';
    allowed = INVALID;
  } else {
    [note, req] = wellFormedReply(r);
    req = { ...req, session: ctx.keeper, taskId: randomUUID() };
    category = 'typed: PushResult, unknown task';
    allowed = codes(S.FAILED_PRECONDITION);
  }
  return async () => ctx.tally.record(category, 'PushResult', allowed, await ctx.c.unary('PushResult', req), note);
}

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

function submit(ctx: FuzzContext, r: Rand): Call | null {
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
  const allowed = submitVerdict(jobJson, schemaJson);
  if (!allowed) return null;
  return async () => {
    const o = await ctx.c.unary('SubmitJob', { jobJson, schemaJson });
    ctx.tally.record('typed: SubmitJob', 'SubmitJob', allowed, o, note);
    if (o.code === S.OK) ctx.jobIds.push((o.value as { jobId: string }).jobId);
  };
}

function jobCalls(ctx: FuzzContext, r: Rand): Call {
  const method = r.pick(['GetJobStatus', 'WatchJob', 'FetchModel'] as const);
  const known = ctx.jobIds.length > 0 && r.chance(0.4);
  const kind = known ? 3 : r.int(3);
  const jobId = [() => '', () => huge(r, 201), () => `unknown-${r.str(12)}`, () => r.pick(ctx.jobIds)][kind]();
  const note = ['empty job id', 'huge job id', 'unknown job id', 'known job'][kind];
  const allowed = kind < 2 ? INVALID : kind === 2 ? codes(S.NOT_FOUND)
    : method === 'FetchModel' ? codes(S.OK, S.FAILED_PRECONDITION) : method === 'WatchJob' ? codes(S.OK, S.CANCELLED) : codes(S.OK);
  return async () => {
    const o = method === 'GetJobStatus' ? await ctx.c.unary(method, { jobId }) : await ctx.c.stream(method, { jobId }, method === 'WatchJob');
    ctx.tally.record(`typed: ${method}`, method, allowed, o, note);
  };
}

/** The next random call. */
export function randomCall(ctx: FuzzContext, r: Rand): Call {
  for (;;) {
    const x = r.int(100);
    if (x < 35) return raw(ctx, r);
    if (x < 41) return hello(ctx, r);
    if (x < 49) return sessionCalls(ctx, r);
    if (x < 79) return push(ctx, r);
    if (x < 89) {
      const call = submit(ctx, r);
      if (call) return call;
      continue;
    }
    if (x < 97) return jobCalls(ctx, r);
    return async () => ctx.tally.record('typed: ListParticipants', 'ListParticipants', codes(S.OK), await ctx.c.unary('ListParticipants', {}));
  }
}
