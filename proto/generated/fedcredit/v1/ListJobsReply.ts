// Original file: proto/fedcredit/v1/fedcredit.proto

import type { JobSummary as _fedcredit_v1_JobSummary, JobSummary__Output as _fedcredit_v1_JobSummary__Output } from '../../fedcredit/v1/JobSummary.ts';

export interface ListJobsReply {
  'jobs'?: (_fedcredit_v1_JobSummary)[];
  'total'?: (number);
}

export interface ListJobsReply__Output {
  'jobs': (_fedcredit_v1_JobSummary__Output)[];
  'total': (number);
}
