// Original file: proto/fedcredit/v1/fedcredit.proto

import type { Task as _fedcredit_v1_Task, Task__Output as _fedcredit_v1_Task__Output } from '../../fedcredit/v1/Task.ts';

export interface PullTaskReply {
  'hasTask'?: (boolean);
  'task'?: (_fedcredit_v1_Task | null);
  'reregister'?: (boolean);
}

export interface PullTaskReply__Output {
  'hasTask': (boolean);
  'task': (_fedcredit_v1_Task__Output | null);
  'reregister': (boolean);
}
