/**
 * Property test of the Bonawitz et al. (CCS 2017) stage machines: many seeded rounds with random
 * n, t, vector length, modulus and dropouts at every stage. With ≥ t survivors at every stage the
 * unmasked result equals the plain sum of U3's inputs exactly; otherwise the server aborts at the
 * first stage that fell short and never produces a sum. In every round no owner's self-mask share
 * and key share both reach the server. About half of the rounds are authenticated (signed adverts,
 * ConsistencyCheck with its own dropouts; Fig. 5). TRIALS can be raised with SECAGG_TRIALS for soak runs.
 */
import { describe, expect, it } from 'vitest';
import { seededRng, uniform01, uniformInt } from '../../random.ts';
import { simulateRound } from './simulate.ts';
import type { DropoutSchedule } from './simulate.ts';
import { doublyRevealed, makeIds, plainSum, randomInputs, rngFactory, sharesReceived, testConfig, testIdentities } from '../../../test/support/secagg-protocol.ts';
import type { Stage } from './config-types.ts';

const TRIALS = Number(process.env.SECAGG_TRIALS ?? 200);

interface Tally {
  result: number;
  aborts: Partial<Record<Stage, number>>;
  persisted: number;
  authenticated: number;
  maxN: number;
}

/** Drops each still-present id with probability p; returns the dropped ones. */
function drop(ids: string[], p: number, rng: () => number): string[] {
  return ids.filter(() => rng() < p);
}

function trial(seed: number, tally: Tally): void {
  const rng = seededRng(seed);
  const u01 = () => uniform01(rng);
  // Odd seeds draw n from [2, 10], where the edge cases (n = 2, t = 1, t = n) are dense; even
  // seeds from the whole range [2, 30]. X25519 in tweetnacl (~1 ms) makes a 30-party round ~1.5 s.
  const n = 2 + uniformInt(rng, seed % 2 === 1 ? 9 : 29);
  const t = 1 + uniformInt(rng, n);
  const length = 1 + uniformInt(rng, 50);
  const bits = u01() < 0.5 ? 16 : 32;
  const ids = makeIds(n, rng);
  const config = testConfig(ids, t, { bits, length, round: uniformInt(rng, 1000), run: `run-${seed}` });
  const inputs = randomInputs(ids, length, bits, rng);
  // Per-stage dropout probability: often none, sometimes heavy, so every abort stage occurs.
  const p = () => [0, 0, 0.05, 0.15, 0.4][uniformInt(rng, 5)]!;
  const dropouts: Required<DropoutSchedule> = { advertiseKeys: [], graphReveal: [], shareKeys: [], maskedInput: [], consistencyCheck: [], unmasking: [] };
  let alive = [...ids];
  for (const stage of ['advertiseKeys', 'shareKeys', 'maskedInput', 'unmasking'] as const) {
    dropouts[stage] = drop(alive, p(), u01);
    alive = alive.filter((u) => !dropouts[stage].includes(u));
  }
  const persist = u01() < 0.25;
  // Drawn last, so the schedule of the unauthenticated rounds is what it always was.
  const authenticated = u01() < 0.5;
  if (authenticated) dropouts.consistencyCheck = drop(alive, p(), u01);
  const identities = authenticated ? testIdentities(ids, seed) : undefined;
  const res = simulateRound({
    config: authenticated ? { ...config, authenticated } : config,
    inputs,
    rngFor: rngFactory(seed),
    dropouts,
    persist,
    ...(identities ? { authFor: identities.authFor, roster: u01() < 0.5 ? identities.roster : undefined } : {}),
  });
  tally.persisted += persist ? 1 : 0;
  tally.authenticated += authenticated ? 1 : 0;
  tally.maxN = Math.max(tally.maxN, n);

  const label = `seed ${seed}: n=${n} t=${t} bits=${bits} length=${length}`;
  expect(res.clientAborts, label).toEqual([]); // honest clients under an honest server never refuse
  expect(doublyRevealed(res.unmaskingResponses), label).toEqual([]);

  const u1 = ids.filter((u) => !dropouts.advertiseKeys.includes(u));
  const u2 = u1.filter((u) => !dropouts.shareKeys.includes(u));
  const u3 = u2.filter((u) => !dropouts.maskedInput.includes(u));
  const signers = u3.filter((u) => !dropouts.consistencyCheck.includes(u));
  const u4 = signers.filter((u) => !dropouts.unmasking.includes(u));
  const short: [Stage, string[]][] = [
    ['advertise-keys', u1],
    ['share-keys', u2],
    ['masked-input', u3],
    ...(authenticated ? [['consistency-check', signers] as [Stage, string[]]] : []),
    ['unmasking', u4],
  ];
  const failed = short.find(([, set]) => set.length < t);
  if (failed) {
    const [stage, set] = failed;
    expect(res.outcome.type, label).toBe('abort');
    expect(res.server.stage, label).toBe('aborted');
    if (res.outcome.type === 'abort') {
      expect(res.outcome.stage, label).toBe(stage);
      expect(res.outcome.reason, label).toContain(`only ${set.length} of the required ${t} participants`);
    }
    tally.aborts[stage] = (tally.aborts[stage] ?? 0) + 1;
    return;
  }
  expect(res.outcome.type, label).toBe('result');
  if (res.outcome.type !== 'result') return;
  expect(res.outcome.survivors, label).toEqual([...u3].sort());
  expect(Array.from(res.outcome.sum), label).toEqual(Array.from(plainSum(inputs, u3, length, bits)));
  // Exactly the secrets that must be reconstructed were revealed, each by every responder.
  const dropped = u2.filter((u) => !u3.includes(u));
  for (const v of u3) expect(sharesReceived(res.unmaskingResponses, v, 'self'), label).toBe(u4.length);
  for (const v of dropped) expect(sharesReceived(res.unmaskingResponses, v, 'key'), label).toBe(u4.length);
  for (const v of u3) expect(sharesReceived(res.unmaskingResponses, v, 'key'), label).toBe(0);
  tally.result++;
}

const CHUNK = 50;

describe('secure aggregation round: property over random n, t, length, bits and dropouts', () => {
  const tally: Tally = { result: 0, aborts: {}, persisted: 0, authenticated: 0, maxN: 0 };
  for (let from = 0; from < TRIALS; from += CHUNK) {
    const to = Math.min(TRIALS, from + CHUNK);
    it(`trials ${from}–${to - 1}: exact sum with ≥ t survivors, abort without a sum otherwise`, () => {
      for (let i = from; i < to; i++) trial(0x5ec0 + i, tally);
    });
  }
  it('the trials covered successes, every abort stage and persisted runs', () => {
    console.log(`secagg property: ${TRIALS} trials`, JSON.stringify(tally));
    // The random schedule must exercise both outcomes and every abort stage, or the test proves little.
    expect(tally.result).toBeGreaterThanOrEqual(TRIALS / 4);
    for (const stage of ['advertise-keys', 'share-keys', 'masked-input', 'consistency-check', 'unmasking'] as const) {
      expect(tally.aborts[stage] ?? 0, stage).toBeGreaterThan(0);
    }
    expect(tally.persisted).toBeGreaterThan(0);
    expect(tally.authenticated).toBeGreaterThan(TRIALS / 4);
  });
});
