/**
 * Persistence of the Bonawitz et al. (CCS 2017) stage machines: a round saved to JSON mid-protocol
 * (every client and the server "crash") resumes from the decoded states and still yields the exact
 * sum; malformed saved states are rejected with named errors; the share plaintext codec is strict.
 */
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../random.ts';
import { isAllZero } from '../keys.ts';
import { clientStep, initClient, wipeClientState } from './client.ts';
import { decodeClientState, decodeServerState, encodeClientState, encodeServerState, STATE_FORMAT_VERSION } from './codec.ts';
import { decodeSharePlaintext, encodeSharePlaintext } from './plaintext.ts';
import { initServer, serverStep } from './server.ts';
import { simulateRound } from './simulate.ts';
import { plainSum, randomInputs, rngFactory, testConfig } from '../../../test/support/secagg-protocol.ts';
import type { ClientOutput } from './messages.ts';
import type { ClientState, ServerState } from './states.ts';
import { errorOf as thrown } from '../../../test/support/core.ts';

const IDS = ['bank-a', 'bank-b', 'customs', 'platform', 'bank-c'];
const config = testConfig(IDS, 3, { length: 12, bits: 32 });
const inputs = randomInputs(IDS, 12, 32, seededRng(21));

/** Saves every state to one JSON string and restores it, as a coordinator and nodes restarting would. */
function crashAndRestore(clients: Map<string, ClientState>, server: ServerState) {
  const disk = JSON.stringify({
    clients: [...clients].map(([id, s]) => [id, encodeClientState(s)]),
    server: encodeServerState(server),
  });
  for (const s of clients.values()) wipeClientState(s); // the old process's memory is gone
  const saved = JSON.parse(disk) as { clients: [string, unknown][]; server: unknown };
  return {
    clients: new Map(saved.clients.map(([id, s]) => [id, decodeClientState(s)])),
    server: decodeServerState(saved.server),
  };
}

describe('resumability', () => {
  it('a round interrupted after every stage resumes from JSON and yields the exact sum', () => {
    const rng = rngFactory(8);
    let clients = new Map<string, ClientState>(IDS.map((u) => [u, initClient(config, u)]));
    let server: ServerState = initServer(config);
    const stepAll = (ids: string[], input: (u: string) => Parameters<typeof clientStep>[1]) =>
      ids.map((u) => {
        const { state, output } = clientStep(clients.get(u)!, input(u), rng(u));
        clients.set(u, state);
        return output;
      });
    const ok = <T extends ClientOutput['type']>(outs: ClientOutput[], type: T) =>
      outs.filter((o): o is Extract<ClientOutput, { type: T }> => o.type === type);

    const adverts = ok(stepAll(IDS, () => ({ type: 'begin' })), 'advertise-keys');
    ({ clients, server } = crashAndRestore(clients, server));
    const keys = serverStep(server, { type: 'advertise-keys-deadline', messages: adverts });
    ({ clients, server } = crashAndRestore(clients, keys.state));
    if (keys.output.type !== 'peer-keys') throw new Error(keys.output.type);
    const peerKeys = keys.output;
    const shares = ok(stepAll(IDS.filter((u) => u !== 'customs'), () => peerKeys), 'share-keys');
    ({ clients, server } = crashAndRestore(clients, server));
    const fwd = serverStep(server, { type: 'share-keys-deadline', messages: shares });
    ({ clients, server } = crashAndRestore(clients, fwd.state));
    if (fwd.output.type !== 'forward-shares') throw new Error(fwd.output.type);
    const deliveries = fwd.output.deliveries;
    const masked = ok(
      stepAll(['bank-a', 'bank-b', 'platform'], (u) => ({ type: 'mask-input', delivery: deliveries.find((d) => d.to === u)!, input: inputs[u]! })),
      'masked-input',
    );
    ({ clients, server } = crashAndRestore(clients, server));
    const req = serverStep(server, { type: 'masked-input-deadline', messages: masked });
    ({ clients, server } = crashAndRestore(clients, req.state));
    if (req.output.type !== 'unmask-request') throw new Error(req.output.type);
    expect(req.output.dropped).toEqual(['bank-c']);
    const request = req.output;
    const answers = ok(stepAll(['bank-a', 'platform', 'bank-b'], () => request), 'unmasking');
    ({ clients, server } = crashAndRestore(clients, server));
    const result = serverStep(server, { type: 'unmasking-deadline', messages: answers });
    expect(result.output.type).toBe('result');
    if (result.output.type === 'result') {
      expect(Array.from(result.output.sum)).toEqual(Array.from(plainSum(inputs, ['bank-a', 'bank-b', 'platform'], 12, 32)));
    }
    const done = decodeServerState(JSON.parse(JSON.stringify(encodeServerState(result.state))));
    expect(done).toEqual(result.state);
  });

  it('persisting between every step changes nothing: same messages, same sum', () => {
    const opts = { config, inputs, dropouts: { maskedInput: ['customs'], unmasking: ['bank-a'] } };
    const plain = simulateRound({ ...opts, rngFor: rngFactory(9) });
    const saved = simulateRound({ ...opts, rngFor: rngFactory(9), persist: true });
    expect(saved.outcome).toEqual(plain.outcome);
    expect(saved.maskedInputs).toEqual(plain.maskedInputs);
    expect(saved.outcome.type).toBe('result');
  });

  it('wiping a superseded state zeroes its secrets and leaves the successor intact', () => {
    const s0 = clientStep(initClient(config, 'bank-a'), { type: 'begin' }, seededRng(1)).state;
    if (s0.stage !== 'share-keys') throw new Error(s0.stage);
    const copy = decodeClientState(encodeClientState(s0));
    wipeClientState(s0);
    expect([s0.cSk, s0.sSk, s0.selfSeed].every(isAllZero)).toBe(true);
    if (copy.stage !== 'share-keys') throw new Error(copy.stage);
    expect(isAllZero(copy.sSk)).toBe(false);
  });
});

describe('saved-state validation', () => {
  const saved = () => JSON.parse(JSON.stringify(encodeClientState(clientStep(initClient(config, 'bank-a'), { type: 'begin' }, seededRng(2)).state)));

  it('encodes bytes as base64 strings and round-trips exactly', () => {
    const data = saved();
    expect(typeof data.client.cSk).toBe('string');
    expect(JSON.parse(JSON.stringify(encodeClientState(decodeClientState(data))))).toEqual(data);
  });

  it('rejects malformed saved states with a CoreInputError naming the field', () => {
    expect(thrown(() => decodeClientState({})).parameter).toBe('data');
    // A layout of another version is refused as a whole, never read field by field.
    expect(thrown(() => decodeClientState({ ...saved(), version: STATE_FORMAT_VERSION + 1 })).parameter).toBe('data');
    expect(thrown(() => decodeClientState({ ...saved(), version: STATE_FORMAT_VERSION - 1 })).parameter).toBe('data');
    const short = saved();
    short.client.sSk = 'AAAA';
    expect(thrown(() => decodeClientState(short)).message).toMatch(/client\.sSk: must be 32 bytes/);
    const junk = saved();
    junk.client.selfSeed = 'not base64!';
    expect(thrown(() => decodeClientState(junk)).message).toMatch(/selfSeed: not padded base64/);
    const extra = saved();
    extra.client.stolen = 'x';
    expect(thrown(() => decodeClientState(extra)).parameter).toBe('data');
    const badConfig = saved();
    badConfig.client.config.threshold = 9;
    expect(thrown(() => decodeClientState(badConfig)).parameter).toBe('config.threshold');
    const stranger = saved();
    stranger.client.id = 'mallory';
    expect(thrown(() => decodeClientState(stranger)).parameter).toBe('id');
    expect(thrown(() => decodeServerState({ version: STATE_FORMAT_VERSION, server: { stage: 'done', config, survivors: [], sum: 'AAA=' } })).message).toMatch(/uint32/);
  });
});

describe('share plaintext codec', () => {
  const p = { run: 'r', round: 4, src: 'bänk', dst: 'b', stage: 'share-keys', selfMaskShare: Uint8Array.from([1, 2]), keyShare: Uint8Array.from([3]) };

  it('round-trips', () => {
    expect(decodeSharePlaintext(encodeSharePlaintext(p))).toEqual(p);
  });

  it('rejects truncation, trailing bytes and unknown versions', () => {
    const bytes = encodeSharePlaintext(p);
    expect(thrown(() => decodeSharePlaintext(bytes.subarray(0, bytes.length - 1))).parameter).toBe('plaintext');
    expect(thrown(() => decodeSharePlaintext(Uint8Array.from([...bytes, 0]))).parameter).toBe('plaintext');
    expect(thrown(() => decodeSharePlaintext(Uint8Array.from([2, ...bytes.subarray(1)]))).parameter).toBe('plaintext');
  });
});
