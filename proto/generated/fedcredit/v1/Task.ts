// Original file: proto/fedcredit/v1/fedcredit.proto

import type { TaskKind as _fedcredit_v1_TaskKind, TaskKind__Output as _fedcredit_v1_TaskKind__Output } from '../../fedcredit/v1/TaskKind.ts';
import type { Tensor as _fedcredit_v1_Tensor, Tensor__Output as _fedcredit_v1_Tensor__Output } from '../../fedcredit/v1/Tensor.ts';
import type { SecAggStep as _fedcredit_v1_SecAggStep, SecAggStep__Output as _fedcredit_v1_SecAggStep__Output } from '../../fedcredit/v1/SecAggStep.ts';
import type { VerticalStep as _fedcredit_v1_VerticalStep, VerticalStep__Output as _fedcredit_v1_VerticalStep__Output } from '../../fedcredit/v1/VerticalStep.ts';
import type { Long } from '@grpc/proto-loader';

export interface Task {
  'taskId'?: (string);
  'jobId'?: (string);
  'round'?: (number);
  'kind'?: (_fedcredit_v1_TaskKind);
  'configJson'?: (string);
  'weights'?: (_fedcredit_v1_Tensor)[];
  'deadlineUnixMs'?: (number | string | Long);
  'secagg'?: (_fedcredit_v1_SecAggStep | null);
  'vertical'?: (_fedcredit_v1_VerticalStep | null);
  'ahead'?: (_fedcredit_v1_SecAggStep)[];
}

export interface Task__Output {
  'taskId': (string);
  'jobId': (string);
  'round': (number);
  'kind': (_fedcredit_v1_TaskKind__Output);
  'configJson': (string);
  'weights': (_fedcredit_v1_Tensor__Output)[];
  'deadlineUnixMs': (number);
  'secagg': (_fedcredit_v1_SecAggStep__Output | null);
  'vertical': (_fedcredit_v1_VerticalStep__Output | null);
  'ahead': (_fedcredit_v1_SecAggStep__Output)[];
}
