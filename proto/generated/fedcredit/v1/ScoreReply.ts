// Original file: proto/fedcredit/v1/fedcredit.proto

import type { Envelope as _fedcredit_v1_Envelope, Envelope__Output as _fedcredit_v1_Envelope__Output } from '../../fedcredit/v1/Envelope.ts';
import type { ParticipantFailure as _fedcredit_v1_ParticipantFailure, ParticipantFailure__Output as _fedcredit_v1_ParticipantFailure__Output } from '../../fedcredit/v1/ParticipantFailure.ts';

export interface ScoreReply {
  'envelopes'?: (_fedcredit_v1_Envelope)[];
  'failures'?: (_fedcredit_v1_ParticipantFailure)[];
}

export interface ScoreReply__Output {
  'envelopes': (_fedcredit_v1_Envelope__Output)[];
  'failures': (_fedcredit_v1_ParticipantFailure__Output)[];
}
