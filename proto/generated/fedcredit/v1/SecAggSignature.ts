// Original file: proto/fedcredit/v1/fedcredit.proto


export interface SecAggSignature {
  'id'?: (string);
  'signature'?: (Buffer | Uint8Array | string);
}

export interface SecAggSignature__Output {
  'id': (string);
  'signature': (Buffer);
}
