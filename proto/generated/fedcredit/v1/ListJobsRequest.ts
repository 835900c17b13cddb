// Original file: proto/fedcredit/v1/fedcredit.proto


export interface ListJobsRequest {
  'limit'?: (number);
  'state'?: (string);
}

export interface ListJobsRequest__Output {
  'limit': (number);
  'state': (string);
}
