// Original file: proto/fedcredit/v1/fedcredit.proto


export interface SecAggShare {
  'owner'?: (string);
  'share'?: (Buffer | Uint8Array | string);
}

export interface SecAggShare__Output {
  'owner': (string);
  'share': (Buffer);
}
