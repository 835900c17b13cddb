// Original file: proto/fedcredit/v1/fedcredit.proto


export interface JobRef {
  'jobId'?: (string);
}

export interface JobRef__Output {
  'jobId': (string);
}
