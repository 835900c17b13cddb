// Original file: proto/fedcredit/v1/fedcredit.proto

import type { Metrics as _fedcredit_v1_Metrics, Metrics__Output as _fedcredit_v1_Metrics__Output } from '../../fedcredit/v1/Metrics.ts';
import type { ParticipantFailure as _fedcredit_v1_ParticipantFailure, ParticipantFailure__Output as _fedcredit_v1_ParticipantFailure__Output } from '../../fedcredit/v1/ParticipantFailure.ts';
import type { SecureRoundInfo as _fedcredit_v1_SecureRoundInfo, SecureRoundInfo__Output as _fedcredit_v1_SecureRoundInfo__Output } from '../../fedcredit/v1/SecureRoundInfo.ts';
import type { PrivacySpend as _fedcredit_v1_PrivacySpend, PrivacySpend__Output as _fedcredit_v1_PrivacySpend__Output } from '../../fedcredit/v1/PrivacySpend.ts';
import type { ClientDpRoundInfo as _fedcredit_v1_ClientDpRoundInfo, ClientDpRoundInfo__Output as _fedcredit_v1_ClientDpRoundInfo__Output } from '../../fedcredit/v1/ClientDpRoundInfo.ts';
import type { InvalidReceipt as _fedcredit_v1_InvalidReceipt, InvalidReceipt__Output as _fedcredit_v1_InvalidReceipt__Output } from '../../fedcredit/v1/InvalidReceipt.ts';
import type { ScoreHistogram as _fedcredit_v1_ScoreHistogram, ScoreHistogram__Output as _fedcredit_v1_ScoreHistogram__Output } from '../../fedcredit/v1/ScoreHistogram.ts';
import type { Long } from '@grpc/proto-loader';

export interface RoundReport {
  'round'?: (number);
  'participants'?: (string)[];
  'metrics'?: (_fedcredit_v1_Metrics | null);
  'trainLoss'?: (number | string);
  'seconds'?: (number | string);
  'failures'?: (_fedcredit_v1_ParticipantFailure)[];
  'finishedUnixMs'?: (number | string | Long);
  'secure'?: (_fedcredit_v1_SecureRoundInfo | null);
  'privacy'?: (_fedcredit_v1_PrivacySpend)[];
  'clientDp'?: (_fedcredit_v1_ClientDpRoundInfo | null);
  'invalidReceipts'?: (_fedcredit_v1_InvalidReceipt)[];
  'scoreHistogram'?: (_fedcredit_v1_ScoreHistogram | null);
}

export interface RoundReport__Output {
  'round': (number);
  'participants': (string)[];
  'metrics': (_fedcredit_v1_Metrics__Output | null);
  'trainLoss': (number);
  'seconds': (number);
  'failures': (_fedcredit_v1_ParticipantFailure__Output)[];
  'finishedUnixMs': (number);
  'secure': (_fedcredit_v1_SecureRoundInfo__Output | null);
  'privacy': (_fedcredit_v1_PrivacySpend__Output)[];
  'clientDp': (_fedcredit_v1_ClientDpRoundInfo__Output | null);
  'invalidReceipts': (_fedcredit_v1_InvalidReceipt__Output)[];
  'scoreHistogram': (_fedcredit_v1_ScoreHistogram__Output | null);
}
