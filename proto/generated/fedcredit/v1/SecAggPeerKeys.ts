// Original file: proto/fedcredit/v1/fedcredit.proto


export interface SecAggPeerKeys {
  'id'?: (string);
  'cPk'?: (Buffer | Uint8Array | string);
  'sPk'?: (Buffer | Uint8Array | string);
  'signature'?: (Buffer | Uint8Array | string);
  'graphCommit'?: (Buffer | Uint8Array | string);
}

export interface SecAggPeerKeys__Output {
  'id': (string);
  'cPk': (Buffer);
  'sPk': (Buffer);
  'signature': (Buffer);
  'graphCommit': (Buffer);
}
