/**
 * Persistence of the secure-aggregation stage machines (Bonawitz et al., CCS 2017): every saved
 * state has a zod schema, so a crash can resume or abort cleanly. A saved state is JSON-safe: byte arrays become padded base64 (RFC 4648 §4), Uint32Array vectors base64 of their
 * little-endian bytes. One zod codec per side both validates and converts, so encode and decode
 * cannot drift apart. Decoding re-checks the config (`validateConfig`) as well as the shape.
 *
 * A persisted client state holds secrets (secret keys, seeds, share-decryption keys): store it
 * where the participant stores its own private data, never with the coordinator. It never holds
 * the participant's identity key or roster (those are passed to every step, not kept).
 */
import { z } from 'zod';
import { base64ToBytes, bytesToBase64 } from '../../strategy/state.ts';
import { CoreInputError } from '../../types.ts';
import { X25519_BYTES } from '../keys.ts';
import { SHARE_BYTES } from '../shamir.ts';
import { SIGNATURE_BYTES } from './advert.ts';
import { validateConfig } from './config.ts';
import type { SecAggConfig } from './config-types.ts';
import type { ClientState, ServerState } from './states.ts';
import { GRAPH_NONCE_BYTES, SELF_SEED_BYTES } from './config-types.ts';

/**
 * Version of the persisted state layout. 2: a client waiting for its share delivery
 * (`masked-input`) keeps U1's ids and only its share holders' public keys. 3: a client waiting
 * for the graph reveals (`graph-reveal`) keeps U1 as (id, graph commitment), without keys.
 */
export const STATE_FORMAT_VERSION = 3;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const base64 = z.string().regex(BASE64, 'not padded base64');

const bytes = (length?: number) =>
  z.codec(
    base64,
    z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'must be bytes').refine((b) => length === undefined || b.length === length, `must be ${length} bytes`),
    { decode: (s) => base64ToBytes(s), encode: (b) => bytesToBase64(b) },
  );

const words = z.codec(
  base64.refine((s) => base64ToBytes(s).length % 4 === 0, 'not a whole number of uint32 words'),
  z.custom<Uint32Array>((v) => v instanceof Uint32Array, 'must be a Uint32Array'),
  {
    decode: (s) => {
      const b = base64ToBytes(s);
      const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      return Uint32Array.from({ length: b.length / 4 }, (_, i) => view.getUint32(4 * i, true));
    },
    encode: (w) => {
      const b = new Uint8Array(4 * w.length);
      const view = new DataView(b.buffer);
      for (let i = 0; i < w.length; i++) view.setUint32(4 * i, w[i]!, true);
      return bytesToBase64(b);
    },
  },
);

const id = z.string().min(1);
const ids = z.array(id);
const key = bytes(X25519_BYTES);
const stage = z.enum(['advertise-keys', 'graph-reveal', 'share-keys', 'masked-input', 'consistency-check', 'unmasking', 'done', 'aborted']);

/** Zod schema of a round configuration (shape only; `validateConfig` checks the semantics). */
export const SecAggConfigSchema = z
  .object({
    run: z.string().min(1),
    round: z.number().int().min(0).max(0xffffffff),
    participants: ids.min(1),
    threshold: z.number().int().min(1),
    bits: z.number().int().min(1).max(32),
    length: z.number().int().min(1),
    graph: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('complete') }).strict(),
      z.object({ kind: z.literal('explicit'), adjacency: z.record(z.string(), ids) }).strict(),
      z.object({ kind: z.literal('committed'), k: z.number().int().min(1) }).strict(),
    ]),
    authenticated: z.boolean().optional(),
  })
  .strict();

const publicKeys = z.object({ id, cPk: key, sPk: key, signature: bytes(SIGNATURE_BYTES).optional(), commit: bytes(GRAPH_NONCE_BYTES).optional() }).strict();
const graphCommit = z.object({ id, commit: bytes(GRAPH_NONCE_BYTES) }).strict();
const revealed = z.object({ owner: id, share: bytes(SHARE_BYTES) }).strict();
const common = { id, config: SecAggConfigSchema };
const awaitingUnmask = {
  advertised: ids,
  shared: ids,
  ownSelfShare: bytes(SHARE_BYTES),
  inbox: z.array(z.object({ from: id, key: bytes(32), ciphertext: bytes() }).strict()),
};

/** Zod codec of a {@link ClientState}: decodes the JSON form, encodes the in-memory form. */
export const ClientStateSchema = z.discriminatedUnion('stage', [
  z.object({ stage: z.literal('advertise-keys'), ...common }).strict(),
  z
    .object({ stage: z.literal('share-keys'), ...common, cPk: key, cSk: key, sPk: key, sSk: key, selfSeed: bytes(SELF_SEED_BYTES), nonce: bytes(GRAPH_NONCE_BYTES).optional() })
    .strict(),
  z
    .object({ stage: z.literal('graph-reveal'), ...common, cPk: key, cSk: key, sPk: key, sSk: key, selfSeed: bytes(SELF_SEED_BYTES), commits: z.array(graphCommit) })
    .strict(),
  z
    .object({
      stage: z.literal('masked-input'),
      ...common,
      advertised: ids,
      peers: z.array(publicKeys),
      sSk: key,
      selfSeed: bytes(SELF_SEED_BYTES),
      ownSelfShare: bytes(SHARE_BYTES),
      inboundKeys: z.array(z.object({ from: id, key: bytes(32) }).strict()),
    })
    .strict(),
  z.object({ stage: z.literal('consistency-check'), ...common, ...awaitingUnmask }).strict(),
  z.object({ stage: z.literal('unmasking'), ...common, ...awaitingUnmask, signed: ids.optional() }).strict(),
  z
    .object({
      stage: z.literal('done'),
      ...common,
      answered: z.object({ survivors: ids, dropped: ids }).strict(),
      response: z
        .object({ type: z.literal('unmasking'), from: id, selfMaskShares: z.array(revealed), keyShares: z.array(revealed) })
        .strict(),
    })
    .strict(),
  z.object({ stage: z.literal('aborted'), ...common, at: stage, reason: z.string() }).strict(),
]);

const server = { config: SecAggConfigSchema };
const summed = { keys: z.array(publicKeys), shared: ids, survivors: ids, maskedSum: words };

/** Zod codec of a {@link ServerState}: decodes the JSON form, encodes the in-memory form. */
export const ServerStateSchema = z.discriminatedUnion('stage', [
  z.object({ stage: z.literal('advertise-keys'), ...server }).strict(),
  z.object({ stage: z.literal('graph-reveal'), ...server, keys: z.array(publicKeys) }).strict(),
  z.object({ stage: z.literal('share-keys'), ...server, keys: z.array(publicKeys) }).strict(),
  z.object({ stage: z.literal('masked-input'), ...server, keys: z.array(publicKeys), shared: ids }).strict(),
  z.object({ stage: z.literal('consistency-check'), ...server, ...summed }).strict(),
  z.object({ stage: z.literal('unmasking'), ...server, ...summed, signers: ids.optional() }).strict(),
  z.object({ stage: z.literal('done'), ...server, survivors: ids, sum: words }).strict(),
  z.object({ stage: z.literal('aborted'), ...server, at: stage, reason: z.string() }).strict(),
]);

const ClientEnvelope = z.object({ version: z.literal(STATE_FORMAT_VERSION), client: ClientStateSchema }).strict();
const ServerEnvelope = z.object({ version: z.literal(STATE_FORMAT_VERSION), server: ServerStateSchema }).strict();

/** JSON-safe persisted form of a client state. */
export type EncodedClientState = z.input<typeof ClientEnvelope>;
/** JSON-safe persisted form of a server state. */
export type EncodedServerState = z.input<typeof ServerEnvelope>;

// Compile-time proof that the schemas and the hand-written state types describe the same data.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const clientTypesAgree: Same<z.output<typeof ClientStateSchema>, ClientState> = true;
const serverTypesAgree: Same<z.output<typeof ServerStateSchema>, ServerState> = true;
void clientTypesAgree;
void serverTypesAgree;

/** The JSON-safe form of a client state (nothing is wiped; the caller owns both copies). */
export function encodeClientState(state: ClientState): EncodedClientState {
  return z.encode(ClientEnvelope, { version: STATE_FORMAT_VERSION, client: state });
}

/**
 * Parses a persisted client state. Throws {@link CoreInputError} (`data`, with the zod error as
 * `cause`) when the shape is wrong, or the `config.*` / `id` error when the config is invalid or
 * the id is not a participant.
 */
export function decodeClientState(data: unknown): ClientState {
  const parsed = ClientEnvelope.safeParse(data);
  if (!parsed.success) throw invalid('client', parsed.error);
  const state = parsed.data.client as ClientState;
  checkConfig(state.config);
  if (!state.config.participants.includes(state.id)) throw new CoreInputError(`${state.id} is not a participant`, 'id');
  return state;
}

/** The JSON-safe form of a server state. */
export function encodeServerState(state: ServerState): EncodedServerState {
  return z.encode(ServerEnvelope, { version: STATE_FORMAT_VERSION, server: state });
}

/** Parses a persisted server state; errors as for {@link decodeClientState}. */
export function decodeServerState(data: unknown): ServerState {
  const parsed = ServerEnvelope.safeParse(data);
  if (!parsed.success) throw invalid('server', parsed.error);
  const state = parsed.data.server as ServerState;
  checkConfig(state.config);
  return state;
}

function invalid(side: string, error: z.ZodError): CoreInputError {
  const first = error.issues[0];
  const where = first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'unknown problem';
  return new CoreInputError(`not a valid saved secure-aggregation ${side} state (${where})`, 'data', { cause: error });
}

function checkConfig(config: SecAggConfig): void {
  validateConfig(config);
}
