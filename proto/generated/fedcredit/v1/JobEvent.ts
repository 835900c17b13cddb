// Original file: proto/fedcredit/v1/fedcredit.proto

import type { JobStatus as _fedcredit_v1_JobStatus, JobStatus__Output as _fedcredit_v1_JobStatus__Output } from '../../fedcredit/v1/JobStatus.ts';
import type { RoundReport as _fedcredit_v1_RoundReport, RoundReport__Output as _fedcredit_v1_RoundReport__Output } from '../../fedcredit/v1/RoundReport.ts';

export interface JobEvent {
  'status'?: (_fedcredit_v1_JobStatus | null);
  'round'?: (_fedcredit_v1_RoundReport | null);
  'message'?: (string);
}

export interface JobEvent__Output {
  'status': (_fedcredit_v1_JobStatus__Output | null);
  'round': (_fedcredit_v1_RoundReport__Output | null);
  'message': (string);
}
