// Original file: proto/fedcredit/v1/fedcredit.proto


export interface SecureRoundInfo {
  'participants'?: (number);
  'survivors'?: (number);
  'threshold'?: (number);
  'neighbours'?: (number);
  'modulusBits'?: (number);
  'clipped'?: (number | string);
  'words'?: (number);
  'authenticated'?: (boolean);
}

export interface SecureRoundInfo__Output {
  'participants': (number);
  'survivors': (number);
  'threshold': (number);
  'neighbours': (number);
  'modulusBits': (number);
  'clipped': (number);
  'words': (number);
  'authenticated': (boolean);
}
