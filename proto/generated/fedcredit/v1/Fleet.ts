// Original file: proto/fedcredit/v1/fedcredit.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { HeartbeatReply as _fedcredit_v1_HeartbeatReply, HeartbeatReply__Output as _fedcredit_v1_HeartbeatReply__Output } from '../../fedcredit/v1/HeartbeatReply.ts';
import type { HeartbeatRequest as _fedcredit_v1_HeartbeatRequest, HeartbeatRequest__Output as _fedcredit_v1_HeartbeatRequest__Output } from '../../fedcredit/v1/HeartbeatRequest.ts';
import type { HelloReply as _fedcredit_v1_HelloReply, HelloReply__Output as _fedcredit_v1_HelloReply__Output } from '../../fedcredit/v1/HelloReply.ts';
import type { HelloRequest as _fedcredit_v1_HelloRequest, HelloRequest__Output as _fedcredit_v1_HelloRequest__Output } from '../../fedcredit/v1/HelloRequest.ts';
import type { PullTaskReply as _fedcredit_v1_PullTaskReply, PullTaskReply__Output as _fedcredit_v1_PullTaskReply__Output } from '../../fedcredit/v1/PullTaskReply.ts';
import type { PullTaskRequest as _fedcredit_v1_PullTaskRequest, PullTaskRequest__Output as _fedcredit_v1_PullTaskRequest__Output } from '../../fedcredit/v1/PullTaskRequest.ts';
import type { PushResultReply as _fedcredit_v1_PushResultReply, PushResultReply__Output as _fedcredit_v1_PushResultReply__Output } from '../../fedcredit/v1/PushResultReply.ts';
import type { PushResultRequest as _fedcredit_v1_PushResultRequest, PushResultRequest__Output as _fedcredit_v1_PushResultRequest__Output } from '../../fedcredit/v1/PushResultRequest.ts';
import type { ScoreReply as _fedcredit_v1_ScoreReply, ScoreReply__Output as _fedcredit_v1_ScoreReply__Output } from '../../fedcredit/v1/ScoreReply.ts';
import type { ScoreRequest as _fedcredit_v1_ScoreRequest, ScoreRequest__Output as _fedcredit_v1_ScoreRequest__Output } from '../../fedcredit/v1/ScoreRequest.ts';

export interface FleetClient extends grpc.Client {
  Heartbeat(argument: _fedcredit_v1_HeartbeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_HeartbeatReply__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _fedcredit_v1_HeartbeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedcredit_v1_HeartbeatReply__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _fedcredit_v1_HeartbeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_HeartbeatReply__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _fedcredit_v1_HeartbeatRequest, callback: grpc.requestCallback<_fedcredit_v1_HeartbeatReply__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _fedcredit_v1_HeartbeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_HeartbeatReply__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _fedcredit_v1_HeartbeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedcredit_v1_HeartbeatReply__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _fedcredit_v1_HeartbeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_HeartbeatReply__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _fedcredit_v1_HeartbeatRequest, callback: grpc.requestCallback<_fedcredit_v1_HeartbeatReply__Output>): grpc.ClientUnaryCall;
  
  Hello(argument: _fedcredit_v1_HelloRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_HelloReply__Output>): grpc.ClientUnaryCall;
  Hello(argument: _fedcredit_v1_HelloRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedcredit_v1_HelloReply__Output>): grpc.ClientUnaryCall;
  Hello(argument: _fedcredit_v1_HelloRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_HelloReply__Output>): grpc.ClientUnaryCall;
  Hello(argument: _fedcredit_v1_HelloRequest, callback: grpc.requestCallback<_fedcredit_v1_HelloReply__Output>): grpc.ClientUnaryCall;
  hello(argument: _fedcredit_v1_HelloRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_HelloReply__Output>): grpc.ClientUnaryCall;
  hello(argument: _fedcredit_v1_HelloRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedcredit_v1_HelloReply__Output>): grpc.ClientUnaryCall;
  hello(argument: _fedcredit_v1_HelloRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_HelloReply__Output>): grpc.ClientUnaryCall;
  hello(argument: _fedcredit_v1_HelloRequest, callback: grpc.requestCallback<_fedcredit_v1_HelloReply__Output>): grpc.ClientUnaryCall;
  
  PullTask(argument: _fedcredit_v1_PullTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_PullTaskReply__Output>): grpc.ClientUnaryCall;
  PullTask(argument: _fedcredit_v1_PullTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedcredit_v1_PullTaskReply__Output>): grpc.ClientUnaryCall;
  PullTask(argument: _fedcredit_v1_PullTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_PullTaskReply__Output>): grpc.ClientUnaryCall;
  PullTask(argument: _fedcredit_v1_PullTaskRequest, callback: grpc.requestCallback<_fedcredit_v1_PullTaskReply__Output>): grpc.ClientUnaryCall;
  pullTask(argument: _fedcredit_v1_PullTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_PullTaskReply__Output>): grpc.ClientUnaryCall;
  pullTask(argument: _fedcredit_v1_PullTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedcredit_v1_PullTaskReply__Output>): grpc.ClientUnaryCall;
  pullTask(argument: _fedcredit_v1_PullTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_PullTaskReply__Output>): grpc.ClientUnaryCall;
  pullTask(argument: _fedcredit_v1_PullTaskRequest, callback: grpc.requestCallback<_fedcredit_v1_PullTaskReply__Output>): grpc.ClientUnaryCall;
  
  PushResult(argument: _fedcredit_v1_PushResultRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_PushResultReply__Output>): grpc.ClientUnaryCall;
  PushResult(argument: _fedcredit_v1_PushResultRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedcredit_v1_PushResultReply__Output>): grpc.ClientUnaryCall;
  PushResult(argument: _fedcredit_v1_PushResultRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_PushResultReply__Output>): grpc.ClientUnaryCall;
  PushResult(argument: _fedcredit_v1_PushResultRequest, callback: grpc.requestCallback<_fedcredit_v1_PushResultReply__Output>): grpc.ClientUnaryCall;
  pushResult(argument: _fedcredit_v1_PushResultRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_PushResultReply__Output>): grpc.ClientUnaryCall;
  pushResult(argument: _fedcredit_v1_PushResultRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedcredit_v1_PushResultReply__Output>): grpc.ClientUnaryCall;
  pushResult(argument: _fedcredit_v1_PushResultRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_PushResultReply__Output>): grpc.ClientUnaryCall;
  pushResult(argument: _fedcredit_v1_PushResultRequest, callback: grpc.requestCallback<_fedcredit_v1_PushResultReply__Output>): grpc.ClientUnaryCall;
  
  Score(argument: _fedcredit_v1_ScoreRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_ScoreReply__Output>): grpc.ClientUnaryCall;
  Score(argument: _fedcredit_v1_ScoreRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedcredit_v1_ScoreReply__Output>): grpc.ClientUnaryCall;
  Score(argument: _fedcredit_v1_ScoreRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_ScoreReply__Output>): grpc.ClientUnaryCall;
  Score(argument: _fedcredit_v1_ScoreRequest, callback: grpc.requestCallback<_fedcredit_v1_ScoreReply__Output>): grpc.ClientUnaryCall;
  score(argument: _fedcredit_v1_ScoreRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_ScoreReply__Output>): grpc.ClientUnaryCall;
  score(argument: _fedcredit_v1_ScoreRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fedcredit_v1_ScoreReply__Output>): grpc.ClientUnaryCall;
  score(argument: _fedcredit_v1_ScoreRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fedcredit_v1_ScoreReply__Output>): grpc.ClientUnaryCall;
  score(argument: _fedcredit_v1_ScoreRequest, callback: grpc.requestCallback<_fedcredit_v1_ScoreReply__Output>): grpc.ClientUnaryCall;
  
}

export interface FleetHandlers extends grpc.UntypedServiceImplementation {
  Heartbeat: grpc.handleUnaryCall<_fedcredit_v1_HeartbeatRequest__Output, _fedcredit_v1_HeartbeatReply>;
  
  Hello: grpc.handleUnaryCall<_fedcredit_v1_HelloRequest__Output, _fedcredit_v1_HelloReply>;
  
  PullTask: grpc.handleUnaryCall<_fedcredit_v1_PullTaskRequest__Output, _fedcredit_v1_PullTaskReply>;
  
  PushResult: grpc.handleUnaryCall<_fedcredit_v1_PushResultRequest__Output, _fedcredit_v1_PushResultReply>;
  
  Score: grpc.handleUnaryCall<_fedcredit_v1_ScoreRequest__Output, _fedcredit_v1_ScoreReply>;
  
}

export interface FleetDefinition extends grpc.ServiceDefinition {
  Heartbeat: MethodDefinition<_fedcredit_v1_HeartbeatRequest, _fedcredit_v1_HeartbeatReply, _fedcredit_v1_HeartbeatRequest__Output, _fedcredit_v1_HeartbeatReply__Output>
  Hello: MethodDefinition<_fedcredit_v1_HelloRequest, _fedcredit_v1_HelloReply, _fedcredit_v1_HelloRequest__Output, _fedcredit_v1_HelloReply__Output>
  PullTask: MethodDefinition<_fedcredit_v1_PullTaskRequest, _fedcredit_v1_PullTaskReply, _fedcredit_v1_PullTaskRequest__Output, _fedcredit_v1_PullTaskReply__Output>
  PushResult: MethodDefinition<_fedcredit_v1_PushResultRequest, _fedcredit_v1_PushResultReply, _fedcredit_v1_PushResultRequest__Output, _fedcredit_v1_PushResultReply__Output>
  Score: MethodDefinition<_fedcredit_v1_ScoreRequest, _fedcredit_v1_ScoreReply, _fedcredit_v1_ScoreRequest__Output, _fedcredit_v1_ScoreReply__Output>
}
