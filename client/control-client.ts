/**
 * The typed client of a coordinator's Control API, what a data scientist's code (and `fedcredit
 * run`, `status`, `cancel`, `simulate`) uses: submit a job, watch its events as an async iterator
 * or follow them with a callback, read its status, fetch the model in chunks, cancel it.
 */
import * as grpc from '@grpc/grpc-js';
import { channelOptions, loadProto } from '../proto/load.ts';
import { tlsChannelOptions } from '../trust/tls.ts';
import { unaryCall } from '../proto/call.ts';
import { formatZodError } from '../proto/validate.ts';
import type { ControlClient as GrpcControlClient } from '../proto/generated/fedcredit/v1/Control.ts';
import { DataSchemaSchema } from '../core/data/schema.ts';
import { VerticalJobSpecSchema } from '../core/vertical/spec.ts';
import { JobSpecSchema } from '../core/job.ts';
import type { z } from 'zod';
import type { JobEvent__Output } from '../proto/generated/fedcredit/v1/JobEvent.ts';
import type { JobStatus__Output } from '../proto/generated/fedcredit/v1/JobStatus.ts';
import type { SubmitJobReply__Output } from '../proto/generated/fedcredit/v1/SubmitJobReply.ts';
import type { ListParticipantsReply__Output } from '../proto/generated/fedcredit/v1/ListParticipantsReply.ts';
import type { ListJobsReply__Output } from '../proto/generated/fedcredit/v1/ListJobsReply.ts';
import type { JobSummary__Output } from '../proto/generated/fedcredit/v1/JobSummary.ts';

/** The model as fetched from the coordinator. */
export interface FetchedModel {
  meta: Record<string, unknown>;
  weights: Float32Array;
}

/** How to reach the Control API. */
export interface ControlOptions {
  maxMessageBytes?: number;
  /** Transport credentials (mutual TLS with an operator certificate, trust/tls.ts); default plaintext. */
  credentials?: grpc.ChannelCredentials;
  /** The operator's token, sent as `authorization: Bearer …` on every call (coordinators with a roster require one). */
  token?: string;
  /** More gRPC channel options, e.g. `grpc.use_local_subchannel_pool` for a connection of its own. */
  channel?: grpc.ChannelOptions;
}

/** A client interceptor that adds the operator token to every call's metadata. */
function bearer(token: string): grpc.Interceptor {
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set('authorization', `Bearer ${token}`);
        next(metadata, listener);
      },
    });
}

/** A job as written in a job file (defaults not yet filled in). */
export type JobInput = z.input<typeof JobSpecSchema>;
/** A data schema as written in a schema file. */
export type SchemaInput = z.input<typeof DataSchemaSchema>;
/** A vertical job as written in a job file (defaults filled in by the schema). */
export type VerticalJobInput = z.input<typeof VerticalJobSpecSchema>;
/** A job's event: its status after the change, and a message (generated from the .proto). */
export type JobEvent = JobEvent__Output;
/** One job of a listing (generated from the .proto). */
export type JobSummary = JobSummary__Output;
/** A job's status (generated from the .proto). */
export type JobStatus = JobStatus__Output;

/** Thrown by {@link ControlClient.submit} when the job or schema is invalid before anything is sent. */
export class InvalidJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidJobError';
  }
}

/** How {@link ControlClient.watch} copes with a coordinator that goes away (e.g. restarts and resumes the job). */
export interface WatchOptions {
  /** How long to keep re-attaching after the stream is lost (default 120 s); then the error is thrown. */
  reattachMs?: number;
  /** Called with the reason each time the stream is lost and re-attached. */
  onReattach?: (reason: string) => void;
}

/** A connection to a coordinator's Control API. */
export class ControlClient {
  private readonly client: GrpcControlClient;

  constructor(address: string, opts: ControlOptions = {}) {
    const C = loadProto().fedcredit.v1.Control;
    this.client = new C(address, opts.credentials ?? grpc.credentials.createInsecure(), {
      ...channelOptions(opts.maxMessageBytes),
      ...tlsChannelOptions(address),
      ...opts.channel,
      ...(opts.token ? { interceptors: [bearer(opts.token)] } : {}),
    });
  }

  /**
   * Submits a job; resolves with its id. The job and schema are checked here first (an
   * {@link InvalidJobError} names the field), then again by the coordinator.
   */
  async submit(job: JobInput, schema: SchemaInput, timeoutMs = 15_000): Promise<string> {
    const j = JobSpecSchema.safeParse(job);
    if (!j.success) throw new InvalidJobError(`job: ${formatZodError(j.error)}`);
    const d = DataSchemaSchema.safeParse(schema);
    if (!d.success) throw new InvalidJobError(`schema: ${formatZodError(d.error)}`);
    const req = { jobJson: JSON.stringify(j.data), schemaJson: JSON.stringify(d.data) };
    const r = await unaryCall<SubmitJobReply__Output>((m, o, cb) => this.client.submitJob(req, m, o, cb), timeoutMs);
    return r.jobId;
  }

  /**
   * Submits a vertical job (`partition: "vertical"`; core/vertical/spec.ts); resolves with its id.
   * A vertical job has no schema: each party reads its own columns. The job is checked here first.
   */
  async submitVertical(job: VerticalJobInput, timeoutMs = 15_000): Promise<string> {
    const j = VerticalJobSpecSchema.safeParse(job);
    if (!j.success) throw new InvalidJobError(`job: ${formatZodError(j.error)}`);
    const req = { jobJson: JSON.stringify(j.data), schemaJson: '{}' };
    const r = await unaryCall<SubmitJobReply__Output>((m, o, cb) => this.client.submitJob(req, m, o, cb), timeoutMs);
    return r.jobId;
  }

  /** Current status of a job. */
  status(jobId: string, timeoutMs = 15_000): Promise<JobStatus__Output> {
    return unaryCall<JobStatus__Output>((m, o, cb) => this.client.getJobStatus({ jobId }, m, o, cb), timeoutMs);
  }

  /**
   * Cancels a job (queued: it never runs; running: it is interrupted at once); resolves with its
   * final status, state CANCELLED. Rejects with FAILED_PRECONDITION when the job already ended otherwise.
   */
  cancel(jobId: string, timeoutMs = 15_000): Promise<JobStatus__Output> {
    return unaryCall<JobStatus__Output>((m, o, cb) => this.client.cancelJob({ jobId }, m, o, cb), timeoutMs);
  }

  /**
   * The job's events until it finishes, as an async iterator (the last event carries the final
   * status). When the coordinator becomes unreachable it re-attaches with capped backoff for up
   * to `reattachMs` (the stream restarts with the current status); any other error is thrown.
   *
   *     for await (const e of client.watch(id)) console.log(e.message, e.status?.state);
   */
  async *watch(jobId: string, opts: WatchOptions = {}): AsyncGenerator<JobEvent, void, undefined> {
    const reattachMs = opts.reattachMs ?? 120_000;
    let lostAt: number | undefined;
    let backoff = 250;
    for (;;) {
      const stream = this.client.watchJob({ jobId });
      try {
        for await (const e of stream as AsyncIterable<JobEvent>) {
          lostAt = undefined;
          backoff = 250;
          yield e;
        }
        return;
      } catch (err) {
        const e = err as { code?: number; details?: string; message?: string };
        if (e.code !== grpc.status.UNAVAILABLE) throw err;
        lostAt ??= Date.now();
        if (Date.now() - lostAt > reattachMs) throw err;
        opts.onReattach?.(e.details || e.message || 'unavailable');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(2 * backoff, 2000);
      } finally {
        stream.cancel();
      }
    }
  }

  /** Follows a job until it finishes, calling `onEvent` per event; resolves with the final status. */
  async follow(jobId: string, onEvent: (e: JobEvent) => void, opts: WatchOptions = {}): Promise<JobStatus> {
    let last: JobStatus | undefined;
    for await (const e of this.watch(jobId, opts)) {
      if (e.status) last = e.status;
      onEvent(e);
    }
    if (!last) throw new Error('the job stream ended without a status');
    return last;
  }

  /** Downloads the job's final model (chunked stream). */
  fetchModel(jobId: string): Promise<FetchedModel> {
    return new Promise((resolve, reject) => {
      let meta: Record<string, unknown> | undefined;
      let buf: Buffer | undefined;
      const stream = this.client.fetchModel({ jobId });
      stream.on('data', (c: { metaJson: string; data: Buffer; offset: number; totalBytes: number }) => {
        if (c.metaJson) meta = JSON.parse(c.metaJson) as Record<string, unknown>;
        if (!buf) buf = Buffer.alloc(c.totalBytes);
        if (c.offset + c.data.length > buf.length) return stream.destroy(new Error('model chunk beyond the announced size'));
        c.data.copy(buf, c.offset);
      });
      stream.on('error', reject);
      stream.on('end', () => {
        if (!meta || !buf) return reject(new Error('the model stream ended without data'));
        resolve({ meta, weights: new Float32Array(new Uint8Array(buf).slice().buffer) });
      });
    });
  }

  /** Participants known to the coordinator. */
  async participants(timeoutMs = 15_000) {
    return (await unaryCall<ListParticipantsReply__Output>((m, o, cb) => this.client.listParticipants({}, m, o, cb), timeoutMs)).participants;
  }

  /**
   * The coordinator's jobs, newest first — queued, running and every stored one, also after the
   * coordinator restarted. `limit` caps the list (default 50); `total` counts all that match.
   */
  async jobs(q: { limit?: number; state?: string } = {}, timeoutMs = 15_000): Promise<{ jobs: JobSummary[]; total: number }> {
    const r = await unaryCall<ListJobsReply__Output>((m, o, cb) => this.client.listJobs({ limit: q.limit ?? 0, state: q.state ?? '' }, m, o, cb), timeoutMs);
    return { jobs: r.jobs, total: r.total };
  }

  /** Closes the channel. */
  close(): void {
    this.client.close();
  }
}
