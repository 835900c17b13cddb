// Original file: proto/fedcredit/v1/fedcredit.proto


export interface Metrics {
  'auc'?: (number | string);
  'ks'?: (number | string);
  'gini'?: (number | string);
  'logLoss'?: (number | string);
  'brier'?: (number | string);
  'n'?: (number | string);
  'positives'?: (number | string);
}

export interface Metrics__Output {
  'auc': (number);
  'ks': (number);
  'gini': (number);
  'logLoss': (number);
  'brier': (number);
  'n': (number);
  'positives': (number);
}
