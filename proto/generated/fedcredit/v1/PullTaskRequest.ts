// Original file: proto/fedcredit/v1/fedcredit.proto


export interface PullTaskRequest {
  'session'?: (string);
  'waitMs'?: (number);
}

export interface PullTaskRequest__Output {
  'session': (string);
  'waitMs': (number);
}
