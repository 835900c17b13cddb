// Original file: proto/fedcredit/v1/fedcredit.proto

import type { Long } from '@grpc/proto-loader';

export interface MessageAuth {
  'sequence'?: (number | string | Long);
  'timestampMs'?: (number | string | Long);
  'nonce'?: (Buffer | Uint8Array | string);
  'signature'?: (Buffer | Uint8Array | string);
  'jobId'?: (string);
  'round'?: (number);
  'stage'?: (string);
  'run'?: (string);
  'publicKey'?: (Buffer | Uint8Array | string);
}

export interface MessageAuth__Output {
  'sequence': (number);
  'timestampMs': (number);
  'nonce': (Buffer);
  'signature': (Buffer);
  'jobId': (string);
  'round': (number);
  'stage': (string);
  'run': (string);
  'publicKey': (Buffer);
}
