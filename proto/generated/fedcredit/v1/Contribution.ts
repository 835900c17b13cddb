// Original file: proto/fedcredit/v1/fedcredit.proto

import type { Tensor as _fedcredit_v1_Tensor, Tensor__Output as _fedcredit_v1_Tensor__Output } from '../../fedcredit/v1/Tensor.ts';

export interface Contribution {
  'vectors'?: (_fedcredit_v1_Tensor)[];
}

export interface Contribution__Output {
  'vectors': (_fedcredit_v1_Tensor__Output)[];
}
