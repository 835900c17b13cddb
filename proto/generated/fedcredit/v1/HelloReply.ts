// Original file: proto/fedcredit/v1/fedcredit.proto


export interface HelloReply {
  'participantId'?: (string);
  'session'?: (string);
  'heartbeatIntervalMs'?: (number);
  'protocolVersion'?: (number);
}

export interface HelloReply__Output {
  'participantId': (string);
  'session': (string);
  'heartbeatIntervalMs': (number);
  'protocolVersion': (number);
}
