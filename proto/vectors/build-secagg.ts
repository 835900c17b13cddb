/**
 * Builds the secure-aggregation run vectors (secagg-run.json: three members, everyone survives;
 * secagg-dropout.json: four members, one vanishes before sending its masked input) from a run of
 * ./secagg-driver.ts and the values ./secagg-derive.ts recomputes from it.
 */
import { planVectors, planWords, wordsOf } from '../../core/secagg/contribution-codec.ts';
import type { EncodingPlan } from '../../core/secagg/contribution-codec.ts';
import type { SecAggConfig } from '../../core/secagg/protocol/config-types.ts';
import { secureRoundParams } from '../../core/round/secure-plan.ts';
import type { Contribution } from '../../core/types.ts';
import { identityOf, job } from './fixtures.ts';
import type { Draw } from './json.ts';
import { hex, nums } from './json.ts';
import { contributionOf, stageOf } from './run-job.ts';
import { stageShape } from '../../participant/secagg-config.ts';
import { deriveMember, deriveServer } from './secagg-derive.ts';
import type { Scenario } from './secagg-driver.ts';
import { runSecureSum } from './secagg-driver.ts';

/** The public encoding plan: vectors in the order their words are laid out (names sorted). */
export function planLayout(plan: EncodingPlan) {
  let offset = 0;
  const vectors = planVectors(plan).map(({ name, length, encoding }) => {
    const words = wordsOf(encoding, length);
    const v = { name, length, encoding, offset, words };
    offset += words;
    return v;
  });
  return { maxSummands: plan.maxSummands, totalWords: planWords(plan), vectors };
}

const named = (c: Contribution) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, nums(v)]));

/** The vector of one scenario; `tapes` replays recorded randomness (absent: record anew). */
export async function buildSecAggRun(s: Scenario & { description: string; tapes?: Record<string, Draw[]> }) {
  const stage = await stageOf('train', 1);
  const run = await runSecureSum(s);
  const config = JSON.parse(run.secaggConfigJson) as SecAggConfig;
  const j = job();
  const shape = stageShape(stage);
  const params = secureRoundParams(j, 'train', shape, config.run, config.round, config.participants);
  const tapeOf = (m: string) => {
    const tape = run.tapes[m];
    if (tape === undefined) throw new Error(`the run recorded no randomness of ${m}`);
    return tape;
  };
  const members = Object.fromEntries(s.members.map((m) => [m, deriveMember(config, params.plan, run.steps, tapeOf(m), m, contributionOf(stage, m))]));
  const server = deriveServer(config, run.steps, s.members);
  const r = run.result;
  if (!r.sum) throw new Error(`the secure sum failed: ${r.error}`);
  return {
    description: s.description,
    spec: 'docs/protocol.md#secure-aggregation',
    scenario: { label: s.label, members: s.members, dropouts: s.dropouts ?? {} },
    identities: Object.fromEntries(s.members.map((m) => [m, { seed: hex(identityOf(m).seed), publicKey: hex(identityOf(m).publicKey) }])),
    task: run.firstTask,
    secaggConfigJson: run.secaggConfigJson,
    secaggConfig: config,
    parameters: { n: config.participants.length, threshold: config.threshold, neighbours: params.neighbours, bits: config.bits, length: config.length, plan: planLayout(params.plan) },
    contributions: Object.fromEntries(s.members.map((m) => [m, named(contributionOf(stage, m))])),
    randomness: run.tapes,
    steps: run.steps,
    derived: { members, server },
    result: {
      contributors: r.contributors,
      failures: r.failures,
      secure: r.secure,
      sum: named(r.sum),
    },
  };
}

/** The three-member run: everyone survives. */
export const TRIO_RUN = {
  file: 'secagg-run.json',
  description:
    'One authenticated secure sum (Bonawitz et al. Fig. 5) of the train stage of round 1 over three members, everyone surviving: ' +
    'identities, every random draw of each member (tape), every step sent and every reply (wire fields, bytes in hex), the derived ' +
    'X25519/HKDF/Shamir/secretbox/ChaCha20 values, the server reconstruction and the decoded sum.',
};

/** The four-member run with a dropout after share-keys. */
export const DROPOUT_RUN = {
  file: 'secagg-dropout.json',
  description:
    'The same secure sum over four members (t = 3) in which bank-b advertises keys and shares them but vanishes before sending its ' +
    'masked input: the survivors reveal its masking-key shares (key_shares) and the server removes its pairwise masks.',
};
