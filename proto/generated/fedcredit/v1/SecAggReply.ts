// Original file: proto/fedcredit/v1/fedcredit.proto

import type { SecAggCiphertext as _fedcredit_v1_SecAggCiphertext, SecAggCiphertext__Output as _fedcredit_v1_SecAggCiphertext__Output } from '../../fedcredit/v1/SecAggCiphertext.ts';
import type { Tensor as _fedcredit_v1_Tensor, Tensor__Output as _fedcredit_v1_Tensor__Output } from '../../fedcredit/v1/Tensor.ts';
import type { SecAggShare as _fedcredit_v1_SecAggShare, SecAggShare__Output as _fedcredit_v1_SecAggShare__Output } from '../../fedcredit/v1/SecAggShare.ts';

export interface SecAggReply {
  'message'?: (string);
  'cPk'?: (Buffer | Uint8Array | string);
  'sPk'?: (Buffer | Uint8Array | string);
  'ciphertexts'?: (_fedcredit_v1_SecAggCiphertext)[];
  'maskedInput'?: (_fedcredit_v1_Tensor | null);
  'selfMaskShares'?: (_fedcredit_v1_SecAggShare)[];
  'keyShares'?: (_fedcredit_v1_SecAggShare)[];
  'signature'?: (Buffer | Uint8Array | string);
  'graphCommit'?: (Buffer | Uint8Array | string);
  'graphNonce'?: (Buffer | Uint8Array | string);
}

export interface SecAggReply__Output {
  'message': (string);
  'cPk': (Buffer);
  'sPk': (Buffer);
  'ciphertexts': (_fedcredit_v1_SecAggCiphertext__Output)[];
  'maskedInput': (_fedcredit_v1_Tensor__Output | null);
  'selfMaskShares': (_fedcredit_v1_SecAggShare__Output)[];
  'keyShares': (_fedcredit_v1_SecAggShare__Output)[];
  'signature': (Buffer);
  'graphCommit': (Buffer);
  'graphNonce': (Buffer);
}
