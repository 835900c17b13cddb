/**
 * The Control API for vertical jobs: submission of a job file with `"partition": "vertical"`,
 * status, watching, cancelling, and the answer to a model download (a vertical model has no
 * single copy: each party keeps its part). The horizontal handlers (control-service.ts) hand a
 * call here when the job is vertical.
 */
import * as grpc from '@grpc/grpc-js';
import { VerticalJobSpecSchema } from '../core/vertical/spec.ts';
import type { JobEvent } from '../proto/generated/fedcredit/v1/JobEvent.ts';
import { clipText } from '../proto/limits.ts';
import { formatZodError } from '../proto/validate.ts';
import { SubmitRefusedError } from './job-queue.ts';
import type { JobManager } from './jobs.ts';
import { isFinished } from './store.ts';
import type { VerticalJobRecord } from './vertical-jobs.ts';
import { verticalStatusToWire } from './vertical-status.ts';

type Status = { code: grpc.status; details: string };

/** Queues a vertical job from its parsed JSON: its id, or the status to fail with. */
export function submitVertical(jobs: JobManager, raw: unknown): { jobId: string } | Status {
  const job = VerticalJobSpecSchema.safeParse(raw);
  if (!job.success) return { code: grpc.status.INVALID_ARGUMENT, details: `job: ${formatZodError(job.error)}` };
  try {
    return { jobId: jobs.submitVertical(job.data) };
  } catch (err) {
    if (err instanceof SubmitRefusedError) {
      const code = { 'queue-full': grpc.status.RESOURCE_EXHAUSTED, stopping: grpc.status.UNAVAILABLE, invalid: grpc.status.INVALID_ARGUMENT }[err.why];
      return { code, details: `SubmitJob: ${err.message}` };
    }
    return { code: grpc.status.INTERNAL, details: `SubmitJob: the job could not be stored: ${(err as Error).message}` };
  }
}

/** Streams a vertical job's updates until it ends. */
export function watchVertical(call: grpc.ServerWritableStream<unknown, JobEvent>, jobs: JobManager, rec: VerticalJobRecord): void {
  call.write({ status: verticalStatusToWire(rec), message: `job ${rec.id}: ${rec.stage}` });
  if (isFinished(rec.state)) {
    call.end();
    return;
  }
  const stop = jobs.vertical.watch(rec.id, (u) => {
    call.write({ status: verticalStatusToWire(u.record), message: u.message });
    if (isFinished(u.record.state)) {
      stop();
      call.end();
    }
  });
  call.on('cancelled', stop);
  call.on('close', stop);
}

/** Why a vertical job's model cannot be downloaded from the coordinator. */
export function noVerticalModel(rec: VerticalJobRecord): Status {
  return {
    code: grpc.status.FAILED_PRECONDITION,
    details: clipText(
      `job ${rec.id} is a vertical job: there is no single model to download — each party keeps the part for its own columns, ` +
        'and the coordinator never holds weights; its held-out metrics and intersection counts are in the job status',
    ),
  };
}
