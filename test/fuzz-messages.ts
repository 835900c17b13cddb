/**
 * The random half of the coordinator fuzz test (test/fuzz.test.ts): one call at a time, drawn
 * from a seeded source — raw bytes and mutated valid encodings on every RPC, and structured
 * mutations through the typed clients (wrong and out-of-range fields, empty and huge strings,
 * NaN/Inf in float tensors, wrong dtypes, shapes claiming billions of elements, truncated data,
 * unknown tasks and stale sessions, invalid and huge job JSON). Each call carries the set of
 * statuses it may end with, computed from what was sent. The reply bodies come from
 * fuzz-replies.ts and the submitted jobs from fuzz-jobs.ts.
 */
import { randomUUID } from 'node:crypto';
import { float64Tensor } from '../proto/tensor.ts';
import type { Rand } from './fuzz-bytes.ts';
import { huge, hugeLengthPrefix, mutate, wrongTypes } from './fuzz-bytes.ts';
import type { FuzzClients, MethodName, Outcome } from './fuzz-clients.ts';
import { METHODS } from './fuzz-clients.ts';
import type { Expect, Tally } from './fuzz-tally.ts';
import { S, codes } from './fuzz-tally.ts';
import { SAFE_JOB, SMALL_SCHEMA, submitRequest, submitVerdict } from './fuzz-jobs.ts';
import { malformedReply, wellFormedReply } from './fuzz-replies.ts';
import { PROTOCOL_VERSION } from '../proto/load.ts';

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
  Score: codes(S.UNAUTHENTICATED),
  Heartbeat: codes(S.OK, S.INVALID_ARGUMENT),
  SubmitJob: codes(S.OK, S.INVALID_ARGUMENT),
  GetJobStatus: codes(S.OK, S.INVALID_ARGUMENT, S.NOT_FOUND),
  WatchJob: codes(S.OK, S.CANCELLED, S.INVALID_ARGUMENT, S.NOT_FOUND),
  FetchModel: codes(S.OK, S.INVALID_ARGUMENT, S.NOT_FOUND, S.FAILED_PRECONDITION),
  ListParticipants: codes(S.OK),
};
const INVALID = codes(S.INVALID_ARGUMENT);

const unknownSession = (r: Rand) => `unknown-${r.str(16)}`;
const sessionOf = (ctx: FuzzContext, r: Rand) => (ctx.stale.length && r.chance(0.5) ? r.pick(ctx.stale) : unknownSession(r));
const jobRef = (ctx: FuzzContext, r: Rand) => ({ jobId: ctx.jobIds.length && r.chance(0.5) ? r.pick(ctx.jobIds) : `unknown-${r.str(8)}` });

/** A valid request of `method` (aimed at nothing real: unknown sessions, the safe job). */
function baseRequest(ctx: FuzzContext, r: Rand, method: MethodName): unknown {
  switch (method) {
    case 'Hello':
      return { name: `mut-${r.str(8)}`, role: 'bank', clientVersion: '0.1.0', protocolVersion: PROTOCOL_VERSION, schemaDigest: 'ab' };
    case 'PullTask':
      return { session: unknownSession(r), waitMs: 0 };
    case 'PushResult':
      return r.chance(0.5)
        ? { session: unknownSession(r), taskId: randomUUID(), contribution: { vectors: [float64Tensor('update', Float64Array.of(1, 2, 3))] } }
        : { session: unknownSession(r), taskId: randomUUID(), secagg: { message: 'masked-input', maskedInput: { name: 'y', dtype: 'UINT32', shape: [2], data: Buffer.alloc(8) } } };
    case 'Heartbeat':
      return { session: unknownSession(r) };
    case 'Score':
      return { session: unknownSession(r), jobId: `job-${r.str(6)}`, requestId: 'r1', envelopes: [{ peer: 'platform', data: r.bytes(48) }], deadlineMs: 1000 };
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
  const ok = { name: `h-${r.str(10)}`, role: 'bank', clientVersion: '0.1.0', protocolVersion: PROTOCOL_VERSION, schemaDigest: 'd' };
  const variants: [string, Record<string, unknown>, Expect][] = [
    ['empty name', { ...ok, name: '' }, INVALID],
    ['huge name', { ...ok, name: huge(r, 129) }, INVALID],
    ['bad characters in name', { ...ok, name: r.pick(['bad name', 'é', '../x', '-x', 'a\u0000b', 'a/b']) }, INVALID],
    ['huge role', { ...ok, role: huge(r, 65) }, INVALID],
    ['huge client version', { ...ok, clientVersion: huge(r, 65) }, INVALID],
    ['huge schema digest', { ...ok, schemaDigest: huge(r, 129) }, INVALID],
    ['wrong protocol version', { ...ok, protocolVersion: r.pick([0, PROTOCOL_VERSION - 1, PROTOCOL_VERSION + 1, 2 ** 32 - 1]) }, codes(S.FAILED_PRECONDITION)],
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
    ['Score', 'unknown or stale session', { session: sessionOf(ctx, r), jobId: 'x', requestId: 'r1', deadlineMs: 1000 }, codes(S.UNAUTHENTICATED), () => ''],
    ['Score', 'bad request id', { session: ctx.keeper, jobId: 'x', requestId: r.pick(['', 'a b', huge(r, 65), '../x']), deadlineMs: 1000 }, INVALID, () => ''],
    ['Score', 'deadline out of range', { session: ctx.keeper, jobId: 'x', requestId: 'r1', deadlineMs: r.pick([0, 99, 60_001, 2 ** 32 - 1]) }, INVALID, () => ''],
    ['Score', 'not a vertical job', { session: ctx.keeper, jobId: ctx.jobIds.length && r.chance(0.5) ? r.pick(ctx.jobIds) : `unknown-${r.str(8)}`, requestId: 'r1', deadlineMs: 1000, envelopes: [{ peer: 'p', data: r.bytes(8) }] }, codes(S.NOT_FOUND), () => ''],
  ];
  const [method, note, req, allowed, verify] = r.pick(variants);
  return async () => {
    const o = await ctx.c.unary(method, req);
    ctx.tally.record(`typed: ${method}`, method, allowed, o, note);
    const bad = verify(o);
    if (bad) ctx.tally.fail(`typed: ${method} (${note}): ${bad}`);
  };
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

function submit(ctx: FuzzContext, r: Rand): Call | null {
  const { note, jobJson, schemaJson } = submitRequest(r);
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
  const [jobId, note] = kind === 0 ? ['', 'empty job id'] : kind === 1 ? [huge(r, 201), 'huge job id'] : kind === 2 ? [`unknown-${r.str(12)}`, 'unknown job id'] : [r.pick(ctx.jobIds), 'known job'];
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
