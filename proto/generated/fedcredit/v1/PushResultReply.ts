// Original file: proto/fedcredit/v1/fedcredit.proto


export interface PushResultReply {
  'accepted'?: (boolean);
  'message'?: (string);
}

export interface PushResultReply__Output {
  'accepted': (boolean);
  'message': (string);
}
