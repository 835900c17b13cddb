/**
 * Protobuf encoding for the vectors: the serializers grpc-js itself uses (the @grpc/proto-loader
 * package definition with the options of proto/load.ts), so a vector's wire bytes and decoded
 * objects are exactly what a coordinator or participant of this implementation sends and sees.
 */
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_PATH } from '../load.ts';

type Serde = {
  requestSerialize(v: object): Buffer;
  requestDeserialize(b: Buffer): Record<string, unknown>;
  responseSerialize(v: object): Buffer;
  responseDeserialize(b: Buffer): Record<string, unknown>;
};

let def: protoLoader.PackageDefinition | undefined;

/** The package definition, loaded as proto/load.ts loads it (camelCase fields, defaults filled in). */
export function packageDefinition(): protoLoader.PackageDefinition {
  def ??= protoLoader.loadSync(PROTO_PATH, { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true });
  return def;
}

function method(service: 'Fleet' | 'Control', name: string): Serde {
  const s = packageDefinition()[`fedcredit.v1.${service}`] as unknown as Record<string, Serde>;
  const m = s[name];
  if (!m) throw new Error(`no method ${service}.${name}`);
  return m;
}

/** Encodes a request of `service.name` and decodes it again as the server sees it. */
export function requestRoundTrip(service: 'Fleet' | 'Control', name: string, request: object): { bytes: Uint8Array; decoded: Record<string, unknown> } {
  const m = method(service, name);
  const bytes = m.requestSerialize(request);
  return { bytes: new Uint8Array(bytes), decoded: m.requestDeserialize(bytes) };
}

/** Encodes a response of `service.name` and decodes it again as the client sees it. */
export function responseRoundTrip(service: 'Fleet' | 'Control', name: string, response: object): { bytes: Uint8Array; decoded: Record<string, unknown> } {
  const m = method(service, name);
  const bytes = m.responseSerialize(response);
  return { bytes: new Uint8Array(bytes), decoded: m.responseDeserialize(bytes) };
}

/** Decodes request bytes of `service.name` as grpc-js hands them to the server's handler. */
export function decodeRequest(service: 'Fleet' | 'Control', name: string, bytes: Uint8Array): Record<string, unknown> {
  return method(service, name).requestDeserialize(Buffer.from(bytes));
}
