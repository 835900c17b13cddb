// Original file: proto/fedcredit/v1/fedcredit.proto

import type { MessageAuth as _fedcredit_v1_MessageAuth, MessageAuth__Output as _fedcredit_v1_MessageAuth__Output } from '../../fedcredit/v1/MessageAuth.ts';

export interface HelloRequest {
  'name'?: (string);
  'role'?: (string);
  'clientVersion'?: (string);
  'protocolVersion'?: (number);
  'schemaDigest'?: (string);
  'auth'?: (_fedcredit_v1_MessageAuth | null);
}

export interface HelloRequest__Output {
  'name': (string);
  'role': (string);
  'clientVersion': (string);
  'protocolVersion': (number);
  'schemaDigest': (string);
  'auth': (_fedcredit_v1_MessageAuth__Output | null);
}
