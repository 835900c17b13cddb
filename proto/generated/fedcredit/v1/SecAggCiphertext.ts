// Original file: proto/fedcredit/v1/fedcredit.proto


export interface SecAggCiphertext {
  'peer'?: (string);
  'ciphertext'?: (Buffer | Uint8Array | string);
}

export interface SecAggCiphertext__Output {
  'peer': (string);
  'ciphertext': (Buffer);
}
