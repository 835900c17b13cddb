// Original file: proto/fedcredit/v1/fedcredit.proto

import type { SecAggReply as _fedcredit_v1_SecAggReply, SecAggReply__Output as _fedcredit_v1_SecAggReply__Output } from '../../fedcredit/v1/SecAggReply.ts';

export interface AheadReply {
  'run'?: (string);
  'secagg'?: (_fedcredit_v1_SecAggReply | null);
  'refusal'?: (string);
}

export interface AheadReply__Output {
  'run': (string);
  'secagg': (_fedcredit_v1_SecAggReply__Output | null);
  'refusal': (string);
}
