/**
 * Full rounds of the Bonawitz et al. (CCS 2017) stage machines: named dropout scenarios with
 * their exact outcomes, uniformity of masked vectors (chi-square), purity of the step functions,
 * and input validation of the config, the server driver and the client's own vector.
 */
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../random.ts';
import { clientStep, initClient } from './client.ts';
import { encodeClientState, encodeServerState } from './codec.ts';
import { initServer, serverStep } from './server.ts';
import { simulateRound } from './simulate.ts';
import type { DropoutSchedule } from './simulate.ts';
import { chiSquareUniform, emptyGraph, plainSum, randomInputs, rngFactory, testConfig, topByteCounts } from '../../../test/support/secagg-protocol.ts';
import { errorOf } from '../../../test/support/core.ts';

const IDS = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];

describe('named dropout scenarios (n = 6, t = 4)', () => {
  const config = testConfig(IDS, 4, { length: 10, bits: 16 });
  const inputs = randomInputs(IDS, 10, 16, seededRng(1));
  const run = (dropouts: DropoutSchedule) => simulateRound({ config, inputs, rngFor: rngFactory(2), dropouts });
  const sumOf = (ids: string[]) => Array.from(plainSum(inputs, ids, 10, 16));

  it('no dropouts: the sum of all six', () => {
    const res = run({});
    expect(res.outcome).toMatchObject({ type: 'result', survivors: IDS });
    if (res.outcome.type === 'result') expect(Array.from(res.outcome.sum)).toEqual(sumOf(IDS));
    expect(res.failures).toEqual([]);
  });

  it('one dropout at every stage (t = 2): the sum over U3 = {p4, p5, p6}', () => {
    const res = simulateRound({
      config: { ...config, threshold: 2 },
      inputs,
      rngFor: rngFactory(2),
      dropouts: { advertiseKeys: ['p1'], shareKeys: ['p2'], maskedInput: ['p3'], unmasking: ['p4'] },
    });
    expect(res.outcome).toMatchObject({ type: 'result', survivors: ['p4', 'p5', 'p6'] });
    if (res.outcome.type === 'result') expect(Array.from(res.outcome.sum)).toEqual(sumOf(['p4', 'p5', 'p6']));
    expect(res.failures.map((f) => `${f.stage}:${f.participant}`)).toEqual([
      'advertise-keys:p1',
      'share-keys:p2',
      'masked-input:p3',
      'unmasking:p4',
    ]);
  });

  it('a dropout after masking is unmasked through its key shares; its input is excluded', () => {
    const res = run({ maskedInput: ['p2', 'p5'] });
    const survivors = ['p1', 'p3', 'p4', 'p6'];
    expect(res.outcome).toMatchObject({ type: 'result', survivors });
    if (res.outcome.type === 'result') expect(Array.from(res.outcome.sum)).toEqual(sumOf(survivors));
    expect(res.unmaskingResponses.every((r) => r.keyShares.map((s) => s.owner).join() === 'p2,p5')).toBe(true);
  });

  it.each([
    [{ advertiseKeys: ['p1', 'p2', 'p3'] }, 'advertise-keys: only 3 of the required 4 participants advertised keys'],
    [{ shareKeys: ['p1', 'p2', 'p3'] }, 'share-keys: only 3 of the required 4 participants shared keys'],
    [{ advertiseKeys: ['p1'], maskedInput: ['p2', 'p3'] }, 'masked-input: only 3 of the required 4 participants sent masked inputs'],
    [{ unmasking: ['p1', 'p2', 'p3'] }, 'unmasking: only 3 of the required 4 participants answered'],
  ] as [DropoutSchedule, string][])('too few survivors %j: abort "%s", no sum', (dropouts, reason) => {
    const res = run(dropouts);
    expect(res.outcome).toMatchObject({ type: 'abort', reason });
    expect(res.server.stage).toBe('aborted');
    expect(JSON.stringify(encodeServerState(res.server))).not.toContain('"sum"');
  });
});

describe('masked vectors look uniform', () => {
  it.each([32, 16])('chi-square of the top byte of y_u for a constant x_u (bits = %i)', (bits) => {
    const ids = ['a', 'b', 'c'];
    const length = 4096;
    const x = new Uint32Array(length).fill(bits === 32 ? 0xdeadbeef : 0xbeef);
    const res = simulateRound({
      config: testConfig(ids, 2, { bits, length }),
      inputs: Object.fromEntries(ids.map((u) => [u, x])),
      rngFor: rngFactory(bits),
    });
    const ys = res.maskedInputs.map((m) => m.y);
    expect(ys).toHaveLength(3);
    // 255 degrees of freedom: mean 255, sd 22.6; 360 is beyond the 99.99th percentile.
    for (const y of ys) expect(chiSquareUniform(topByteCounts([y], bits))).toBeLessThan(360);
    // The statistic does detect structure: the unmasked constant input fails it by far.
    expect(chiSquareUniform(topByteCounts([x], bits))).toBeGreaterThan(100_000);
    // And the server still recovers the exact sum.
    if (res.outcome.type === 'result') expect(res.outcome.sum[0]).toBe((3 * x[0]!) % 2 ** bits);
    else throw new Error(res.outcome.reason);
  });
});

describe('step functions are pure', () => {
  it('never mutate their input state', () => {
    const config = testConfig(['a', 'b'], 2);
    const rng = rngFactory(3);
    const a0 = initClient(config, 'a');
    const b0 = initClient(config, 'b');
    const a1 = clientStep(a0, { type: 'begin' }, rng('a'));
    const b1 = clientStep(b0, { type: 'begin' }, rng('b'));
    const s0 = initServer(config);
    const before = JSON.stringify([encodeClientState(a1.state), encodeServerState(s0)]);
    const msgs = [a1.output, b1.output].filter((o) => o.type === 'advertise-keys');
    const s1 = serverStep(s0, { type: 'advertise-keys-deadline', messages: msgs });
    if (s1.output.type !== 'peer-keys') throw new Error('expected peer keys');
    const a2 = clientStep(a1.state, s1.output, rng('a'));
    expect(a2.state.stage).toBe('masked-input');
    expect(JSON.stringify([encodeClientState(a1.state), encodeServerState(s0)])).toBe(before);
  });
});

describe('validation', () => {
  const thrown = errorOf;

  it('rejects bad configs naming the field', () => {
    const ok = testConfig(['a', 'b', 'c'], 2);
    expect(thrown(() => initServer({ ...ok, threshold: 4 })).parameter).toBe('config.threshold');
    expect(thrown(() => initServer({ ...ok, threshold: 0 })).parameter).toBe('config.threshold');
    expect(thrown(() => initServer({ ...ok, bits: 33 })).parameter).toBe('config.bits');
    expect(thrown(() => initServer({ ...ok, length: 0 })).parameter).toBe('config.length');
    expect(thrown(() => initServer({ ...ok, round: -1 })).parameter).toBe('config.round');
    expect(thrown(() => initServer({ ...ok, run: '' })).parameter).toBe('config.run');
    expect(thrown(() => initServer({ ...ok, participants: ['a', 'a'] })).parameter).toBe('config.participants');
    expect(thrown(() => initServer({ ...ok, graph: emptyGraph(['a', 'b', 'c']) })).parameter).toBe('config.threshold');
    expect(thrown(() => initClient(ok, 'zed')).parameter).toBe('id');
  });

  it('the server throws on an input that does not fit its stage (a driver bug, not a dropout)', () => {
    const s0 = initServer(testConfig(['a', 'b'], 1));
    expect(thrown(() => serverStep(s0, { type: 'unmasking-deadline', messages: [] })).parameter).toBe('input');
  });

  it('the server records strangers, repeats and malformed replies as failures', () => {
    const config = testConfig(['a', 'b', 'c'], 2);
    const rng = rngFactory(4);
    const adverts = ['a', 'b', 'c'].map((u) => clientStep(initClient(config, u), { type: 'begin' }, rng(u)).output);
    const [a, b] = adverts.filter((o) => o.type === 'advertise-keys');
    if (!a || !b) throw new Error('expected the adverts of a and b');
    const messages = [a, a, { ...b, cPk: new Uint8Array(31) }, { ...a, from: 'mallory' }];
    const { output } = serverStep(initServer(config), { type: 'advertise-keys-deadline', messages });
    expect(output).toMatchObject({ type: 'abort', reason: 'advertise-keys: only 1 of the required 2 participants advertised keys' });
    expect(output.failures.map((f) => `${f.participant}: ${f.reason}`)).toEqual([
      'a: sent more than one message; the first one counts',
      'b: public keys must be 32 bytes each',
      'mallory: mallory is not expected in this stage',
      'c: no reply before the deadline',
    ]);
  });

  it.each([
    ['too short', new Uint32Array(2)],
    ['a value ≥ 2^bits', Uint32Array.from([1, 2, 65536])],
  ])('a client throws on its own malformed input vector (%s)', (_, bad) => {
    const config = testConfig(['a', 'b'], 2, { bits: 16, length: 3 });
    const run = () => simulateRound({ config, inputs: { a: bad, b: new Uint32Array(3) }, rngFor: rngFactory(5) });
    expect(thrown(run).parameter).toBe('input');
  });
});
