// Original file: proto/fedcredit/v1/fedcredit.proto


export interface SecAggCommit {
  'id'?: (string);
  'commit'?: (Buffer | Uint8Array | string);
}

export interface SecAggCommit__Output {
  'id': (string);
  'commit': (Buffer);
}
