import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AheadReply as _fedcredit_v1_AheadReply, AheadReply__Output as _fedcredit_v1_AheadReply__Output } from './fedcredit/v1/AheadReply.ts';
import type { ClientDpRoundInfo as _fedcredit_v1_ClientDpRoundInfo, ClientDpRoundInfo__Output as _fedcredit_v1_ClientDpRoundInfo__Output } from './fedcredit/v1/ClientDpRoundInfo.ts';
import type { Contribution as _fedcredit_v1_Contribution, Contribution__Output as _fedcredit_v1_Contribution__Output } from './fedcredit/v1/Contribution.ts';
import type { ControlClient as _fedcredit_v1_ControlClient, ControlDefinition as _fedcredit_v1_ControlDefinition } from './fedcredit/v1/Control.ts';
import type { Envelope as _fedcredit_v1_Envelope, Envelope__Output as _fedcredit_v1_Envelope__Output } from './fedcredit/v1/Envelope.ts';
import type { FleetClient as _fedcredit_v1_FleetClient, FleetDefinition as _fedcredit_v1_FleetDefinition } from './fedcredit/v1/Fleet.ts';
import type { HeartbeatReply as _fedcredit_v1_HeartbeatReply, HeartbeatReply__Output as _fedcredit_v1_HeartbeatReply__Output } from './fedcredit/v1/HeartbeatReply.ts';
import type { HeartbeatRequest as _fedcredit_v1_HeartbeatRequest, HeartbeatRequest__Output as _fedcredit_v1_HeartbeatRequest__Output } from './fedcredit/v1/HeartbeatRequest.ts';
import type { HelloReply as _fedcredit_v1_HelloReply, HelloReply__Output as _fedcredit_v1_HelloReply__Output } from './fedcredit/v1/HelloReply.ts';
import type { HelloRequest as _fedcredit_v1_HelloRequest, HelloRequest__Output as _fedcredit_v1_HelloRequest__Output } from './fedcredit/v1/HelloRequest.ts';
import type { InvalidReceipt as _fedcredit_v1_InvalidReceipt, InvalidReceipt__Output as _fedcredit_v1_InvalidReceipt__Output } from './fedcredit/v1/InvalidReceipt.ts';
import type { JobEvent as _fedcredit_v1_JobEvent, JobEvent__Output as _fedcredit_v1_JobEvent__Output } from './fedcredit/v1/JobEvent.ts';
import type { JobRef as _fedcredit_v1_JobRef, JobRef__Output as _fedcredit_v1_JobRef__Output } from './fedcredit/v1/JobRef.ts';
import type { JobStatus as _fedcredit_v1_JobStatus, JobStatus__Output as _fedcredit_v1_JobStatus__Output } from './fedcredit/v1/JobStatus.ts';
import type { JobSummary as _fedcredit_v1_JobSummary, JobSummary__Output as _fedcredit_v1_JobSummary__Output } from './fedcredit/v1/JobSummary.ts';
import type { ListJobsReply as _fedcredit_v1_ListJobsReply, ListJobsReply__Output as _fedcredit_v1_ListJobsReply__Output } from './fedcredit/v1/ListJobsReply.ts';
import type { ListJobsRequest as _fedcredit_v1_ListJobsRequest, ListJobsRequest__Output as _fedcredit_v1_ListJobsRequest__Output } from './fedcredit/v1/ListJobsRequest.ts';
import type { ListParticipantsReply as _fedcredit_v1_ListParticipantsReply, ListParticipantsReply__Output as _fedcredit_v1_ListParticipantsReply__Output } from './fedcredit/v1/ListParticipantsReply.ts';
import type { ListParticipantsRequest as _fedcredit_v1_ListParticipantsRequest, ListParticipantsRequest__Output as _fedcredit_v1_ListParticipantsRequest__Output } from './fedcredit/v1/ListParticipantsRequest.ts';
import type { MessageAuth as _fedcredit_v1_MessageAuth, MessageAuth__Output as _fedcredit_v1_MessageAuth__Output } from './fedcredit/v1/MessageAuth.ts';
import type { Metrics as _fedcredit_v1_Metrics, Metrics__Output as _fedcredit_v1_Metrics__Output } from './fedcredit/v1/Metrics.ts';
import type { ModelChunk as _fedcredit_v1_ModelChunk, ModelChunk__Output as _fedcredit_v1_ModelChunk__Output } from './fedcredit/v1/ModelChunk.ts';
import type { ParticipantFailure as _fedcredit_v1_ParticipantFailure, ParticipantFailure__Output as _fedcredit_v1_ParticipantFailure__Output } from './fedcredit/v1/ParticipantFailure.ts';
import type { ParticipantInfo as _fedcredit_v1_ParticipantInfo, ParticipantInfo__Output as _fedcredit_v1_ParticipantInfo__Output } from './fedcredit/v1/ParticipantInfo.ts';
import type { PrivacySpend as _fedcredit_v1_PrivacySpend, PrivacySpend__Output as _fedcredit_v1_PrivacySpend__Output } from './fedcredit/v1/PrivacySpend.ts';
import type { PullTaskReply as _fedcredit_v1_PullTaskReply, PullTaskReply__Output as _fedcredit_v1_PullTaskReply__Output } from './fedcredit/v1/PullTaskReply.ts';
import type { PullTaskRequest as _fedcredit_v1_PullTaskRequest, PullTaskRequest__Output as _fedcredit_v1_PullTaskRequest__Output } from './fedcredit/v1/PullTaskRequest.ts';
import type { PushResultReply as _fedcredit_v1_PushResultReply, PushResultReply__Output as _fedcredit_v1_PushResultReply__Output } from './fedcredit/v1/PushResultReply.ts';
import type { PushResultRequest as _fedcredit_v1_PushResultRequest, PushResultRequest__Output as _fedcredit_v1_PushResultRequest__Output } from './fedcredit/v1/PushResultRequest.ts';
import type { Refusal as _fedcredit_v1_Refusal, Refusal__Output as _fedcredit_v1_Refusal__Output } from './fedcredit/v1/Refusal.ts';
import type { RoundReport as _fedcredit_v1_RoundReport, RoundReport__Output as _fedcredit_v1_RoundReport__Output } from './fedcredit/v1/RoundReport.ts';
import type { ScoreHistogram as _fedcredit_v1_ScoreHistogram, ScoreHistogram__Output as _fedcredit_v1_ScoreHistogram__Output } from './fedcredit/v1/ScoreHistogram.ts';
import type { ScoreReply as _fedcredit_v1_ScoreReply, ScoreReply__Output as _fedcredit_v1_ScoreReply__Output } from './fedcredit/v1/ScoreReply.ts';
import type { ScoreRequest as _fedcredit_v1_ScoreRequest, ScoreRequest__Output as _fedcredit_v1_ScoreRequest__Output } from './fedcredit/v1/ScoreRequest.ts';
import type { SecAggCiphertext as _fedcredit_v1_SecAggCiphertext, SecAggCiphertext__Output as _fedcredit_v1_SecAggCiphertext__Output } from './fedcredit/v1/SecAggCiphertext.ts';
import type { SecAggCommit as _fedcredit_v1_SecAggCommit, SecAggCommit__Output as _fedcredit_v1_SecAggCommit__Output } from './fedcredit/v1/SecAggCommit.ts';
import type { SecAggNonce as _fedcredit_v1_SecAggNonce, SecAggNonce__Output as _fedcredit_v1_SecAggNonce__Output } from './fedcredit/v1/SecAggNonce.ts';
import type { SecAggPeerKeys as _fedcredit_v1_SecAggPeerKeys, SecAggPeerKeys__Output as _fedcredit_v1_SecAggPeerKeys__Output } from './fedcredit/v1/SecAggPeerKeys.ts';
import type { SecAggReply as _fedcredit_v1_SecAggReply, SecAggReply__Output as _fedcredit_v1_SecAggReply__Output } from './fedcredit/v1/SecAggReply.ts';
import type { SecAggShare as _fedcredit_v1_SecAggShare, SecAggShare__Output as _fedcredit_v1_SecAggShare__Output } from './fedcredit/v1/SecAggShare.ts';
import type { SecAggSignature as _fedcredit_v1_SecAggSignature, SecAggSignature__Output as _fedcredit_v1_SecAggSignature__Output } from './fedcredit/v1/SecAggSignature.ts';
import type { SecAggStep as _fedcredit_v1_SecAggStep, SecAggStep__Output as _fedcredit_v1_SecAggStep__Output } from './fedcredit/v1/SecAggStep.ts';
import type { SecureRoundInfo as _fedcredit_v1_SecureRoundInfo, SecureRoundInfo__Output as _fedcredit_v1_SecureRoundInfo__Output } from './fedcredit/v1/SecureRoundInfo.ts';
import type { SecureStepTime as _fedcredit_v1_SecureStepTime, SecureStepTime__Output as _fedcredit_v1_SecureStepTime__Output } from './fedcredit/v1/SecureStepTime.ts';
import type { SubmitJobReply as _fedcredit_v1_SubmitJobReply, SubmitJobReply__Output as _fedcredit_v1_SubmitJobReply__Output } from './fedcredit/v1/SubmitJobReply.ts';
import type { SubmitJobRequest as _fedcredit_v1_SubmitJobRequest, SubmitJobRequest__Output as _fedcredit_v1_SubmitJobRequest__Output } from './fedcredit/v1/SubmitJobRequest.ts';
import type { Task as _fedcredit_v1_Task, Task__Output as _fedcredit_v1_Task__Output } from './fedcredit/v1/Task.ts';
import type { Tensor as _fedcredit_v1_Tensor, Tensor__Output as _fedcredit_v1_Tensor__Output } from './fedcredit/v1/Tensor.ts';
import type { VerticalReply as _fedcredit_v1_VerticalReply, VerticalReply__Output as _fedcredit_v1_VerticalReply__Output } from './fedcredit/v1/VerticalReply.ts';
import type { VerticalStep as _fedcredit_v1_VerticalStep, VerticalStep__Output as _fedcredit_v1_VerticalStep__Output } from './fedcredit/v1/VerticalStep.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  fedcredit: {
    v1: {
      AheadReply: MessageTypeDefinition<_fedcredit_v1_AheadReply, _fedcredit_v1_AheadReply__Output>
      ClientDpRoundInfo: MessageTypeDefinition<_fedcredit_v1_ClientDpRoundInfo, _fedcredit_v1_ClientDpRoundInfo__Output>
      Contribution: MessageTypeDefinition<_fedcredit_v1_Contribution, _fedcredit_v1_Contribution__Output>
      Control: SubtypeConstructor<typeof grpc.Client, _fedcredit_v1_ControlClient> & { service: _fedcredit_v1_ControlDefinition }
      DType: EnumTypeDefinition
      Envelope: MessageTypeDefinition<_fedcredit_v1_Envelope, _fedcredit_v1_Envelope__Output>
      Fleet: SubtypeConstructor<typeof grpc.Client, _fedcredit_v1_FleetClient> & { service: _fedcredit_v1_FleetDefinition }
      HeartbeatReply: MessageTypeDefinition<_fedcredit_v1_HeartbeatReply, _fedcredit_v1_HeartbeatReply__Output>
      HeartbeatRequest: MessageTypeDefinition<_fedcredit_v1_HeartbeatRequest, _fedcredit_v1_HeartbeatRequest__Output>
      HelloReply: MessageTypeDefinition<_fedcredit_v1_HelloReply, _fedcredit_v1_HelloReply__Output>
      HelloRequest: MessageTypeDefinition<_fedcredit_v1_HelloRequest, _fedcredit_v1_HelloRequest__Output>
      InvalidReceipt: MessageTypeDefinition<_fedcredit_v1_InvalidReceipt, _fedcredit_v1_InvalidReceipt__Output>
      JobEvent: MessageTypeDefinition<_fedcredit_v1_JobEvent, _fedcredit_v1_JobEvent__Output>
      JobRef: MessageTypeDefinition<_fedcredit_v1_JobRef, _fedcredit_v1_JobRef__Output>
      JobState: EnumTypeDefinition
      JobStatus: MessageTypeDefinition<_fedcredit_v1_JobStatus, _fedcredit_v1_JobStatus__Output>
      JobSummary: MessageTypeDefinition<_fedcredit_v1_JobSummary, _fedcredit_v1_JobSummary__Output>
      ListJobsReply: MessageTypeDefinition<_fedcredit_v1_ListJobsReply, _fedcredit_v1_ListJobsReply__Output>
      ListJobsRequest: MessageTypeDefinition<_fedcredit_v1_ListJobsRequest, _fedcredit_v1_ListJobsRequest__Output>
      ListParticipantsReply: MessageTypeDefinition<_fedcredit_v1_ListParticipantsReply, _fedcredit_v1_ListParticipantsReply__Output>
      ListParticipantsRequest: MessageTypeDefinition<_fedcredit_v1_ListParticipantsRequest, _fedcredit_v1_ListParticipantsRequest__Output>
      MessageAuth: MessageTypeDefinition<_fedcredit_v1_MessageAuth, _fedcredit_v1_MessageAuth__Output>
      Metrics: MessageTypeDefinition<_fedcredit_v1_Metrics, _fedcredit_v1_Metrics__Output>
      ModelChunk: MessageTypeDefinition<_fedcredit_v1_ModelChunk, _fedcredit_v1_ModelChunk__Output>
      ParticipantFailure: MessageTypeDefinition<_fedcredit_v1_ParticipantFailure, _fedcredit_v1_ParticipantFailure__Output>
      ParticipantInfo: MessageTypeDefinition<_fedcredit_v1_ParticipantInfo, _fedcredit_v1_ParticipantInfo__Output>
      PrivacySpend: MessageTypeDefinition<_fedcredit_v1_PrivacySpend, _fedcredit_v1_PrivacySpend__Output>
      PullTaskReply: MessageTypeDefinition<_fedcredit_v1_PullTaskReply, _fedcredit_v1_PullTaskReply__Output>
      PullTaskRequest: MessageTypeDefinition<_fedcredit_v1_PullTaskRequest, _fedcredit_v1_PullTaskRequest__Output>
      PushResultReply: MessageTypeDefinition<_fedcredit_v1_PushResultReply, _fedcredit_v1_PushResultReply__Output>
      PushResultRequest: MessageTypeDefinition<_fedcredit_v1_PushResultRequest, _fedcredit_v1_PushResultRequest__Output>
      Refusal: MessageTypeDefinition<_fedcredit_v1_Refusal, _fedcredit_v1_Refusal__Output>
      RoundReport: MessageTypeDefinition<_fedcredit_v1_RoundReport, _fedcredit_v1_RoundReport__Output>
      ScoreHistogram: MessageTypeDefinition<_fedcredit_v1_ScoreHistogram, _fedcredit_v1_ScoreHistogram__Output>
      ScoreReply: MessageTypeDefinition<_fedcredit_v1_ScoreReply, _fedcredit_v1_ScoreReply__Output>
      ScoreRequest: MessageTypeDefinition<_fedcredit_v1_ScoreRequest, _fedcredit_v1_ScoreRequest__Output>
      SecAggCiphertext: MessageTypeDefinition<_fedcredit_v1_SecAggCiphertext, _fedcredit_v1_SecAggCiphertext__Output>
      SecAggCommit: MessageTypeDefinition<_fedcredit_v1_SecAggCommit, _fedcredit_v1_SecAggCommit__Output>
      SecAggNonce: MessageTypeDefinition<_fedcredit_v1_SecAggNonce, _fedcredit_v1_SecAggNonce__Output>
      SecAggPeerKeys: MessageTypeDefinition<_fedcredit_v1_SecAggPeerKeys, _fedcredit_v1_SecAggPeerKeys__Output>
      SecAggReply: MessageTypeDefinition<_fedcredit_v1_SecAggReply, _fedcredit_v1_SecAggReply__Output>
      SecAggShare: MessageTypeDefinition<_fedcredit_v1_SecAggShare, _fedcredit_v1_SecAggShare__Output>
      SecAggSignature: MessageTypeDefinition<_fedcredit_v1_SecAggSignature, _fedcredit_v1_SecAggSignature__Output>
      SecAggStep: MessageTypeDefinition<_fedcredit_v1_SecAggStep, _fedcredit_v1_SecAggStep__Output>
      SecureRoundInfo: MessageTypeDefinition<_fedcredit_v1_SecureRoundInfo, _fedcredit_v1_SecureRoundInfo__Output>
      SecureStepTime: MessageTypeDefinition<_fedcredit_v1_SecureStepTime, _fedcredit_v1_SecureStepTime__Output>
      SubmitJobReply: MessageTypeDefinition<_fedcredit_v1_SubmitJobReply, _fedcredit_v1_SubmitJobReply__Output>
      SubmitJobRequest: MessageTypeDefinition<_fedcredit_v1_SubmitJobRequest, _fedcredit_v1_SubmitJobRequest__Output>
      Task: MessageTypeDefinition<_fedcredit_v1_Task, _fedcredit_v1_Task__Output>
      TaskKind: EnumTypeDefinition
      Tensor: MessageTypeDefinition<_fedcredit_v1_Tensor, _fedcredit_v1_Tensor__Output>
      VerticalReply: MessageTypeDefinition<_fedcredit_v1_VerticalReply, _fedcredit_v1_VerticalReply__Output>
      VerticalStep: MessageTypeDefinition<_fedcredit_v1_VerticalStep, _fedcredit_v1_VerticalStep__Output>
    }
  }
}

