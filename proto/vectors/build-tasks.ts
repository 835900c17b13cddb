/**
 * The task vectors: the SubmitJob request for the example job, every task the round engine sent
 * (config_json per task kind, with the global weights where the task carries them), and each
 * member's contribution per task kind — its named vectors, their wire form (FLOAT64 tensors in a
 * PushResultRequest), and their encoding into 32-bit words for a secure sum over three members.
 */
import { decodeSum, encodeContribution } from '../../core/secagg/contribution-codec.ts';
import { prepareForSecureSum, secureRoundParams } from '../../core/round/secure-plan.ts';
import { deriveSeed, seededRng } from '../../core/random.ts';
import type { Contribution } from '../../core/types.ts';
import type { Tensor } from '../generated/fedcredit/v1/Tensor.ts';
import { contributionToWire, float32Tensor } from '../tensor.ts';
import { INCARNATION, JOB_FILE, JOB_ID, MEMBERS, SCHEMA_FILE, TRIO, job, schema } from './fixtures.ts';
import type { Draw } from './json.ts';
import { hex, jsonSafe, nums, recordingTape, replayTape } from './json.ts';
import type { CapturedStage } from './run-job.ts';
import { capturedStages, contributionOf } from './run-job.ts';
import { planLayout } from './build-secagg.ts';
import { TAPE_SEED } from './secagg-driver.ts';
import { requestRoundTrip } from './wire.ts';

const KIND = { stats: 'STATS', train: 'TRAIN', evaluate: 'EVALUATE', vertical: 'VERTICAL', sketch: 'SKETCH', tree: 'TREE' } as const;

const tensorJson = (t: Tensor) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: hex(t.data as Uint8Array) });
const named = (c: Contribution) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, nums(v)]));

/** The task-config vector. */
export async function buildTaskVector() {
  const stages = await capturedStages();
  const submit = { jobJson: JSON.stringify(job()), schemaJson: JSON.stringify(schema()) };
  return {
    description:
      'The example job as submitted (SubmitJobRequest: job_json and schema_json after validation) and every task the coordinator\'s ' +
      'round engine sent for it: Task.kind, round, the exact config_json text (and its parsed form) and the global weights tensor.',
    spec: 'docs/protocol.md#task-configuration-config_json',
    jobFile: JOB_FILE,
    schemaFile: SCHEMA_FILE,
    jobId: JOB_ID,
    submitJobRequest: { ...submit, wire: hex(requestRoundTrip('Control', 'SubmitJob', submit).bytes) },
    tasks: stages.map((s) => ({
      kind: KIND[s.kind],
      round: s.round,
      configJson: s.configJson,
      config: s.config,
      weights: s.weights ? { ...tensorJson(float32Tensor('weights', s.weights)), values: nums(s.weights) } : null,
    })),
  };
}

/** The stages whose contributions the vector shows (one per task kind). */
const SHOWN: [CapturedStage['kind'], number][] = [['stats', 0], ['train', 1], ['evaluate', 1]];

/** How member `member`'s contribution to `s` is encoded for a secure sum over the three members. */
function secureEncoding(s: CapturedStage, member: string, tape?: Draw[]) {
  const run = `${JOB_ID}/${s.kind}/${s.round}/${INCARNATION}.1`;
  const c = contributionOf(s, member);
  const shape = Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v.length]));
  const { config, plan } = secureRoundParams(job(), s.kind, shape, run, s.round, TRIO);
  const prepared = prepareForSecureSum(s.kind, c, job().secureAggregation);
  const t = tape ? replayTape(tape, `encode/${s.kind}`) : recordingTape(seededRng(deriveSeed(TAPE_SEED, `encode/${s.kind}`)));
  t.at('encode');
  const { words, clipped } = encodeContribution(prepared, plan, t.rng);
  return {
    participants: TRIO,
    member,
    run,
    threshold: config.threshold,
    plan: planLayout(plan),
    prepared: named(prepared),
    roundingRandomness: t.draws,
    words: nums(words),
    clipped,
    decodedAlone: named(decodeSum(words, plan, 1)),
  };
}

/** The contributions vector; `tapes` replays the recorded rounding randomness per kind. */
export async function buildContributionVector(tapes: Record<string, Draw[]> = {}) {
  const stages = await capturedStages();
  return {
    description:
      'Each member\'s contribution per task kind (stats, train, evaluate): the named float64 vectors, their wire form (Contribution of ' +
      'FLOAT64 tensors; a PushResultRequest carrying it, protobuf bytes in hex), their plain sum, and bank-a\'s encoding into 32-bit ' +
      'words for a secure sum over three members (prepared vectors, public plan, rounding randomness, words).',
    spec: 'docs/protocol.md#contributions',
    kinds: SHOWN.map(([kind, round]) => {
      const s = stages.find((x) => x.kind === kind && x.round === round)!;
      const taskId = `${kind}-${round}-bank-a`;
      const vectors = contributionToWire(contributionOf(s, 'bank-a'));
      return {
        kind: KIND[kind],
        round,
        members: Object.fromEntries(MEMBERS.map((m) => [m, named(contributionOf(s, m))])),
        wire: {
          member: 'bank-a',
          vectors: vectors.map(tensorJson),
          pushResultRequest: jsonSafe({ taskId, contribution: { vectors } }),
          pushResultRequestBytes: hex(requestRoundTrip('Fleet', 'PushResult', { taskId, contribution: { vectors } }).bytes),
        },
        plainSum: named(sumOf(MEMBERS.map((m) => contributionOf(s, m)))),
        secure: secureEncoding(s, 'bank-a', tapes[kind]),
      };
    }),
  };
}

function sumOf(cs: Contribution[]): Contribution {
  const out: Contribution = {};
  for (const c of cs) {
    for (const [k, v] of Object.entries(c)) {
      const acc = out[k];
      // Vectors of one name have the same length in every contribution of a stage.
      out[k] = acc ? acc.map((x, i) => x + v[i]!) : Float64Array.from(v);
    }
  }
  return out;
}
