/**
 * Client side of the Control service, used by `fedcredit run`, `status`, `cancel` and `simulate`:
 * submit a job, follow its event stream, fetch the model in chunks, cancel a job.
 */
import * as grpc from '@grpc/grpc-js';
import type { DataSchema } from '../core/data/schema.ts';
import type { JobSpec } from '../core/job.ts';
import { channelOptions, loadProto } from '../proto/load.ts';
import { unaryCall } from '../proto/call.ts';
import type { ControlClient } from '../proto/generated/fedcredit/v1/Control.ts';
import type { JobEvent__Output } from '../proto/generated/fedcredit/v1/JobEvent.ts';
import type { JobStatus__Output } from '../proto/generated/fedcredit/v1/JobStatus.ts';
import type { SubmitJobReply__Output } from '../proto/generated/fedcredit/v1/SubmitJobReply.ts';
import type { ListParticipantsReply__Output } from '../proto/generated/fedcredit/v1/ListParticipantsReply.ts';

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

/** A connection to a coordinator's Control API. */
export class Control {
  private readonly client: ControlClient;

  constructor(address: string, opts: ControlOptions = {}) {
    const C = loadProto().fedcredit.v1.Control;
    this.client = new C(address, opts.credentials ?? grpc.credentials.createInsecure(), {
      ...channelOptions(opts.maxMessageBytes),
      ...opts.channel,
      ...(opts.token ? { interceptors: [bearer(opts.token)] } : {}),
    });
  }

  /** Submits a job; resolves with its id. */
  async submit(job: JobSpec, schema: DataSchema, timeoutMs = 15_000): Promise<string> {
    const req = { jobJson: JSON.stringify(job), schemaJson: JSON.stringify(schema) };
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
   * Follows a job until it finishes; calls `onEvent` per event; resolves with the final status.
   * When the coordinator becomes unreachable (e.g. it restarts and resumes the job), it re-attaches
   * with capped backoff for up to `reattachMs`, calling `onReattach` with the reason each time the
   * stream is lost; any other error rejects.
   */
  async watch(
    jobId: string,
    onEvent: (e: JobEvent__Output) => void,
    opts: { reattachMs?: number; onReattach?: (reason: string) => void } = {},
  ): Promise<JobStatus__Output> {
    const reattachMs = opts.reattachMs ?? 120_000;
    let lostAt: number | undefined;
    let backoff = 250;
    for (;;) {
      try {
        return await this.watchOnce(jobId, (e) => {
          lostAt = undefined;
          backoff = 250;
          onEvent(e);
        });
      } catch (err) {
        const e = err as { code?: number; details?: string; message?: string };
        if (e.code !== grpc.status.UNAVAILABLE) throw err;
        lostAt ??= Date.now();
        if (Date.now() - lostAt > reattachMs) throw err;
        opts.onReattach?.(e.details || e.message || 'unavailable');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(2 * backoff, 2000);
      }
    }
  }

  private watchOnce(jobId: string, onEvent: (e: JobEvent__Output) => void): Promise<JobStatus__Output> {
    return new Promise((resolve, reject) => {
      let last: JobStatus__Output | undefined;
      const stream = this.client.watchJob({ jobId });
      stream.on('data', (e: JobEvent__Output) => {
        if (e.status) last = e.status;
        onEvent(e);
      });
      stream.on('error', reject);
      stream.on('end', () => (last ? resolve(last) : reject(new Error('the job stream ended without a status'))));
    });
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

  /** Closes the channel. */
  close(): void {
    this.client.close();
  }
}
