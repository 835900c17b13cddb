// Original file: proto/fedcredit/v1/fedcredit.proto


export interface Envelope {
  'peer'?: (string);
  'data'?: (Buffer | Uint8Array | string);
}

export interface Envelope__Output {
  'peer': (string);
  'data': (Buffer);
}
