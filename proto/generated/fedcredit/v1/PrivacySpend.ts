// Original file: proto/fedcredit/v1/fedcredit.proto


export interface PrivacySpend {
  'participant'?: (string);
  'epsilonRound'?: (number | string);
  'epsilonTotal'?: (number | string);
  'delta'?: (number | string);
  'budgetEpsilon'?: (number | string);
  'signatureValid'?: (boolean);
  'receiptJson'?: (string);
  'epsilonJob'?: (number | string);
  'verifiedAgainstRoster'?: (boolean);
  'signerPublicKey'?: (string);
  'stage'?: (string);
}

export interface PrivacySpend__Output {
  'participant': (string);
  'epsilonRound': (number);
  'epsilonTotal': (number);
  'delta': (number);
  'budgetEpsilon': (number);
  'signatureValid': (boolean);
  'receiptJson': (string);
  'epsilonJob': (number);
  'verifiedAgainstRoster': (boolean);
  'signerPublicKey': (string);
  'stage': (string);
}
