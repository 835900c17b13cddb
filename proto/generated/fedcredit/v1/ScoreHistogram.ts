// Original file: proto/fedcredit/v1/fedcredit.proto


export interface ScoreHistogram {
  'bins'?: (number);
  'negatives'?: (number | string)[];
  'positives'?: (number | string)[];
  'noised'?: (boolean);
}

export interface ScoreHistogram__Output {
  'bins': (number);
  'negatives': (number)[];
  'positives': (number)[];
  'noised': (boolean);
}
