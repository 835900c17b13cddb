// Original file: proto/fedcredit/v1/fedcredit.proto

import type { JobState as _fedcredit_v1_JobState, JobState__Output as _fedcredit_v1_JobState__Output } from '../../fedcredit/v1/JobState.ts';
import type { Metrics as _fedcredit_v1_Metrics, Metrics__Output as _fedcredit_v1_Metrics__Output } from '../../fedcredit/v1/Metrics.ts';
import type { Long } from '@grpc/proto-loader';

export interface JobSummary {
  'jobId'?: (string);
  'name'?: (string);
  'state'?: (_fedcredit_v1_JobState);
  'stage'?: (string);
  'error'?: (string);
  'roundsCompleted'?: (number);
  'roundsTotal'?: (number);
  'model'?: (string);
  'aggregation'?: (string);
  'createdUnixMs'?: (number | string | Long);
  'finishedUnixMs'?: (number | string | Long);
  'metrics'?: (_fedcredit_v1_Metrics | null);
  'metricsRound'?: (number);
  'participants'?: (string)[];
  'privacy'?: (string);
}

export interface JobSummary__Output {
  'jobId': (string);
  'name': (string);
  'state': (_fedcredit_v1_JobState__Output);
  'stage': (string);
  'error': (string);
  'roundsCompleted': (number);
  'roundsTotal': (number);
  'model': (string);
  'aggregation': (string);
  'createdUnixMs': (number);
  'finishedUnixMs': (number);
  'metrics': (_fedcredit_v1_Metrics__Output | null);
  'metricsRound': (number);
  'participants': (string)[];
  'privacy': (string);
}
