// Original file: proto/fedcredit/v1/fedcredit.proto


export interface SubmitJobReply {
  'jobId'?: (string);
}

export interface SubmitJobReply__Output {
  'jobId': (string);
}
