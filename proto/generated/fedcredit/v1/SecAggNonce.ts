// Original file: proto/fedcredit/v1/fedcredit.proto


export interface SecAggNonce {
  'id'?: (string);
  'nonce'?: (Buffer | Uint8Array | string);
}

export interface SecAggNonce__Output {
  'id': (string);
  'nonce': (Buffer);
}
