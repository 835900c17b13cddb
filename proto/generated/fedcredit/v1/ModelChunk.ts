// Original file: proto/fedcredit/v1/fedcredit.proto

import type { Long } from '@grpc/proto-loader';

export interface ModelChunk {
  'metaJson'?: (string);
  'data'?: (Buffer | Uint8Array | string);
  'offset'?: (number | string | Long);
  'totalBytes'?: (number | string | Long);
}

export interface ModelChunk__Output {
  'metaJson': (string);
  'data': (Buffer);
  'offset': (number);
  'totalBytes': (number);
}
