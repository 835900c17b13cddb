/**
 * A job's status exactly as a Control API client reads it: the wire form (control-service.ts
 * statusToWire) encoded and decoded with the GetJobStatus response codec, so every field has its
 * protobuf default, as after a real call. For in-process consumers that hold the job manager
 * (the in-process simulator, the dashboard) and want the same view a remote client gets.
 */
import { loadProto } from '../proto/load.ts';
import type { JobStatus__Output } from '../proto/generated/fedcredit/v1/JobStatus.ts';
import { statusToWire } from './control-service.ts';
import type { JobRecord } from './jobs.ts';

/** `rec`'s status as GetJobStatus would return it; `memberKeys`: the roster's, to check receipts against. */
export function clientStatus(rec: JobRecord, memberKeys?: ReadonlyMap<string, Uint8Array>): JobStatus__Output {
  const method = loadProto().fedcredit.v1.Control.service.GetJobStatus;
  return method.responseDeserialize(method.responseSerialize(statusToWire(rec, memberKeys))) as JobStatus__Output;
}
