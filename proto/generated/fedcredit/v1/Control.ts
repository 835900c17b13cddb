// Original file: proto/fedcredit/v1/fedcredit.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { JobEvent as _fedcredit_v1_JobEvent, JobEvent__Output as _fedcredit_v1_JobEvent__Output } from '../../fedcredit/v1/JobEvent.ts';
import type { JobRef as _fedcredit_v1_JobRef, JobRef__Output as _fedcredit_v1_JobRef__Output } from '../../fedcredit/v1/JobRef.ts';
import type { JobStatus as _fedcredit_v1_JobStatus, JobStatus__Output as _fedcredit_v1_JobStatus__Output } from '../../fedcredit/v1/JobStatus.ts';
import type { ListJobsReply as _fedcredit_v1_ListJobsReply, ListJobsReply__Output as _fedcredit_v1_ListJobsReply__Output } from '../../fedcredit/v1/ListJobsReply.ts';
import type { ListJobsRequest as _fedcredit_v1_ListJobsRequest, ListJobsRequest__Output as _fedcredit_v1_ListJobsRequest__Output } from '../../fedcredit/v1/ListJobsRequest.ts';
import type { ListParticipantsReply as _fedcredit_v1_ListParticipantsReply, ListParticipantsReply__Output as _fedcredit_v1_ListParticipantsReply__Output } from '../../fedcredit/v1/ListParticipantsReply.ts';
import type { ListParticipantsRequest as _fedcredit_v1_ListParticipantsRequest, ListParticipantsRequest__Output as _fedcredit_v1_ListParticipantsRequest__Output } from '../../fedcredit/v1/ListParticipantsRequest.ts';
import type { ModelChunk as _fedcredit_v1_ModelChunk, ModelChunk__Output as _fedcredit_v1_ModelChunk__Output } from '../../fedcredit/v1/ModelChunk.ts';
import type { SubmitJobReply as _fedcredit_v1_SubmitJobReply, SubmitJobReply__Output as _fedcredit_v1_SubmitJobReply__Output } from '../../fedcredit/v1/SubmitJobReply.ts';
import type { SubmitJobRequest as _fedcredit_v1_SubmitJobRequest, SubmitJobRequest__Output as _fedcredit_v1_SubmitJobRequest__Output } from '../../fedcredit/v1/SubmitJobRequest.ts';

export interface ControlClient extends grpc.Client {
  CancelJob(argument: _fedcredit_v1_JobRef, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _fedcredit_v1_JobRef, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedcredit_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _fedcredit_v1_JobRef, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _fedcredit_v1_JobRef, callback: grpc.requestCallback<_fedcredit_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _fedcredit_v1_JobRef, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _fedcredit_v1_JobRef, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedcredit_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _fedcredit_v1_JobRef, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _fedcredit_v1_JobRef, callback: grpc.requestCallback<_fedcredit_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  
  FetchModel(argument: _fedcredit_v1_JobRef, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_fedcredit_v1_ModelChunk__Output>;
  FetchModel(argument: _fedcredit_v1_JobRef, options?: grpc.CallOptions): grpc.ClientReadableStream<_fedcredit_v1_ModelChunk__Output>;
  fetchModel(argument: _fedcredit_v1_JobRef, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_fedcredit_v1_ModelChunk__Output>;
  fetchModel(argument: _fedcredit_v1_JobRef, options?: grpc.CallOptions): grpc.ClientReadableStream<_fedcredit_v1_ModelChunk__Output>;
  
  GetJobStatus(argument: _fedcredit_v1_JobRef, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  GetJobStatus(argument: _fedcredit_v1_JobRef, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedcredit_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  GetJobStatus(argument: _fedcredit_v1_JobRef, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  GetJobStatus(argument: _fedcredit_v1_JobRef, callback: grpc.requestCallback<_fedcredit_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  getJobStatus(argument: _fedcredit_v1_JobRef, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  getJobStatus(argument: _fedcredit_v1_JobRef, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedcredit_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  getJobStatus(argument: _fedcredit_v1_JobRef, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  getJobStatus(argument: _fedcredit_v1_JobRef, callback: grpc.requestCallback<_fedcredit_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  
  ListJobs(argument: _fedcredit_v1_ListJobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  ListJobs(argument: _fedcredit_v1_ListJobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedcredit_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  ListJobs(argument: _fedcredit_v1_ListJobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  ListJobs(argument: _fedcredit_v1_ListJobsRequest, callback: grpc.requestCallback<_fedcredit_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _fedcredit_v1_ListJobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _fedcredit_v1_ListJobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedcredit_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _fedcredit_v1_ListJobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _fedcredit_v1_ListJobsRequest, callback: grpc.requestCallback<_fedcredit_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  
  ListParticipants(argument: _fedcredit_v1_ListParticipantsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_ListParticipantsReply__Output>): grpc.ClientUnaryCall;
  ListParticipants(argument: _fedcredit_v1_ListParticipantsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedcredit_v1_ListParticipantsReply__Output>): grpc.ClientUnaryCall;
  ListParticipants(argument: _fedcredit_v1_ListParticipantsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_ListParticipantsReply__Output>): grpc.ClientUnaryCall;
  ListParticipants(argument: _fedcredit_v1_ListParticipantsRequest, callback: grpc.requestCallback<_fedcredit_v1_ListParticipantsReply__Output>): grpc.ClientUnaryCall;
  listParticipants(argument: _fedcredit_v1_ListParticipantsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_ListParticipantsReply__Output>): grpc.ClientUnaryCall;
  listParticipants(argument: _fedcredit_v1_ListParticipantsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedcredit_v1_ListParticipantsReply__Output>): grpc.ClientUnaryCall;
  listParticipants(argument: _fedcredit_v1_ListParticipantsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_ListParticipantsReply__Output>): grpc.ClientUnaryCall;
  listParticipants(argument: _fedcredit_v1_ListParticipantsRequest, callback: grpc.requestCallback<_fedcredit_v1_ListParticipantsReply__Output>): grpc.ClientUnaryCall;
  
  SubmitJob(argument: _fedcredit_v1_SubmitJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_SubmitJobReply__Output>): grpc.ClientUnaryCall;
  SubmitJob(argument: _fedcredit_v1_SubmitJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedcredit_v1_SubmitJobReply__Output>): grpc.ClientUnaryCall;
  SubmitJob(argument: _fedcredit_v1_SubmitJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_SubmitJobReply__Output>): grpc.ClientUnaryCall;
  SubmitJob(argument: _fedcredit_v1_SubmitJobRequest, callback: grpc.requestCallback<_fedcredit_v1_SubmitJobReply__Output>): grpc.ClientUnaryCall;
  submitJob(argument: _fedcredit_v1_SubmitJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_SubmitJobReply__Output>): grpc.ClientUnaryCall;
  submitJob(argument: _fedcredit_v1_SubmitJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedcredit_v1_SubmitJobReply__Output>): grpc.ClientUnaryCall;
  submitJob(argument: _fedcredit_v1_SubmitJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_SubmitJobReply__Output>): grpc.ClientUnaryCall;
  submitJob(argument: _fedcredit_v1_SubmitJobRequest, callback: grpc.requestCallback<_fedcredit_v1_SubmitJobReply__Output>): grpc.ClientUnaryCall;
  
  WatchJob(argument: _fedcredit_v1_JobRef, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_fedcredit_v1_JobEvent__Output>;
  WatchJob(argument: _fedcredit_v1_JobRef, options?: grpc.CallOptions): grpc.ClientReadableStream<_fedcredit_v1_JobEvent__Output>;
  watchJob(argument: _fedcredit_v1_JobRef, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_fedcredit_v1_JobEvent__Output>;
  watchJob(argument: _fedcredit_v1_JobRef, options?: grpc.CallOptions): grpc.ClientReadableStream<_fedcredit_v1_JobEvent__Output>;
  
}

export interface ControlHandlers extends grpc.UntypedServiceImplementation {
  CancelJob: grpc.handleUnaryCall<_fedcredit_v1_JobRef__Output, _fedcredit_v1_JobStatus>;
  
  FetchModel: grpc.handleServerStreamingCall<_fedcredit_v1_JobRef__Output, _fedcredit_v1_ModelChunk>;
  
  GetJobStatus: grpc.handleUnaryCall<_fedcredit_v1_JobRef__Output, _fedcredit_v1_JobStatus>;
  
  ListJobs: grpc.handleUnaryCall<_fedcredit_v1_ListJobsRequest__Output, _fedcredit_v1_ListJobsReply>;
  
  ListParticipants: grpc.handleUnaryCall<_fedcredit_v1_ListParticipantsRequest__Output, _fedcredit_v1_ListParticipantsReply>;
  
  SubmitJob: grpc.handleUnaryCall<_fedcredit_v1_SubmitJobRequest__Output, _fedcredit_v1_SubmitJobReply>;
  
  WatchJob: grpc.handleServerStreamingCall<_fedcredit_v1_JobRef__Output, _fedcredit_v1_JobEvent>;
  
}

export interface ControlDefinition extends grpc.ServiceDefinition {
  CancelJob: MethodDefinition<_fedcredit_v1_JobRef, _fedcredit_v1_JobStatus, _fedcredit_v1_JobRef__Output, _fedcredit_v1_JobStatus__Output>
  FetchModel: MethodDefinition<_fedcredit_v1_JobRef, _fedcredit_v1_ModelChunk, _fedcredit_v1_JobRef__Output, _fedcredit_v1_ModelChunk__Output>
  GetJobStatus: MethodDefinition<_fedcredit_v1_JobRef, _fedcredit_v1_JobStatus, _fedcredit_v1_JobRef__Output, _fedcredit_v1_JobStatus__Output>
  ListJobs: MethodDefinition<_fedcredit_v1_ListJobsRequest, _fedcredit_v1_ListJobsReply, _fedcredit_v1_ListJobsRequest__Output, _fedcredit_v1_ListJobsReply__Output>
  ListParticipants: MethodDefinition<_fedcredit_v1_ListParticipantsRequest, _fedcredit_v1_ListParticipantsReply, _fedcredit_v1_ListParticipantsRequest__Output, _fedcredit_v1_ListParticipantsReply__Output>
  SubmitJob: MethodDefinition<_fedcredit_v1_SubmitJobRequest, _fedcredit_v1_SubmitJobReply, _fedcredit_v1_SubmitJobRequest__Output, _fedcredit_v1_SubmitJobReply__Output>
  WatchJob: MethodDefinition<_fedcredit_v1_JobRef, _fedcredit_v1_JobEvent, _fedcredit_v1_JobRef__Output, _fedcredit_v1_JobEvent__Output>
}
