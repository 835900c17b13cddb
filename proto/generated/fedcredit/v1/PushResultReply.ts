// Original file: proto/fedcredit/v1/fedcredit.proto

import type { Task as _fedcredit_v1_Task, Task__Output as _fedcredit_v1_Task__Output } from '../../fedcredit/v1/Task.ts';

export interface PushResultReply {
  'accepted'?: (boolean);
  'message'?: (string);
  'hasTask'?: (boolean);
  'task'?: (_fedcredit_v1_Task | null);
}

export interface PushResultReply__Output {
  'accepted': (boolean);
  'message': (string);
  'hasTask': (boolean);
  'task': (_fedcredit_v1_Task__Output | null);
}
