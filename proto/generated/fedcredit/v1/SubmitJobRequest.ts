// Original file: proto/fedcredit/v1/fedcredit.proto


export interface SubmitJobRequest {
  'jobJson'?: (string);
  'schemaJson'?: (string);
}

export interface SubmitJobRequest__Output {
  'jobJson': (string);
  'schemaJson': (string);
}
