// Original file: proto/fedcredit/v1/fedcredit.proto


export interface Refusal {
  'code'?: (string);
  'reason'?: (string);
}

export interface Refusal__Output {
  'code': (string);
  'reason': (string);
}
