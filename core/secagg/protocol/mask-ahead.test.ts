import { describe, expect, it } from 'vitest';
import { MASK_CHUNK_WORDS } from '../prg.ts';
import { clientStep, initClient } from './client.ts';
import { openMaskAhead } from './mask-ahead.ts';
import type { MaskAhead } from './mask-ahead.ts';
import { graphRevealsFor, initServer, serverStep } from './server.ts';
import { plainSum, randomInputs, rngFactory, testConfig, testIdentities } from '../../../test/support/secagg-protocol.ts';
import type { ClientInput, ClientOutput, MaskedInputMessage } from './messages.ts';
import type { ServerOutput } from './messages.ts';
import type { ClientState, ServerState } from './states.ts';

const ids = Array.from({ length: 8 }, (_, i) => `inst-${i}`);
// Two whole chunks and a piece, so that a mask computed ahead crosses chunk boundaries.
const length = 2 * MASK_CHUNK_WORDS + 5;

/**
 * One authenticated secure sum with a committed graph (k = 4), driven in memory up to the point
 * where every member waits for its share delivery. `silent` members advertise keys and reveal
 * their graph nonces but never share keys, so their neighbours hold agreements with members
 * outside U2.
 */
function upToMasking(silent: string[] = []) {
  const config = testConfig(ids, 3, { graph: { kind: 'committed', k: 4 }, length, authenticated: true, run: 'ahead-run' });
  const auth = testIdentities(ids, 5);
  const rng = rngFactory(6);
  const states = new Map<string, ClientState>(ids.map((u) => [u, initClient(config, u, auth.authFor(u))]));
  const step = (u: string, input: ClientInput): ClientOutput => {
    const { state, output } = clientStep(states.get(u)!, input, rng(u), auth.authFor(u));
    states.set(u, state);
    if (output.type === 'abort') throw new Error(`${u}: ${output.reason}`);
    return output;
  };
  let server: ServerState = initServer(config);
  const serve = (input: Parameters<typeof serverStep>[1]): ServerOutput => {
    const o = serverStep(server, input, auth.roster);
    server = o.state;
    return o.output;
  };
  const adverts = serve({ type: 'advertise-keys-deadline', messages: ids.map((u) => step(u, { type: 'begin' })) as never });
  if (adverts.type !== 'peer-commits') throw new Error(adverts.type);
  const nonces = serve({ type: 'graph-reveal-deadline', messages: ids.map((u) => step(u, adverts)) as never });
  if (nonces.type !== 'forward-reveals') throw new Error(nonces.type);
  const sharing = ids.filter((u) => !silent.includes(u));
  const shares = serve({
    type: 'share-keys-deadline',
    messages: sharing.map((u) => step(u, graphRevealsFor(nonces, u))) as never,
  });
  if (shares.type !== 'forward-shares') throw new Error(shares.type);
  const inputs = randomInputs(ids, length, 32, rngFactory(7)('x'));
  return { config, auth, rng, states, step, serve, shares, sharing, inputs };
}

describe('a mask computed ahead', () => {
  it('masks to the same y as computing every term at masking, whether or not all neighbours reached U2', () => {
    for (const silent of [[], ['inst-3']]) {
      const { states, shares, sharing, inputs, auth, rng } = upToMasking(silent);
      let corrected = 0;
      for (const u of sharing) {
        const state = states.get(u)!;
        if (state.stage !== 'masked-input') throw new Error(state.stage);
        if (state.inboundKeys.some((k) => silent.includes(k.from))) corrected++;
        const delivery = shares.deliveries.find((d) => d.to === u)!;
        const atOnce = clientStep(state, { type: 'mask-input', delivery, input: inputs[u]! }, rng(u), auth.authFor(u));
        const ahead = openMaskAhead(state)!;
        expect(ahead.done).toBe(false);
        ahead.advance(1); // part of it ahead, the rest at masking
        const fromAhead = clientStep(state, { type: 'mask-input', delivery, input: inputs[u]!, ahead }, rng(u), auth.authFor(u));
        expect(fromAhead.output.type).toBe('masked-input');
        expect(Buffer.from((fromAhead.output as MaskedInputMessage).y.buffer).equals(Buffer.from((atOnce.output as MaskedInputMessage).y.buffer))).toBe(true);
      }
      // With a silent member, its neighbours took its terms out of their masks.
      expect(corrected).toBe(silent.length === 0 ? 0 : 4);
    }
  });

  it('sums to the survivors\' plain sum when every member masks from one', () => {
    const { states, shares, sharing, inputs, step, serve, config } = upToMasking(['inst-6']);
    const masked = sharing.map((u) => {
      const ahead = openMaskAhead(states.get(u)!)!;
      while (!ahead.advance(1));
      return step(u, { type: 'mask-input', delivery: shares.deliveries.find((d) => d.to === u)!, input: inputs[u]!, ahead });
    });
    const check = serve({ type: 'masked-input-deadline', messages: masked as never });
    if (check.type !== 'consistency-request') throw new Error(check.type);
    const unmask = serve({ type: 'consistency-check-deadline', messages: check.survivors.map((u) => step(u, check)) as never });
    if (unmask.type !== 'unmask-request') throw new Error(unmask.type);
    const done = serve({ type: 'unmasking-deadline', messages: (unmask.signatures ?? []).map((s) => step(s.id, unmask)) as never });
    if (done.type !== 'result') throw new Error(done.type);
    expect(Array.from(done.sum)).toEqual(Array.from(plainSum(inputs, sharing, config.length, 32)));
  });

  it('is accepted only for the state it was computed for, once', () => {
    const { states, shares, inputs, auth, rng } = upToMasking();
    const [a, b] = ['inst-0', 'inst-1'].map((u) => states.get(u)!);
    const at = (state: ClientState, input: ClientInput) => clientStep(state, input, rng(state.id), auth.authFor(state.id));
    const masking = (u: string, ahead: MaskAhead) => ({ type: 'mask-input' as const, delivery: shares.deliveries.find((d) => d.to === u)!, input: inputs[u]!, ahead });
    const forA = openMaskAhead(a!)!;
    expect(() => at(b!, masking('inst-1', forA))).toThrow(/another state/);
    expect(at(a!, masking('inst-0', forA)).output.type).toBe('masked-input');
    expect(() => at(a!, masking('inst-0', forA))).toThrow(/used already/);
    const wiped = openMaskAhead(a!)!;
    wiped.wipe();
    expect(() => wiped.advance(1)).toThrow(/wiped/);
    expect(() => at(a!, masking('inst-0', wiped))).toThrow(/wiped/);
    const forged: MaskAhead = { done: true, advance: () => true, wipe: () => {} };
    expect(() => at(a!, masking('inst-0', forged))).toThrow(/not computed ahead/);
  });

  it('exists only while a member waits for its share delivery', () => {
    const config = testConfig(ids, 3, { length });
    expect(openMaskAhead(initClient(config, 'inst-0'))).toBeUndefined();
  });
});
