// Original file: proto/fedcredit/v1/fedcredit.proto

import type { JobState as _fedcredit_v1_JobState, JobState__Output as _fedcredit_v1_JobState__Output } from '../../fedcredit/v1/JobState.ts';
import type { RoundReport as _fedcredit_v1_RoundReport, RoundReport__Output as _fedcredit_v1_RoundReport__Output } from '../../fedcredit/v1/RoundReport.ts';
import type { Long } from '@grpc/proto-loader';

export interface JobStatus {
  'jobId'?: (string);
  'name'?: (string);
  'state'?: (_fedcredit_v1_JobState);
  'roundsCompleted'?: (number);
  'roundsTotal'?: (number);
  'rounds'?: (_fedcredit_v1_RoundReport)[];
  'error'?: (string);
  'participants'?: (string)[];
  'aggregation'?: (string);
  'createdUnixMs'?: (number | string | Long);
  'finishedUnixMs'?: (number | string | Long);
  'stage'?: (string);
  'guarantee'?: (string);
  'verticalJson'?: (string);
}

export interface JobStatus__Output {
  'jobId': (string);
  'name': (string);
  'state': (_fedcredit_v1_JobState__Output);
  'roundsCompleted': (number);
  'roundsTotal': (number);
  'rounds': (_fedcredit_v1_RoundReport__Output)[];
  'error': (string);
  'participants': (string)[];
  'aggregation': (string);
  'createdUnixMs': (number);
  'finishedUnixMs': (number);
  'stage': (string);
  'guarantee': (string);
  'verticalJson': (string);
}
