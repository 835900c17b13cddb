// Original file: proto/fedcredit/v1/fedcredit.proto

import type { ParticipantInfo as _fedcredit_v1_ParticipantInfo, ParticipantInfo__Output as _fedcredit_v1_ParticipantInfo__Output } from '../../fedcredit/v1/ParticipantInfo.ts';

export interface ListParticipantsReply {
  'participants'?: (_fedcredit_v1_ParticipantInfo)[];
}

export interface ListParticipantsReply__Output {
  'participants': (_fedcredit_v1_ParticipantInfo__Output)[];
}
