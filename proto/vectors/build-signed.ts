/**
 * The signed-message vector: Hello, PullTask, Heartbeat and four PushResults (a plain
 * contribution, a secure-aggregation masked input, a refusal, a refusal that asks for the next
 * task in its reply) signed with bank-a's identity key.
 * For each: the request as the sender builds it, the fields the signature binds, the canonical
 * payload bytes and their SHA-256, the exact signed bytes, the Ed25519 signature, the auth block,
 * and the whole signed request in protobuf (as this implementation encodes it). The canonical
 * bytes and signed bytes come from ./canonical.ts (written from docs/protocol.md); building the
 * vector throws unless trust/signing.ts signs exactly the same bytes.
 */
import nacl from 'tweetnacl';
import type { SignedFields } from '../../trust/signing.ts';
import { payloadDigest, signFleetRequest, signedBytes } from '../../trust/signing.ts';
import type { Contribution } from '../../core/types.ts';
import { contributionToWire } from '../tensor.ts';
import { fleetSignedBytes, payloadBytes } from './canonical.ts';
import { JOB_ID, NOW_MS, identityOf } from './fixtures.ts';
import { hex, jsonSafe, sha256, unhex } from './json.ts';
import { requestRoundTrip } from './wire.ts';
import { contributionOf, stageOf } from './run-job.ts';
import { PROTOCOL_VERSION } from '../load.ts';

/** The session token the coordinator answered bank-a's Hello with. */
export const SESSION = 'mZ0s1v9Qk3T7bW2xR8yL4cN6pE5uA0gH';
/** The 16-byte Hello nonce: the first 16 bytes of SHA-256("fedcredit/vectors/hello-nonce"). */
export const HELLO_NONCE = sha256('fedcredit/vectors/hello-nonce').subarray(0, 16);

/** Inputs taken from the other vectors. */
export interface SignedInputs {
  schemaDigest: string;
  statsContribution: Contribution;
  /** bank-a's masked-input reply of the three-member secure sum (wire JSON, bytes in hex) and its run id. */
  maskedInput: { shape: number[]; data: string };
  run: string;
}

/** The inputs of the vector that come from the other vectors (the schema digest, the three-member secure sum). */
export async function signedInputs(schemaDigest: string, trio: { secaggConfig: { run: string }; steps: { message: string; replies: Record<string, unknown> }[] }): Promise<SignedInputs> {
  const reply = trio.steps.find((s) => s.message === 'share-delivery')!.replies['bank-a'] as { maskedInput: { shape: number[]; data: string } };
  return { schemaDigest, statsContribution: contributionOf(await stageOf('stats', 0), 'bank-a'), maskedInput: reply.maskedInput, run: trio.secaggConfig.run };
}

type Case = { title: string; method: SignedFields['method']; request: Record<string, unknown>; binding?: Partial<Pick<SignedFields, 'jobId' | 'round' | 'stage' | 'run'>> };

/** The vector. */
export function buildSignedVector(inputs: SignedInputs) {
  const id = identityOf('bank-a');
  const cases: Case[] = [
    { title: 'Hello', method: 'Hello', request: { name: 'bank-a', role: 'bank', clientVersion: '0.1.0', protocolVersion: PROTOCOL_VERSION, schemaDigest: inputs.schemaDigest } },
    { title: 'PullTask', method: 'PullTask', request: { session: SESSION, waitMs: 10_000 } },
    { title: 'Heartbeat', method: 'Heartbeat', request: { session: SESSION } },
    {
      title: 'PushResult with a plain contribution (stats, round 0)',
      method: 'PushResult',
      request: { session: SESSION, taskId: 'task-0001', contribution: { vectors: contributionToWire(inputs.statsContribution) } },
      binding: { jobId: JOB_ID, round: 0, stage: 'stats', run: '' },
    },
    {
      title: 'PushResult with a secure-aggregation masked input (train, round 1, answering the share-delivery step)',
      method: 'PushResult',
      request: {
        session: SESSION, taskId: 'task-0002',
        secagg: { message: 'masked-input', maskedInput: { name: 'y', dtype: 'UINT32', shape: inputs.maskedInput.shape, data: Buffer.from(unhex(inputs.maskedInput.data)) } },
      },
      binding: { jobId: JOB_ID, round: 1, stage: 'train/share-delivery', run: inputs.run },
    },
    {
      title: 'PushResult with a refusal (evaluate, round 1)',
      method: 'PushResult',
      request: { session: SESSION, taskId: 'task-0003', refusal: { code: 'schema_mismatch', reason: 'the job\'s schema differs from this node\'s schema' } },
      binding: { jobId: JOB_ID, round: 1, stage: 'evaluate', run: '' },
    },
    {
      title: 'PushResult with a refusal that asks for the next task in its reply (next_wait_ms, evaluate, round 2)',
      method: 'PushResult',
      request: { session: SESSION, taskId: 'task-0004', refusal: { code: 'schema_mismatch', reason: 'the job\'s schema differs from this node\'s schema' }, nextWaitMs: 10_000 },
      binding: { jobId: JOB_ID, round: 2, stage: 'evaluate', run: '' },
    },
  ];
  const messages = cases.map((c, i) => {
    const hello = c.method === 'Hello';
    const sequence = hello ? 0 : i;
    const now = NOW_MS + 1000 * i;
    const signed = signFleetRequest(c.request, c.method, { name: id.name, session: SESSION, sequence, binding: c.binding, key: id, nonce: HELLO_NONCE, now });
    const fields: SignedFields = {
      method: c.method, principal: hello ? id.name : SESSION, sequence, timestampMs: now, nonce: hello ? HELLO_NONCE : new Uint8Array(0),
      jobId: c.binding?.jobId ?? '', round: c.binding?.round ?? 0, stage: c.binding?.stage ?? '', run: c.binding?.run ?? '',
    };
    const canonical = payloadBytes(c.request);
    const digest = sha256(canonical);
    const bytes = fleetSignedBytes(fields, digest);
    const signature = nacl.sign.detached(bytes, id.secretKey);
    if (hex(payloadDigest(c.request)) !== hex(digest) || hex(signedBytes(fields, payloadDigest(c.request))) !== hex(bytes) || hex(signed.auth.signature) !== hex(signature)) {
      throw new Error(`${c.title}: trust/signing.ts signs other bytes than docs/protocol.md describes`);
    }
    return {
      title: c.title,
      method: c.method,
      request: jsonSafe(c.request),
      signedFields: jsonSafe(fields),
      canonicalPayload: hex(canonical),
      payloadDigest: hex(digest),
      signedBytes: hex(bytes),
      signature: hex(signature),
      auth: jsonSafe(signed.auth),
      wire: hex(requestRoundTrip('Fleet', c.method, signed).bytes),
    };
  });
  return {
    description:
      'Fleet requests signed with bank-a\'s Ed25519 identity key: for each, the request as sent (camelCase proto-loader fields, bytes in hex), ' +
      'the fields the signature binds, the canonical payload bytes and their SHA-256, the signed bytes, the signature, the auth block and the ' +
      'signed request in protobuf. Ed25519 is deterministic: re-signing gives the same signature.',
    spec: 'docs/protocol.md#message-authentication',
    identity: { name: id.name, role: 'bank', seed: hex(id.seed), publicKey: hex(id.publicKey), secretKey: hex(id.secretKey) },
    session: SESSION,
    messages,
  };
}
