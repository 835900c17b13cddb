// Original file: proto/fedcredit/v1/fedcredit.proto


export interface HelloRequest {
  'name'?: (string);
  'role'?: (string);
  'clientVersion'?: (string);
  'protocolVersion'?: (number);
  'schemaDigest'?: (string);
}

export interface HelloRequest__Output {
  'name': (string);
  'role': (string);
  'clientVersion': (string);
  'protocolVersion': (number);
  'schemaDigest': (string);
}
