// Original file: proto/fedcredit/v1/fedcredit.proto


export interface HeartbeatRequest {
  'session'?: (string);
}

export interface HeartbeatRequest__Output {
  'session': (string);
}
