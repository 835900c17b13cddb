// Original file: proto/fedcredit/v1/fedcredit.proto

import type { SecureStepTime as _fedcredit_v1_SecureStepTime, SecureStepTime__Output as _fedcredit_v1_SecureStepTime__Output } from '../../fedcredit/v1/SecureStepTime.ts';

export interface SecureRoundInfo {
  'participants'?: (number);
  'survivors'?: (number);
  'threshold'?: (number);
  'neighbours'?: (number);
  'modulusBits'?: (number);
  'clipped'?: (number | string);
  'words'?: (number);
  'authenticated'?: (boolean);
  'steps'?: (_fedcredit_v1_SecureStepTime)[];
  'keysSetUpIn'?: (number);
}

export interface SecureRoundInfo__Output {
  'participants': (number);
  'survivors': (number);
  'threshold': (number);
  'neighbours': (number);
  'modulusBits': (number);
  'clipped': (number);
  'words': (number);
  'authenticated': (boolean);
  'steps': (_fedcredit_v1_SecureStepTime__Output)[];
  'keysSetUpIn': (number);
}
