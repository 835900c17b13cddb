// Original file: proto/fedcredit/v1/fedcredit.proto

import type { MessageAuth as _fedcredit_v1_MessageAuth, MessageAuth__Output as _fedcredit_v1_MessageAuth__Output } from '../../fedcredit/v1/MessageAuth.ts';

export interface PullTaskRequest {
  'session'?: (string);
  'waitMs'?: (number);
  'auth'?: (_fedcredit_v1_MessageAuth | null);
}

export interface PullTaskRequest__Output {
  'session': (string);
  'waitMs': (number);
  'auth': (_fedcredit_v1_MessageAuth__Output | null);
}
