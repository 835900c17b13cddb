// Original file: proto/fedcredit/v1/fedcredit.proto

import type { DType as _fedcredit_v1_DType, DType__Output as _fedcredit_v1_DType__Output } from '../../fedcredit/v1/DType.ts';

export interface Tensor {
  'name'?: (string);
  'dtype'?: (_fedcredit_v1_DType);
  'shape'?: (number)[];
  'data'?: (Buffer | Uint8Array | string);
}

export interface Tensor__Output {
  'name': (string);
  'dtype': (_fedcredit_v1_DType__Output);
  'shape': (number)[];
  'data': (Buffer);
}
