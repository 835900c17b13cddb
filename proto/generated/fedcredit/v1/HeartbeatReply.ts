// Original file: proto/fedcredit/v1/fedcredit.proto


export interface HeartbeatReply {
  'known'?: (boolean);
}

export interface HeartbeatReply__Output {
  'known': (boolean);
}
