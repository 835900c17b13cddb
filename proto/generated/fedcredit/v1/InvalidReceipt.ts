// Original file: proto/fedcredit/v1/fedcredit.proto


export interface InvalidReceipt {
  'participant'?: (string);
  'reason'?: (string);
}

export interface InvalidReceipt__Output {
  'participant': (string);
  'reason': (string);
}
