// Original file: proto/fedcredit/v1/fedcredit.proto

import type { Contribution as _fedcredit_v1_Contribution, Contribution__Output as _fedcredit_v1_Contribution__Output } from '../../fedcredit/v1/Contribution.ts';
import type { Refusal as _fedcredit_v1_Refusal, Refusal__Output as _fedcredit_v1_Refusal__Output } from '../../fedcredit/v1/Refusal.ts';
import type { SecAggReply as _fedcredit_v1_SecAggReply, SecAggReply__Output as _fedcredit_v1_SecAggReply__Output } from '../../fedcredit/v1/SecAggReply.ts';
import type { VerticalReply as _fedcredit_v1_VerticalReply, VerticalReply__Output as _fedcredit_v1_VerticalReply__Output } from '../../fedcredit/v1/VerticalReply.ts';
import type { AheadReply as _fedcredit_v1_AheadReply, AheadReply__Output as _fedcredit_v1_AheadReply__Output } from '../../fedcredit/v1/AheadReply.ts';
import type { MessageAuth as _fedcredit_v1_MessageAuth, MessageAuth__Output as _fedcredit_v1_MessageAuth__Output } from '../../fedcredit/v1/MessageAuth.ts';

export interface PushResultRequest {
  'session'?: (string);
  'taskId'?: (string);
  'contribution'?: (_fedcredit_v1_Contribution | null);
  'refusal'?: (_fedcredit_v1_Refusal | null);
  'secagg'?: (_fedcredit_v1_SecAggReply | null);
  'privacyReceiptJson'?: (string);
  'vertical'?: (_fedcredit_v1_VerticalReply | null);
  'nextWaitMs'?: (number);
  'ahead'?: (_fedcredit_v1_AheadReply)[];
  'auth'?: (_fedcredit_v1_MessageAuth | null);
  'outcome'?: "contribution"|"refusal"|"secagg"|"vertical";
}

export interface PushResultRequest__Output {
  'session': (string);
  'taskId': (string);
  'contribution'?: (_fedcredit_v1_Contribution__Output | null);
  'refusal'?: (_fedcredit_v1_Refusal__Output | null);
  'secagg'?: (_fedcredit_v1_SecAggReply__Output | null);
  'privacyReceiptJson': (string);
  'vertical'?: (_fedcredit_v1_VerticalReply__Output | null);
  'nextWaitMs': (number);
  'ahead': (_fedcredit_v1_AheadReply__Output)[];
  'auth': (_fedcredit_v1_MessageAuth__Output | null);
  'outcome'?: "contribution"|"refusal"|"secagg"|"vertical";
}
