// Original file: proto/fedcredit/v1/fedcredit.proto

import type { SecAggPeerKeys as _fedcredit_v1_SecAggPeerKeys, SecAggPeerKeys__Output as _fedcredit_v1_SecAggPeerKeys__Output } from '../../fedcredit/v1/SecAggPeerKeys.ts';
import type { SecAggCiphertext as _fedcredit_v1_SecAggCiphertext, SecAggCiphertext__Output as _fedcredit_v1_SecAggCiphertext__Output } from '../../fedcredit/v1/SecAggCiphertext.ts';
import type { SecAggSignature as _fedcredit_v1_SecAggSignature, SecAggSignature__Output as _fedcredit_v1_SecAggSignature__Output } from '../../fedcredit/v1/SecAggSignature.ts';
import type { SecAggNonce as _fedcredit_v1_SecAggNonce, SecAggNonce__Output as _fedcredit_v1_SecAggNonce__Output } from '../../fedcredit/v1/SecAggNonce.ts';
import type { SecAggCommit as _fedcredit_v1_SecAggCommit, SecAggCommit__Output as _fedcredit_v1_SecAggCommit__Output } from '../../fedcredit/v1/SecAggCommit.ts';

export interface SecAggStep {
  'message'?: (string);
  'configJson'?: (string);
  'peerKeys'?: (_fedcredit_v1_SecAggPeerKeys)[];
  'shared'?: (string)[];
  'ciphertexts'?: (_fedcredit_v1_SecAggCiphertext)[];
  'survivors'?: (string)[];
  'dropped'?: (string)[];
  'signatures'?: (_fedcredit_v1_SecAggSignature)[];
  'graphNonces'?: (_fedcredit_v1_SecAggNonce)[];
  'graphCommits'?: (_fedcredit_v1_SecAggCommit)[];
}

export interface SecAggStep__Output {
  'message': (string);
  'configJson': (string);
  'peerKeys': (_fedcredit_v1_SecAggPeerKeys__Output)[];
  'shared': (string)[];
  'ciphertexts': (_fedcredit_v1_SecAggCiphertext__Output)[];
  'survivors': (string)[];
  'dropped': (string)[];
  'signatures': (_fedcredit_v1_SecAggSignature__Output)[];
  'graphNonces': (_fedcredit_v1_SecAggNonce__Output)[];
  'graphCommits': (_fedcredit_v1_SecAggCommit__Output)[];
}
