// Original file: proto/fedcredit/v1/fedcredit.proto


export interface SecureStepTime {
  'step'?: (string);
  'seconds'?: (number | string);
}

export interface SecureStepTime__Output {
  'step': (string);
  'seconds': (number);
}
