/**
 * gRPC handlers of the Control service (data scientist → coordinator): submit a job, watch it,
 * read its status, download the model (chunked stream), list participants, cancel a job.
 */
import * as grpc from '@grpc/grpc-js';
import { DataSchemaSchema, inputDim } from '../core/data/schema.ts';
import { JobSpecSchema } from '../core/job.ts';
import { hasWeightLayout, modelLayout } from '../core/model/layout.ts';
import { treeFeatureNames } from '../core/trees/features.ts';
import { BOOSTED_FORMAT } from '../core/trees/model-pack.ts';
import type { RoundRecord } from '../core/round/engine.ts';
import { guaranteeText, secureFacts } from '../core/round/guarantee.ts';
import { readRosterReceipt } from '../core/privacy/receipt-check.ts';
import { roundReceipts } from '../core/round/engine.ts';
import type { InvalidReceipt } from '../proto/generated/fedcredit/v1/InvalidReceipt.ts';
import type { PrivacySpend } from '../proto/generated/fedcredit/v1/PrivacySpend.ts';
import type { ControlHandlers } from '../proto/generated/fedcredit/v1/Control.ts';
import type { JobStatus } from '../proto/generated/fedcredit/v1/JobStatus.ts';
import type { RoundReport } from '../proto/generated/fedcredit/v1/RoundReport.ts';
import { JobRefSchema, SubmitJobRequestSchema, formatZodError } from '../proto/validate.ts';
import { clipText, jobSizeProblem } from '../proto/limits.ts';
import { recordPrivacyProblem } from '../core/privacy/record-plan.ts';
import type { FleetGrid } from './fleet-grid.ts';
import type { JobManager, JobRecord } from './jobs.ts';
import { SubmitRefusedError } from './job-queue.ts';
import { JOB_STATES, StoreError, isFinished } from './store.ts';
import { isJobState, listJobs } from './job-list.ts';
import { isVerticalJob } from '../core/vertical/spec.ts';
import { noVerticalModel, submitVertical, watchVertical } from './vertical-control.ts';
import { verticalStatusToWire } from './vertical-status.ts';

/** Size of one FetchModel chunk. */
export const MODEL_CHUNK_BYTES = 1 << 20;

/** What a round's receipts state: the valid ones as spends, the others apart with the reason. */
export interface RoundPrivacy {
  spends: PrivacySpend[];
  invalid: InvalidReceipt[];
}

const privacyCache = new WeakMap<RoundRecord, { keys: ReadonlyMap<string, Uint8Array> | undefined; privacy: RoundPrivacy }>();

/**
 * The privacy spends stated by a round's receipts. With the roster's member keys, each receipt
 * must verify under the key the roster lists for its participant; without them (no roster), under
 * the key it embeds, and the spend says it is not verified against a roster. A receipt that does
 * not verify is never counted as spend: it is listed in `invalid` with the reason. Checked once
 * per round record (signature verification is not free, and statuses are sent on every event).
 */
function privacyOf(jobId: string, r: RoundRecord, memberKeys?: ReadonlyMap<string, Uint8Array>): RoundPrivacy {
  const cached = privacyCache.get(r);
  if (cached && cached.keys === memberKeys) return cached.privacy;
  const out: RoundPrivacy = { spends: [], invalid: [] };
  for (const [participant, json] of roundReceipts(r)) {
    const spend = readRosterReceipt(json, { participant, jobId, round: r.round }, memberKeys);
    if ('problem' in spend) {
      out.invalid.push({ participant, reason: spend.problem });
      continue;
    }
    const { signerKey, pinned, ...stated } = spend;
    out.spends.push({ ...stated, signatureValid: true, verifiedAgainstRoster: pinned, signerPublicKey: signerKey, receiptJson: json });
  }
  privacyCache.set(r, { keys: memberKeys, privacy: out });
  return out;
}

/**
 * Wire form of a round record; `memberKeys`: the roster's, to check the receipts against.
 * `withHistogram`: carry the round's summed score histogram (when it was evaluated).
 */
export function roundToWire(r: RoundRecord, jobId: string, memberKeys?: ReadonlyMap<string, Uint8Array>, withHistogram = true): RoundReport {
  const privacy = privacyOf(jobId, r, memberKeys);
  return {
    round: r.round,
    participants: r.participants,
    metrics: { ...r.metrics },
    trainLoss: r.trainLoss,
    seconds: r.seconds,
    failures: r.failures,
    finishedUnixMs: r.finishedAt,
    ...(r.secure ? { secure: { ...r.secure } } : {}),
    privacy: privacy.spends,
    invalidReceipts: privacy.invalid,
    ...(r.clientDp
      ? { clientDp: { ...r.clientDp, adaptive: r.clientDp.unclippedFraction !== undefined, unclippedFraction: r.clientDp.unclippedFraction ?? 0 } }
      : {}),
    ...(withHistogram && r.scoreHistogram ? { scoreHistogram: r.scoreHistogram } : {}),
  };
}

/** Index of the latest round with a stored score histogram, or −1. */
function latestHistogramRound(rounds: RoundRecord[]): number {
  for (let i = rounds.length - 1; i >= 0; i--) if (rounds[i]!.scoreHistogram) return i;
  return -1;
}

/**
 * Wire form of a job's status; `memberKeys`: the roster's, when the coordinator has one (receipts
 * are checked against it). `withHistogram`: carry the latest evaluated round's score histogram.
 */
export function statusToWire(rec: JobRecord, memberKeys?: ReadonlyMap<string, Uint8Array>, withHistogram = true): JobStatus {
  const histogramAt = withHistogram ? latestHistogramRound(rec.rounds) : -1;
  return {
    jobId: rec.id,
    name: rec.job.name,
    state: rec.state,
    roundsCompleted: rec.rounds.filter((r) => r.round > 0).length,
    roundsTotal: rec.job.rounds,
    // One histogram per status (the latest evaluated round's) keeps the message bounded.
    rounds: rec.rounds.map((r, i) => roundToWire(r, rec.id, memberKeys, i === histogramAt)),
    error: rec.error,
    participants: [...rec.participants].sort(),
    aggregation: rec.aggregation,
    guarantee: guaranteeText(rec.job, rec.rounds, { receiptsPinned: memberKeys !== undefined }),
    createdUnixMs: rec.createdAt,
    finishedUnixMs: rec.finishedAt,
    stage: rec.stage,
  };
}

/** A status for a unary callback; the details are cut to a bounded length (they may quote what was sent). */
function status(code: grpc.status, details: string): grpc.StatusObject {
  return { code, details: clipText(details), metadata: new grpc.Metadata() };
}

/**
 * Ends a server stream with an error status. (`call.destroy(err)` does not do this in grpc-js:
 * the stream is destroyed before its final status is written, and the client waits for its
 * deadline.) The 'error' event makes grpc-js record the status and end the call with it.
 */
export function failStream(call: { emit(event: 'error', err: Error): boolean }, s: { code: grpc.status; details: string }): void {
  call.emit('error', Object.assign(new Error(clipText(s.details)), { code: s.code, details: clipText(s.details) }));
}

/** The parsed JSON, or why it is not JSON. */
function parseJson(text: string, what: string): { value: unknown } | { problem: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    return { problem: `${what} is not valid JSON: ${(err as Error).message}` };
  }
}

/**
 * Builds the Control service implementation. `operatorOf` names the authenticated operator of a
 * call (coordinator/operator-auth.ts), for the record of who cancelled a job.
 */
export function controlHandlers(jobs: JobManager, grid: FleetGrid, operatorOf: (call: object) => string | undefined = () => undefined): ControlHandlers {
  // Every status is checked against the roster's keys when the coordinator has one.
  const wire = (rec: JobRecord) => statusToWire(rec, jobs.memberKeys);
  const find = (jobId: unknown): JobRecord | grpc.StatusObject => {
    const ref = JobRefSchema.safeParse({ jobId });
    if (!ref.success) return status(grpc.status.INVALID_ARGUMENT, formatZodError(ref.error));
    let rec: JobRecord | undefined;
    try {
      rec = jobs.get(ref.data.jobId);
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      return status(grpc.status.DATA_LOSS, `job ${ref.data.jobId} is stored but cannot be read: ${err.message}`);
    }
    return rec ?? status(grpc.status.NOT_FOUND, `no job with id ${JSON.stringify(ref.data.jobId)}`);
  };
  return {
    SubmitJob(call, cb) {
      const req = SubmitJobRequestSchema.safeParse(call.request);
      if (!req.success) return cb(status(grpc.status.INVALID_ARGUMENT, `SubmitJob: ${formatZodError(req.error)}`));
      const jobJson = parseJson(req.data.jobJson, 'job_json');
      if ('problem' in jobJson) return cb(status(grpc.status.INVALID_ARGUMENT, `SubmitJob: ${jobJson.problem}`));
      if (isVerticalJob(jobJson.value)) {
        const r = submitVertical(jobs, jobJson.value);
        return 'jobId' in r ? cb(null, r) : cb(status(r.code, r.details));
      }
      const job = JobSpecSchema.safeParse(jobJson.value);
      if (!job.success) return cb(status(grpc.status.INVALID_ARGUMENT, `job: ${formatZodError(job.error)}`));
      const schemaJson = parseJson(req.data.schemaJson, 'schema_json');
      if ('problem' in schemaJson) return cb(status(grpc.status.INVALID_ARGUMENT, `SubmitJob: ${schemaJson.problem}`));
      const schema = DataSchemaSchema.safeParse(schemaJson.value);
      if (!schema.success) return cb(status(grpc.status.INVALID_ARGUMENT, `schema: ${formatZodError(schema.error)}`));
      const tooBig = jobSizeProblem(job.data, schema.data);
      if (tooBig) return cb(status(grpc.status.INVALID_ARGUMENT, `job: ${tooBig}`));
      const unbounded = recordPrivacyProblem(job.data, schema.data);
      if (unbounded) return cb(status(grpc.status.INVALID_ARGUMENT, `job: ${unbounded}`));
      let jobId: string;
      try {
        jobId = jobs.submit(job.data, schema.data);
      } catch (err) {
        if (err instanceof SubmitRefusedError) {
          const code = { 'queue-full': grpc.status.RESOURCE_EXHAUSTED, stopping: grpc.status.UNAVAILABLE, invalid: grpc.status.INVALID_ARGUMENT }[err.why];
          return cb(status(code, `${err.why === 'invalid' ? 'job' : 'SubmitJob'}: ${err.message}`));
        }
        // The input was valid; the coordinator could not store the job (audit log, disk).
        return cb(status(grpc.status.INTERNAL, `SubmitJob: the job could not be stored: ${(err as Error).message}`));
      }
      cb(null, { jobId });
    },

    GetJobStatus(call, cb) {
      const v = jobs.vertical.get(call.request.jobId ?? '');
      if (v) return cb(null, verticalStatusToWire(v));
      const rec = find(call.request.jobId);
      if ('code' in rec) return cb(rec);
      cb(null, wire(rec));
    },

    WatchJob(call) {
      const v = jobs.vertical.get(call.request.jobId ?? '');
      if (v) return watchVertical(call, jobs, v);
      const rec = find(call.request.jobId);
      if ('code' in rec) return failStream(call, rec);
      call.write({ status: wire(rec), message: `job ${rec.id}: ${rec.stage}` });
      // Warnings about the job (given at submission or at its first secure stage), also to a watcher
      // that attaches after they were published — a job that fails fast may end before `run` attaches.
      for (const w of rec.warnings ?? []) call.write({ status: wire(rec), message: `warning: ${w}` });
      if (isFinished(rec.state)) return call.end();
      const stop = jobs.watch(rec.id, (u) => {
        // A progress event's status leaves the histogram out (its round event carries it); the final one has it.
        call.write({ status: statusToWire(u.record, jobs.memberKeys, isFinished(u.record.state)), round: u.round ? roundToWire(u.round, u.record.id, jobs.memberKeys) : undefined, message: u.message });
        if (u.paused) {
          // The coordinator is stopping: UNAVAILABLE, so the client re-attaches once it is back.
          stop();
          failStream(call, { code: grpc.status.UNAVAILABLE, details: `the coordinator is stopping: ${u.message}` });
        } else if (isFinished(u.record.state)) {
          stop();
          call.end();
        }
      });
      call.on('cancelled', stop);
      call.on('close', stop);
    },

    FetchModel(call) {
      const v = jobs.vertical.get(call.request.jobId ?? '');
      if (v) return failStream(call, noVerticalModel(v));
      const rec = find(call.request.jobId);
      if ('code' in rec) return failStream(call, rec);
      if (!rec.weights) return failStream(call, { code: grpc.status.FAILED_PRECONDITION, details: `job ${rec.id} has no model yet (state ${rec.state})` });
      const w = rec.weights;
      const bytes = Buffer.from(w.buffer, w.byteOffset, w.byteLength);
      const dim = inputDim(rec.schema);
      const meta = {
        jobId: rec.id, job: rec.job, schema: rec.schema, preprocessing: rec.preprocessing, inputDim: dim,
        ...(hasWeightLayout(rec.job.model) ? { layout: modelLayout(rec.job.model, dim) } : { format: BOOSTED_FORMAT, treeFeatures: treeFeatureNames(rec.schema) }), state: rec.state, roundsCompleted: rec.rounds.length - 1, aggregation: rec.aggregation,
        guarantee: jobs.guarantee(rec), secureAggregation: secureFacts(rec.job, rec.rounds),
      };
      for (let off = 0; off < bytes.length || off === 0; off += MODEL_CHUNK_BYTES) {
        call.write({ metaJson: off === 0 ? JSON.stringify(meta) : '', data: bytes.subarray(off, off + MODEL_CHUNK_BYTES), offset: off, totalBytes: bytes.length });
        if (bytes.length === 0) break;
      }
      call.end();
    },

    CancelJob(call, cb) {
      const ref = JobRefSchema.safeParse({ jobId: call.request.jobId });
      if (!ref.success) return cb(status(grpc.status.INVALID_ARGUMENT, `CancelJob: ${formatZodError(ref.error)}`));
      const id = ref.data.jobId;
      const operator = operatorOf(call);
      const by = operator !== undefined ? `operator ${operator}` : `client ${call.getPeer()} (no roster: the Control API is open)`;
      if (jobs.vertical.get(id)) {
        jobs.cancelVertical(id, by).then(
          (r) => (r!.state === 'CANCELLED' ? cb(null, verticalStatusToWire(r!)) : cb(status(grpc.status.FAILED_PRECONDITION, `CancelJob: job ${id} has already ended: ${r!.state}${r!.error ? ` (${r!.error})` : ''}`))),
          (err: Error) => cb(status(grpc.status.INTERNAL, `CancelJob: ${err.message}`)),
        );
        return;
      }
      jobs.cancel(id, by).then(
        (r) => {
          if (!r) return cb(status(grpc.status.NOT_FOUND, `CancelJob: no job with id ${JSON.stringify(id)}`));
          if (r.outcome === 'stopping') {
            return cb(status(grpc.status.UNAVAILABLE, `CancelJob: the coordinator is stopping; job ${id} resumes when it restarts, cancel it then`));
          }
          if (r.record.state !== 'CANCELLED') {
            return cb(status(grpc.status.FAILED_PRECONDITION, `CancelJob: job ${id} has already ended: ${r.record.state}${r.record.error ? ` (${r.record.error})` : ''}`));
          }
          cb(null, wire(r.record));
        },
        (err: Error) =>
          cb(err instanceof StoreError ? status(grpc.status.DATA_LOSS, `CancelJob: job ${id} is stored but cannot be read: ${err.message}`) : status(grpc.status.INTERNAL, `CancelJob: ${err.message}`)),
      );
    },

    ListJobs(call, cb) {
      const state = call.request.state ?? '';
      if (state !== '' && !isJobState(state)) return cb(status(grpc.status.INVALID_ARGUMENT, `ListJobs: state must be one of ${JOB_STATES.join(', ')} or empty, got ${JSON.stringify(state)}`));
      const listed = listJobs(jobs.stateDir, jobs.inMemory(), jobs.vertical, { limit: call.request.limit ?? 0, ...(state ? { state } : {}) });
      cb(null, {
        total: listed.total,
        jobs: listed.jobs.map((j) => ({
          jobId: j.jobId, name: j.name, state: j.state, stage: j.stage, error: j.error, roundsCompleted: j.roundsCompleted, roundsTotal: j.roundsTotal,
          model: j.model, aggregation: j.aggregation, createdUnixMs: j.createdAt, finishedUnixMs: j.finishedAt,
          ...(j.metrics ? { metrics: j.metrics } : {}), metricsRound: j.metricsRound, participants: j.participants, privacy: j.privacy,
        })),
      });
    },

    ListParticipants(_call, cb) {
      cb(null, {
        participants: grid.list().map((e) => ({
          participantId: e.id, name: e.name, role: e.role, connected: e.connected, lastSeenUnixMs: e.lastSeen, schemaDigest: e.schemaDigest,
        })),
      });
    },
  };
}
