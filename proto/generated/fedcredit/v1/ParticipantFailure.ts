// Original file: proto/fedcredit/v1/fedcredit.proto


export interface ParticipantFailure {
  'participant'?: (string);
  'stage'?: (string);
  'reason'?: (string);
}

export interface ParticipantFailure__Output {
  'participant': (string);
  'stage': (string);
  'reason': (string);
}
