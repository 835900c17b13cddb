// Original file: proto/fedcredit/v1/fedcredit.proto


export interface ClientDpRoundInfo {
  'noise'?: (string);
  'clipNorm'?: (number | string);
  'noiseMultiplier'?: (number | string);
  'survivors'?: (number);
  'adaptive'?: (boolean);
  'unclippedFraction'?: (number | string);
}

export interface ClientDpRoundInfo__Output {
  'noise': (string);
  'clipNorm': (number);
  'noiseMultiplier': (number);
  'survivors': (number);
  'adaptive': (boolean);
  'unclippedFraction': (number);
}
