/**
 * gRPC handlers of the Fleet service (participants → coordinator). Decode, validate with zod,
 * call the {@link FleetGrid}, encode. Errors become gRPC statuses with a message that says what
 * is wrong; nothing here can throw past the handler.
 */
import * as grpc from '@grpc/grpc-js';
import { PROTOCOL_VERSION } from '../proto/load.ts';
import { MAX_ID_CHARS, clipText, headOf, wellFormed } from '../proto/limits.ts';
import type { FleetHandlers } from '../proto/generated/fedcredit/v1/Fleet.ts';
import type { Task } from '../proto/generated/fedcredit/v1/Task.ts';
import { contributionFromWire, float32Tensor } from '../proto/tensor.ts';
import { secaggReplyFromWire, secaggStepToWire } from '../proto/secagg-wire.ts';
import { aheadAnswersFromWire } from '../proto/ahead-wire.ts';
import { verticalReplyFromWire, verticalStepToWire } from '../proto/vertical-wire.ts';
import { scoreHandler } from './fleet-score.ts';
import type { VerticalJobRecord } from './vertical-jobs.ts';
import { HeartbeatRequestSchema, HelloRequestSchema, PullTaskRequestSchema, formatZodError } from '../proto/validate.ts';
import type { FleetGrid, ParticipantEntry } from './fleet-grid.ts';
import type { QueuedTask } from './fleet-tasks.ts';
import { FleetAuth } from './fleet-auth.ts';
import { peerCommonName } from '../trust/tls.ts';
import { readRosterReceipt } from '../core/privacy/receipt-check.ts';
import { splitCarriedReceipt } from '../core/round/carried-evaluation.ts';
import type { Logger } from '../platform/log.ts';
import type { MessageRecorder } from './recorder.ts';

const KIND = { stats: 'STATS', train: 'TRAIN', evaluate: 'EVALUATE', vertical: 'VERTICAL', sketch: 'SKETCH', tree: 'TREE' } as const;

/** Each stage's configuration serialized once: every participant and step of a stage shares the object. */
const configJson = new WeakMap<object, string>();
function configJsonOf(config: unknown): string {
  if (typeof config !== 'object' || config === null) return JSON.stringify(config);
  let json = configJson.get(config);
  if (json === undefined) {
    json = JSON.stringify(config);
    configJson.set(config, json);
  }
  return json;
}

function taskToWire(q: QueuedTask): Task {
  return {
    taskId: q.taskId,
    jobId: q.jobId,
    round: q.task.round,
    kind: KIND[q.task.kind],
    configJson: configJsonOf(q.task.config),
    weights: q.task.weights ? [float32Tensor('weights', q.task.weights)] : [],
    deadlineUnixMs: q.deadline,
    ...(q.task.secagg ? { secagg: secaggStepToWire(q.task.secagg) } : {}),
    ...(q.task.ahead ? { ahead: q.task.ahead.map(secaggStepToWire) } : {}),
    ...(q.task.vertical ? { vertical: verticalStepToWire(q.task.vertical) } : {}),
  };
}

/**
 * The privacy receipt of `name`'s reply to `open` (its open task), if any: at most 64 KiB, about
 * this participant, job, round and stage, and signed with the key the roster lists for the
 * participant (without a roster, `keys` undefined: under the key the receipt embeds, and it is
 * reported as unpinned). Throws with the reason otherwise; the reply is then rejected and the task
 * counts as the participant's failure, so an invalid receipt is never stored or counted.
 */
function receiptOf(json: string | undefined, name: string, open: QueuedTask | undefined, keys: ReadonlyMap<string, Uint8Array> | undefined): { receipt?: string } {
  if (!json) return {};
  if (json.length > 65_536) throw new Error(`privacy receipt of ${json.length} characters exceeds 65536`);
  if (open) {
    // A train task that carries an evaluation (core/round/carried-evaluation.ts) gets both receipts, each about its own release.
    const carries = (open.task.config as { evaluates?: unknown } | undefined)?.evaluates;
    const split = typeof carries === 'number' ? splitCarriedReceipt(json) : { train: json };
    const parts: [string | undefined, number, string][] = [[split.train, open.task.round, open.task.kind]];
    if (typeof carries === 'number') parts.unshift([split.evaluation, carries, 'evaluate']);
    for (const [part, round, stage] of parts) {
      if (part === undefined) continue;
      const r = readRosterReceipt(part, { participant: name, jobId: open.jobId, round, stage }, keys);
      if ('problem' in r) throw new Error(r.problem);
    }
  }
  return { receipt: json };
}

/** Long polls one session may hold open at once (a node needs one; a flood of them is refused). */
const MAX_WAITING_PULLS = 4;

/**
 * The long poll of PullTask and of a PushResult that asks for its next task: `e`'s next task
 * within `waitMs` (at most 30 s), or none; given up when the call is cancelled.
 */
function nextTask(grid: FleetGrid, e: ParticipantEntry, waitMs: number, call: { on(event: 'cancelled', cb: () => void): unknown }): Promise<{ hasTask: boolean; task?: Task }> {
  return grid
    .pull(e, Math.min(waitMs, 30_000), (onCancel) => call.on('cancelled', onCancel))
    .then((t) => (t ? { hasTask: true, task: taskToWire(t) } : { hasTask: false }));
}

/** A status for `cb`; the details are cut to a bounded length (they may quote what was sent). */
function fail(code: grpc.status, details: string): Partial<grpc.StatusObject> {
  return { code, details: clipText(details) };
}

/** Builds the Fleet service implementation. */
export function fleetHandlers(
  grid: FleetGrid,
  log: Logger,
  recorder?: MessageRecorder,
  auth: FleetAuth = new FleetAuth(undefined),
  findVertical: (id: string) => VerticalJobRecord | undefined = () => undefined,
): FleetHandlers {
  return {
    Score: scoreHandler(grid, log, auth, findVertical),

    Hello(call, cb) {
      recorder?.record('Hello', call.request);
      const parsed = HelloRequestSchema.safeParse(call.request);
      if (!parsed.success) return cb(fail(grpc.status.INVALID_ARGUMENT, `Hello: ${formatZodError(parsed.error)}`));
      const r = parsed.data;
      if (r.protocolVersion !== PROTOCOL_VERSION) {
        return cb(fail(grpc.status.FAILED_PRECONDITION, `protocol version ${r.protocolVersion} is not supported; this coordinator speaks version ${PROTOCOL_VERSION}`));
      }
      const checked = auth.hello({ name: r.name, auth: call.request.auth }, peerCommonName(call), call.request);
      if ('code' in checked) {
        log.warn('Hello refused', { participant: r.name, reason: checked.details });
        return cb(fail(checked.code, checked.details));
      }
      const e = grid.hello(r.name, checked.role ?? (r.role || 'other'), r.schemaDigest);
      auth.bind(e);
      log.info('participant registered', { participant: r.name, role: e.role });
      cb(null, { participantId: e.id, session: e.session, heartbeatIntervalMs: grid.opts.heartbeatIntervalMs, protocolVersion: PROTOCOL_VERSION });
    },

    PullTask(call, cb) {
      recorder?.record('PullTask', call.request);
      const parsed = PullTaskRequestSchema.safeParse(call.request);
      if (!parsed.success) return cb(fail(grpc.status.INVALID_ARGUMENT, `PullTask: ${formatZodError(parsed.error)}`));
      const e = grid.touch(parsed.data.session);
      if (!e) return cb(null, { hasTask: false, reregister: true });
      const bad = auth.message(e, 'PullTask', call.request.auth, peerCommonName(call), call.request);
      if (bad) return cb(fail(bad.code, bad.details));
      if (e.waiters.length >= MAX_WAITING_PULLS) {
        return cb(fail(grpc.status.RESOURCE_EXHAUSTED, `PullTask: ${e.name} already has ${e.waiters.length} long polls waiting; a node needs one`));
      }
      nextTask(grid, e, parsed.data.waitMs, call)
        .then((t) => cb(null, t))
        .catch((err: Error) => cb(fail(grpc.status.INTERNAL, `PullTask: ${err.message}`)));
    },

    PushResult(call, cb) {
      const req = call.request;
      recorder?.record('PushResult', req);
      const e = grid.touch(req.session ?? '');
      if (!e) return cb(fail(grpc.status.UNAUTHENTICATED, 'PushResult: unknown or expired session; call Hello again'));
      if (!req.taskId) return cb(fail(grpc.status.INVALID_ARGUMENT, 'PushResult: task_id is missing'));
      if (req.taskId.length > MAX_ID_CHARS) return cb(fail(grpc.status.INVALID_ARGUMENT, `PushResult: task_id of ${req.taskId.length} characters is longer than ${MAX_ID_CHARS}`));
      const bad = auth.message(e, 'PushResult', req.auth, peerCommonName(call), req) ?? auth.task(e, req.auth, grid.taskInfo(req.taskId), req.taskId, Boolean(req.refusal) && !req.secagg && !req.contribution && !req.vertical);
      if (bad) {
        log.warn('PushResult refused', { participant: e.name, task: req.taskId, reason: bad.details });
        return cb(fail(bad.code, bad.details));
      }
      let problem: string | null;
      const info = grid.taskInfo(req.taskId);
      const open = info && 'open' in info && info.participant === e.name ? info.open : undefined;
      const receipt = (json: string | undefined) => receiptOf(json, e.name, open, auth.memberKeys);
      try {
        if (req.outcome === 'refusal' && req.refusal) {
          const reason = wellFormed(`${headOf(req.refusal.reason, 2000)}${req.refusal.code ? ` [${headOf(req.refusal.code, 64)}]` : ''}`);
          problem = grid.deliver(e, req.taskId, { refusal: reason });
          log.warn('participant refused a task', { participant: e.name, reason });
        } else if (req.outcome === 'contribution' && req.contribution) {
          problem = grid.deliver(e, req.taskId, { contribution: contributionFromWire(req.contribution.vectors), ...receipt(req.privacyReceiptJson) });
        } else if (req.outcome === 'secagg' && req.secagg) {
          const ahead = req.ahead?.length ? { ahead: aheadAnswersFromWire(req.ahead, e.name) } : {};
          problem = grid.deliver(e, req.taskId, { secagg: secaggReplyFromWire(req.secagg, e.name), ...receipt(req.privacyReceiptJson), ...ahead });
        } else if (req.outcome === 'vertical' && req.vertical) {
          problem = grid.deliver(e, req.taskId, { vertical: verticalReplyFromWire(req.vertical, e.name) });
        } else {
          throw new Error('neither a contribution, a secure-aggregation reply, a vertical reply nor a refusal was sent');
        }
      } catch (err) {
        // A malformed reply to an open task of this participant is its failure in that stage.
        grid.reject(e, req.taskId, (err as Error).message);
        log.warn('PushResult rejected', { participant: e.name, task: req.taskId, reason: (err as Error).message });
        return cb(fail(grpc.status.INVALID_ARGUMENT, `PushResult from ${e.name}: ${(err as Error).message}`));
      }
      if (problem) return cb(fail(grpc.status.FAILED_PRECONDITION, `PushResult from ${e.name}: ${problem}`));
      const waitMs = req.nextWaitMs ?? 0;
      if (waitMs <= 0) return cb(null, { accepted: true, message: 'ok' });
      // The node asked for its next task in this reply (no PullTask between steps): a long poll like PullTask's.
      if (e.waiters.length >= MAX_WAITING_PULLS) return cb(null, { accepted: true, message: `ok; no task held: ${e.name} already has ${e.waiters.length} long polls waiting` });
      nextTask(grid, e, waitMs, call)
        .then((t) => cb(null, { accepted: true, message: 'ok', ...t }))
        .catch((err: Error) => cb(fail(grpc.status.INTERNAL, `PushResult: ${err.message}`)));
    },

    Heartbeat(call, cb) {
      recorder?.record('Heartbeat', call.request);
      const parsed = HeartbeatRequestSchema.safeParse(call.request);
      if (!parsed.success) return cb(fail(grpc.status.INVALID_ARGUMENT, `Heartbeat: ${formatZodError(parsed.error)}`));
      const e = grid.touch(parsed.data.session);
      const bad = e ? auth.message(e, 'Heartbeat', call.request.auth, peerCommonName(call), call.request) : null;
      if (bad) return cb(fail(bad.code, bad.details));
      cb(null, { known: e !== undefined });
    },
  };
}
