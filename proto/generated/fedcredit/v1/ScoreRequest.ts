// Original file: proto/fedcredit/v1/fedcredit.proto

import type { Envelope as _fedcredit_v1_Envelope, Envelope__Output as _fedcredit_v1_Envelope__Output } from '../../fedcredit/v1/Envelope.ts';
import type { MessageAuth as _fedcredit_v1_MessageAuth, MessageAuth__Output as _fedcredit_v1_MessageAuth__Output } from '../../fedcredit/v1/MessageAuth.ts';

export interface ScoreRequest {
  'session'?: (string);
  'jobId'?: (string);
  'requestId'?: (string);
  'envelopes'?: (_fedcredit_v1_Envelope)[];
  'deadlineMs'?: (number);
  'auth'?: (_fedcredit_v1_MessageAuth | null);
}

export interface ScoreRequest__Output {
  'session': (string);
  'jobId': (string);
  'requestId': (string);
  'envelopes': (_fedcredit_v1_Envelope__Output)[];
  'deadlineMs': (number);
  'auth': (_fedcredit_v1_MessageAuth__Output | null);
}
