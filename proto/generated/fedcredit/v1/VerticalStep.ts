// Original file: proto/fedcredit/v1/fedcredit.proto

import type { Envelope as _fedcredit_v1_Envelope, Envelope__Output as _fedcredit_v1_Envelope__Output } from '../../fedcredit/v1/Envelope.ts';

export interface VerticalStep {
  'envelopes'?: (_fedcredit_v1_Envelope)[];
  'dealt'?: (Buffer | Uint8Array | string);
}

export interface VerticalStep__Output {
  'envelopes': (_fedcredit_v1_Envelope__Output)[];
  'dealt': (Buffer);
}
