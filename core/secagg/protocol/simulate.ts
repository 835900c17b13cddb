/**
 * In-memory driver of one secure-aggregation round (Bonawitz et al., CCS 2017): n client
 * machines and the server machine exchange messages directly, with a dropout schedule saying
 * which clients vanish before which stage. For tests, simulations and benchmarks; the real
 * transport (gRPC, deadlines) lives in the round engine. Pure apart from the injected Rngs.
 *
 * With `persist`, every state is saved and restored through JSON (codec.ts) between steps, and
 * every superseded client state is wiped — exercising crash/resume and buffer ownership. With an
 * authenticated config, clients get their identity from `authFor` and the ConsistencyCheck step
 * runs between MaskedInputCollection and Unmasking (Bonawitz et al. Fig. 5).
 */
import type { Rng } from '../../types.ts';
import { CoreInputError } from '../../types.ts';
import { clientStep, initClient, wipeClientState } from './client.ts';
import { decodeClientState, decodeServerState, encodeClientState, encodeServerState } from './codec.ts';
import { graphRevealsFor, initServer, serverStep } from './server.ts';
import type { ClientAuth, SecAggConfig } from './config-types.ts';
import type {
  AbortOutput,
  AggregateResult,
  ClientInput,
  ClientOutput,
  ConsistencyRequest,
  ConsistencySignatureMessage,
  Failure,
  GraphReveals,
  MaskedInputMessage,
  PeerCommitsMessage,
  PeerKeysMessage,
  ServerInput,
  ShareDelivery,
  UnmaskingMessage,
  UnmaskRequest,
} from './messages.ts';
import type { ClientState, ServerState } from './states.ts';

/** Which clients vanish (send nothing more) before each stage's reply. */
export interface DropoutSchedule {
  /** Never advertise keys. */
  advertiseKeys?: string[];
  /** Committed-graph rounds: advertise, then vanish before revealing the graph nonce. */
  graphReveal?: string[];
  /** Advertise, then vanish before sending share ciphertexts. */
  shareKeys?: string[];
  /** Share keys, then vanish before sending the masked input. */
  maskedInput?: string[];
  /** Authenticated rounds: send the masked input, then vanish before signing U3. */
  consistencyCheck?: string[];
  /** Send the masked input (and sign U3), then vanish before answering the unmask request. */
  unmasking?: string[];
}

/** Hooks that let a test play a malicious or faulty server between the machines. */
export interface Interceptors {
  /** Complete-graph rounds: rewrites the key list sent to client `to` (e.g. substitutes a peer's keys). */
  peerKeys?: (to: string, keys: PeerKeysMessage) => PeerKeysMessage;
  /** Committed-graph rounds: rewrites the announced U1 commitments sent to client `to`. */
  peerCommits?: (to: string, commits: PeerCommitsMessage) => PeerCommitsMessage;
  /** Committed-graph rounds: rewrites the graph nonces and neighbour keys sent to client `to`. */
  graphReveals?: (to: string, reveals: GraphReveals) => GraphReveals;
  /** Rewrites the consistency request sent to client `to` (e.g. a split view of U3). */
  consistencyRequest?: (to: string, r: ConsistencyRequest) => ConsistencyRequest;
  /** Rewrites a consistency signature before the server sees it. */
  consistencySignature?: (m: ConsistencySignatureMessage) => ConsistencySignatureMessage;
  /** Rewrites a share delivery before its recipient sees it (sees the current client states). */
  delivery?: (d: ShareDelivery, clients: ReadonlyMap<string, ClientState>) => ShareDelivery;
  /** Rewrites the unmask request sent to client `to`; return a list to send several requests in turn. */
  unmaskRequest?: (to: string, r: UnmaskRequest) => UnmaskRequest | UnmaskRequest[];
  /** Rewrites an Unmasking response before the server sees it. */
  unmaskingResponse?: (r: UnmaskingMessage) => UnmaskingMessage;
}

/** What to simulate. */
export interface SimulationOptions {
  config: SecAggConfig;
  /** Each participant's quantized input x_u (length config.length, values below 2^bits). */
  inputs: Record<string, Uint32Array>;
  /** The Rng of each client (crypto-backed in production, seeded in tests). */
  rngFor: (id: string) => Rng;
  dropouts?: DropoutSchedule;
  /** Save and restore every state through JSON between steps, wiping superseded client states. */
  persist?: boolean;
  intercept?: Interceptors;
  /** The identity (Ed25519 key, local roster) of each client, for authenticated rounds. */
  authFor?: (id: string) => ClientAuth | undefined;
  /** The roster the server checks signatures with (optional, see `serverStep`). */
  roster?: ReadonlyMap<string, Uint8Array>;
}

/** Everything observable about a simulated round. */
export interface SimulationResult {
  /** The server's final word: the sum over U3, or its abort. */
  outcome: AggregateResult | AbortOutput;
  /** Clients that refused to go on, with their abort outputs. */
  clientAborts: { id: string; output: AbortOutput }[];
  /** Every masked input the server received (what it sees of each y_u). */
  maskedInputs: MaskedInputMessage[];
  /** Every consistency signature the server received. */
  consistencySignatures: ConsistencySignatureMessage[];
  /** Every Unmasking response the server received (to audit what was revealed). */
  unmaskingResponses: UnmaskingMessage[];
  /** Failures the server recorded, stage by stage. */
  failures: Failure[];
  server: ServerState;
  clients: Map<string, ClientState>;
}

/** Runs one round end to end; see {@link SimulationOptions}. */
export function simulateRound(options: SimulationOptions): SimulationResult {
  const { config, inputs, rngFor, dropouts = {}, persist = false, intercept = {}, authFor = () => undefined, roster } = options;
  const clients = new Map<string, ClientState>(config.participants.map((u) => [u, initClient(config, u, authFor(u))]));
  let server: ServerState = initServer(config);
  const clientAborts: SimulationResult['clientAborts'] = [];
  const unmaskingResponses: UnmaskingMessage[] = [];
  const consistencySignatures: ConsistencySignatureMessage[] = [];
  const maskedInputs: MaskedInputMessage[] = [];
  const failures: Failure[] = [];
  const gone = new Set<string>();

  const restoreClient = (s: ClientState) => (persist ? decodeClientState(JSON.parse(JSON.stringify(encodeClientState(s)))) : s);
  const restoreServer = (s: ServerState) => (persist ? decodeServerState(JSON.parse(JSON.stringify(encodeServerState(s)))) : s);

  /** Steps client u; returns its reply, or null when it aborted. */
  const step = (u: string, input: ClientInput) => {
    const prev = clients.get(u)!;
    const { state, output } = clientStep(prev, input, rngFor(u), authFor(u));
    clients.set(u, restoreClient(state));
    if (persist && state !== prev) wipeClientState(prev);
    if (output.type === 'abort') {
      clientAborts.push({ id: u, output });
      gone.add(u);
      return null;
    }
    return output;
  };
  const live = (ids: readonly string[], vanishing: string[] | undefined) => {
    for (const u of vanishing ?? []) gone.add(u);
    return ids.filter((u) => !gone.has(u));
  };
  const advance = (input: ServerInput) => {
    const { state, output } = serverStep(server, input, roster);
    server = restoreServer(state);
    failures.push(...output.failures);
    return output;
  };
  const finish = (outcome: AggregateResult | AbortOutput): SimulationResult => ({
    outcome,
    clientAborts,
    maskedInputs,
    consistencySignatures,
    unmaskingResponses,
    failures,
    server,
    clients,
  });

  const adverts = live(config.participants, dropouts.advertiseKeys).map((u) => step(u, { type: 'begin' }));
  const announced = advance({ type: 'advertise-keys-deadline', messages: adverts.filter(isType('advertise-keys')) });
  let shares: (ClientOutput | null)[];
  let advertisers: string[];
  if (announced.type === 'peer-commits') {
    // Committed graph: U1 as commitments, then every nonce with each member's neighbours' keys.
    const commits = { type: 'peer-commits' as const, commits: announced.commits };
    advertisers = commits.commits.map((c) => c.id);
    const nonces = live(advertisers, dropouts.graphReveal).map((u) => step(u, intercept.peerCommits ? intercept.peerCommits(u, commits) : commits));
    const reveals = advance({ type: 'graph-reveal-deadline', messages: nonces.filter(isType('graph-nonce')) });
    if (reveals.type !== 'forward-reveals') return finish(reveals as AbortOutput);
    shares = live(advertisers, dropouts.shareKeys).map((u) => {
      const message = graphRevealsFor(reveals, u);
      return step(u, intercept.graphReveals ? intercept.graphReveals(u, message) : message);
    });
  } else if (announced.type === 'peer-keys') {
    const broadcast = { type: 'peer-keys' as const, keys: announced.keys };
    advertisers = broadcast.keys.map((k) => k.id);
    shares = live(advertisers, dropouts.shareKeys).map((u) => step(u, intercept.peerKeys ? intercept.peerKeys(u, broadcast) : broadcast));
  } else {
    return finish(announced as AbortOutput);
  }
  const forwarded = advance({ type: 'share-keys-deadline', messages: shares.filter(isType('share-keys')) });
  if (forwarded.type !== 'forward-shares') return finish(forwarded as AbortOutput);

  const masked = live(forwarded.shared, dropouts.maskedInput).map((u) => {
    let delivery = forwarded.deliveries.find((d) => d.to === u)!;
    if (intercept.delivery) delivery = intercept.delivery(delivery, clients);
    const input = inputs[u];
    if (input === undefined) throw new CoreInputError(`inputs holds no input vector for participant ${u}`, 'input');
    return step(u, { type: 'mask-input', delivery, input });
  });
  maskedInputs.push(...masked.filter(isType('masked-input')));
  let request = advance({ type: 'masked-input-deadline', messages: maskedInputs });
  if (request.type === 'consistency-request') {
    const check = { type: 'consistency-request' as const, survivors: request.survivors, dropped: request.dropped };
    for (const u of live(request.survivors, dropouts.consistencyCheck)) {
      const reply = step(u, intercept.consistencyRequest ? intercept.consistencyRequest(u, check) : check);
      if (reply?.type === 'consistency-signature') consistencySignatures.push(intercept.consistencySignature ? intercept.consistencySignature(reply) : reply);
    }
    request = advance({ type: 'consistency-check-deadline', messages: consistencySignatures });
  }
  if (request.type !== 'unmask-request') return finish(request as AbortOutput);

  const { signatures } = request;
  for (const u of live(signatures ? signatures.map((x) => x.id) : request.survivors, dropouts.unmasking)) {
    const base = { type: 'unmask-request' as const, survivors: request.survivors, dropped: request.dropped, ...(signatures ? { signatures } : {}) };
    const sent = intercept.unmaskRequest ? intercept.unmaskRequest(u, base) : base;
    for (const r of Array.isArray(sent) ? sent : [sent]) {
      const reply = step(u, r);
      if (reply?.type === 'unmasking') unmaskingResponses.push(intercept.unmaskingResponse ? intercept.unmaskingResponse(reply) : reply);
      if (!reply) break;
    }
  }
  const outcome = advance({ type: 'unmasking-deadline', messages: unmaskingResponses });
  return finish(outcome as AggregateResult | AbortOutput);
}

function isType<T extends string>(type: T) {
  return <M extends { type: string } | null>(m: M): m is Extract<NonNullable<M>, { type: T }> => m !== null && m.type === type;
}
