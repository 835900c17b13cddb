// Original file: proto/fedcredit/v1/fedcredit.proto

import type { Long } from '@grpc/proto-loader';

export interface ParticipantInfo {
  'participantId'?: (string);
  'name'?: (string);
  'role'?: (string);
  'connected'?: (boolean);
  'lastSeenUnixMs'?: (number | string | Long);
  'schemaDigest'?: (string);
}

export interface ParticipantInfo__Output {
  'participantId': (string);
  'name': (string);
  'role': (string);
  'connected': (boolean);
  'lastSeenUnixMs': (number);
  'schemaDigest': (string);
}
