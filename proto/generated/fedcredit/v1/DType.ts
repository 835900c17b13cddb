// Original file: proto/fedcredit/v1/fedcredit.proto

export const DType = {
  DTYPE_UNSPECIFIED: 'DTYPE_UNSPECIFIED',
  FLOAT32: 'FLOAT32',
  FLOAT64: 'FLOAT64',
  INT32: 'INT32',
  UINT32: 'UINT32',
} as const;

export type DType =
  | 'DTYPE_UNSPECIFIED'
  | 0
  | 'FLOAT32'
  | 1
  | 'FLOAT64'
  | 2
  | 'INT32'
  | 3
  | 'UINT32'
  | 4

export type DType__Output = typeof DType[keyof typeof DType]
