// Original file: proto/fedcredit/v1/fedcredit.proto

import type { Envelope as _fedcredit_v1_Envelope, Envelope__Output as _fedcredit_v1_Envelope__Output } from '../../fedcredit/v1/Envelope.ts';

export interface VerticalReply {
  'envelopes'?: (_fedcredit_v1_Envelope)[];
  'publicKey'?: (Buffer | Uint8Array | string);
  'infoJson'?: (string);
  'keySignature'?: (Buffer | Uint8Array | string);
}

export interface VerticalReply__Output {
  'envelopes': (_fedcredit_v1_Envelope__Output)[];
  'publicKey': (Buffer);
  'infoJson': (string);
  'keySignature': (Buffer);
}
