/**
 * Tests of the participant's policy: each rule accepting and refusing (with the exact field and
 * job value in the reason), the ε a job is judged by (declared, record-level from the node's
 * rows, client-level from the round plan), the mod's refusal shape and its place before inner
 * handlers, and loadPolicy's one-line errors naming file and field.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { registerModelArchitecture } from '../core/model/registry.ts';
import { describe, expect, it, vi } from 'vitest';
import { JobSpecSchema } from '../core/job.ts';
import { DataSchemaSchema } from '../core/data/schema.ts';
import { sampledGaussianEpsilon } from '../core/privacy/index.ts';
import { testTempDir } from '../test/support/temp-dir.ts';
import { clientPlanFor } from '../core/round/client-round.ts';
import { modelLayout } from '../core/model/layout.ts';
import { layoutSize } from '../core/types.ts';
import { thrownBy } from '../test/support/thrown-by.ts';
import type { ParsedTask } from './handler.ts';
import { chain } from './handler.ts';
import type { Policy } from './policy.ts';
import { dpSgdPlan, recordJobCost, recordReleasePlan } from '../core/privacy/record-plan.ts';
import { jobEpsilon, loadPolicy, parsePolicyJson, policyMod, policyProblem, policyProblems, policyWarnings, trainingRows } from './policy.ts';

const schema = DataSchemaSchema.parse({
  label: { column: 'default', positive: 'yes' },
  numeric: [{ name: 'age', range: [18, 90] }, { name: 'income', range: [0, 10_000] }],
  categorical: [{ name: 'region', levels: ['north', 'south'] }],
});
const ctx = { self: 'bank-a', rows: { total: 1000, positives: 200 } };

/** A stats task of a job built from `job` (zod defaults filled in). */
function taskOf(job: Record<string, unknown>, extra: Partial<ParsedTask> = {}): ParsedTask {
  return {
    taskId: 't1', jobId: 'j1', round: 0, kind: 'stats', deadline: 0,
    config: { jobId: 'j1', job: JobSpecSchema.parse(job), schema },
    ...extra,
  };
}

/** The same task as one step of a secure sum over `participants` with threshold `t`. */
function secaggTask(job: Record<string, unknown>, participants: string[], t: number): ParsedTask {
  return taskOf(job, {
    secagg: {
      config: { run: 'j1/stats/0/a', round: 0, participants, threshold: t, bits: 32, length: 10, graph: { kind: 'complete' } },
      message: { type: 'begin' },
    },
  });
}

const policy = (p: Record<string, unknown>): Policy => parsePolicyJson({ version: 1, ...p }, 'p.json');
const problem = (p: Record<string, unknown>, job: Record<string, unknown>, c = ctx) => policyProblem(policy(p), taskOf(job), c);

describe('policyProblem, rule by rule', () => {
  it('an empty policy accepts any secure job', () => {
    expect(problem({}, { model: { type: 'mlp' }, rounds: 10_000, minParticipants: 1 })).toBeUndefined();
  });

  it('allowedModels', () => {
    expect(problem({ allowedModels: ['logistic', 'mlp'] }, { model: { type: 'mlp' } })).toBeUndefined();
    expect(problem({ allowedModels: ['logistic'] }, { model: { type: 'mlp' } })).toBe(
      'job uses model type "mlp", which this node\'s policy (allowedModels: "logistic") does not allow',
    );
    // A custom model is listed by its name.
    registerModelArchitecture({ name: 'policy-test-model', params: z.object({}), layout: (_p, d) => [{ name: 'w', shape: [d, 1] }] });
    const custom = { model: { type: 'custom', name: 'policy-test-model' } };
    expect(problem({ allowedModels: ['policy-test-model'] }, custom)).toBeUndefined();
    expect(problem({ allowedModels: ['logistic'] }, custom)).toBe(
      'job uses model "policy-test-model" (custom), which this node\'s policy (allowedModels: "logistic") does not allow',
    );
  });

  it('allowedFeatures: every feature of the job\'s schema must be listed (not the label)', () => {
    expect(problem({ allowedFeatures: ['age', 'income', 'region'] }, {})).toBeUndefined();
    expect(problem({ allowedFeatures: ['age', 'region'] }, {})).toBe('job uses feature "income", which this node\'s policy (allowedFeatures) does not allow');
    expect(problem({ allowedFeatures: ['age'] }, {})).toBe('job uses features "income", "region", which this node\'s policy (allowedFeatures) does not allow');
  });

  it('maxRounds', () => {
    expect(problem({ maxRounds: 20 }, { rounds: 20 })).toBeUndefined();
    expect(problem({ maxRounds: 20 }, { rounds: 21 })).toBe('job asks for 21 rounds, more than this node\'s policy (maxRounds: 20) allows');
  });

  it('minOtherParticipants: the job\'s minParticipants and its named participants', () => {
    expect(problem({ minOtherParticipants: 2 }, { minParticipants: 3 })).toBeUndefined();
    expect(problem({ minOtherParticipants: 2 }, { minParticipants: 2 })).toBe(
      'job may run with minParticipants 2, i.e. 1 other participant, but this node\'s policy requires at least 2 other participants (minOtherParticipants: 2)',
    );
    expect(problem({ minOtherParticipants: 2 }, { minParticipants: 3, participants: ['bank-a', 'bank-b', 'platform'] })).toBeUndefined();
    expect(problem({ minOtherParticipants: 2 }, { minParticipants: 3, participants: ['bank-a', 'bank-b'] })).toBe(
      'job names only 1 other participant (participants: "bank-a", "bank-b"), but this node\'s policy requires at least 2 other participants (minOtherParticipants: 2)',
    );
  });

  it('plain aggregation is refused unless the policy allows it', () => {
    expect(problem({}, { aggregation: 'plain' })).toBe(
      'job asks for plain aggregation (the coordinator would see this node\'s vectors), which this node\'s policy (allowPlainAggregation: false) does not allow',
    );
    expect(problem({ allowPlainAggregation: true }, { aggregation: 'plain' })).toBeUndefined();
    expect(problem({}, { aggregation: 'secagg' })).toBeUndefined();
  });

  it('allowedPrivacy distinguishes client-level noise added by participants from a trusted coordinator\'s', () => {
    const p = { allowedPrivacy: ['record', 'client-distributed'] };
    expect(problem(p, { privacy: { mode: 'record', epsilon: 1 } })).toBeUndefined();
    expect(problem(p, { privacy: { mode: 'client', epsilon: 1 } })).toBeUndefined();
    expect(problem(p, { privacy: { mode: 'client', noise: 'central', epsilon: 1 } })).toBe(
      'job has privacy "client-central", which this node\'s policy (allowedPrivacy: "record", "client-distributed") does not allow',
    );
    expect(problem(p, {})).toBe('job has privacy "none", which this node\'s policy (allowedPrivacy: "record", "client-distributed") does not allow');
  });

  it('maxDeltaPerJob', () => {
    expect(problem({ maxDeltaPerJob: 1e-5 }, { privacy: { mode: 'record', epsilon: 1, delta: 1e-5 } })).toBeUndefined();
    expect(problem({ maxDeltaPerJob: 1e-5 }, { privacy: { mode: 'record', epsilon: 1, delta: 1e-3 } })).toBe(
      'job states δ = 0.001, more than this node\'s policy (maxDeltaPerJob: 0.00001) allows',
    );
  });

  it('maxEpsilonPerJob: a declared ε, and no DP at all', () => {
    const p = { maxEpsilonPerJob: 5 };
    expect(problem(p, { privacy: { mode: 'record', epsilon: 5 } })).toBeUndefined();
    expect(problem(p, { privacy: { mode: 'record', epsilon: 8 } })).toBe(
      'job asks for ε = 8 at δ = 0.00001, more than this node\'s policy (maxEpsilonPerJob: 5) allows',
    );
    expect(problem(p, { privacy: { mode: 'client', epsilon: 6, noise: 'central' } })).toMatch(/^job asks for ε = 6 at δ = 0\.00001, more than/);
    expect(problem(p, {})).toBe(
      'job has no differential privacy (privacy mode "none"), so its ε is unbounded; this node\'s policy (maxEpsilonPerJob: 5) allows at most ε = 5 per job',
    );
  });

  it('lists every broken rule, joined by "; "', () => {
    const all = policyProblems(policy({ maxRounds: 5, allowedModels: ['logistic'] }), taskOf({ rounds: 6, model: { type: 'mlp' }, aggregation: 'plain' }), ctx);
    expect(all).toHaveLength(3);
    expect(problem({ maxRounds: 5, allowedModels: ['logistic'] }, { rounds: 6, model: { type: 'mlp' } })).toBe(all.slice(0, 2).join('; '));
  });
});

describe('the ε a job is judged by', () => {
  it('record-level with a noise multiplier: the whole job\'s plan, from this node\'s training rows', () => {
    const job = JobSpecSchema.parse({ rounds: 3, train: { batchSize: 100 }, privacy: { mode: 'record', noiseMultiplier: 1.2 } });
    const rows = trainingRows(ctx.rows, 0.2);
    expect(rows).toBe(800); // 20 % of 1000 rows held out, in expectation (row-by-row split)
    const plan = recordReleasePlan(job, schema, 2);
    const expected = recordJobCost(job, plan, dpSgdPlan(job, plan, 800)).epsilon;
    // More than DP-SGD alone: the statistics, the count and the evaluations are releases too.
    expect(expected).toBeGreaterThan(sampledGaussianEpsilon({ q: 0.125, noiseMultiplier: 1.2, steps: 24 }, 1e-5).epsilon);
    expect(jobEpsilon(job, schema, 2, ctx.rows)).toBeCloseTo(expected, 12);
    const jobSpec = { rounds: 3, train: { batchSize: 100 }, privacy: { mode: 'record', noiseMultiplier: 1.2 } };
    expect(problem({ maxEpsilonPerJob: expected + 0.01 }, jobSpec)).toBeUndefined();
    expect(problem({ maxEpsilonPerJob: expected - 0.01 }, jobSpec)).toMatch(
      /^job spends \(noiseMultiplier 1\.2, 3 rounds\) ε = \d+\.\d+ at δ = 0\.00001, more than this node's policy \(maxEpsilonPerJob: \d+\.\d+\) allows$/,
    );
  });

  it('record-level with a noise multiplier but no row counts: refused when ε is capped', () => {
    const jobSpec = { privacy: { mode: 'record', noiseMultiplier: 50 } };
    expect(problem({ maxEpsilonPerJob: 5 }, jobSpec, { self: 'bank-a' } as typeof ctx)).toBe(
      'the job\'s ε cannot be determined before training (its ε depends on this node\'s row count, which the policy check was not given), ' +
        'and this node\'s policy (maxEpsilonPerJob: 5) allows at most ε = 5 per job',
    );
    expect(problem({}, jobSpec, { self: 'bank-a' } as typeof ctx)).toBeUndefined();
  });

  it('client-level with a noise multiplier: the round plan\'s ε for the secure sum\'s t', () => {
    const spec = { rounds: 5, minParticipants: 3, privacy: { mode: 'client', noiseMultiplier: 0.5 } };
    const job = JobSpecSchema.parse(spec);
    const expected = clientPlanFor(job, layoutSize(modelLayout(job.model, 2 + 3)), 3)!.epsilonJob;
    expect(jobEpsilon(job, schema, 3)).toBe(expected);
    const task = secaggTask(spec, ['bank-a', 'bank-b', 'platform'], 3);
    expect(policyProblem(policy({ maxEpsilonPerJob: expected * 1.01 }), task, ctx)).toBeUndefined();
    expect(policyProblem(policy({ maxEpsilonPerJob: expected * 0.99 }), task, ctx)).toMatch(/^job spends \(noiseMultiplier 0\.5, 5 rounds\) ε = /);
  });
});

describe('policyMod', () => {
  it('refuses with code "policy" and the file name before the inner handler runs', async () => {
    const inner = vi.fn(async () => ({ refusal: { code: 'inner', reason: 'reached' } }));
    const h = chain(inner, [policyMod({ policy: policy({ maxRounds: 5 }), file: '/etc/fedcredit/policy.json', ...ctx })]);
    expect(await h(taskOf({ rounds: 6 }))).toEqual({
      refusal: { code: 'policy', reason: 'policy policy.json: job asks for 6 rounds, more than this node\'s policy (maxRounds: 5) allows' },
    });
    expect(inner).not.toHaveBeenCalled();
    expect(await h(taskOf({ rounds: 5 }))).toEqual({ refusal: { code: 'inner', reason: 'reached' } });
    expect(inner).toHaveBeenCalledTimes(1);
  });
});

describe('loadPolicy', () => {
  const dir = testTempDir('policy').dir;
  const write = (name: string, content: string) => {
    const f = join(dir, name);
    writeFileSync(f, content);
    return f;
  };

  it('loads a full policy and fills the default', () => {
    const f = write('ok.json', JSON.stringify({
      version: 1, allowedModels: ['logistic'], allowedFeatures: ['age'], minOtherParticipants: 2, maxEpsilonPerJob: 5,
      maxDeltaPerJob: 1e-5, allowedPrivacy: ['record'], maxRounds: 100,
    }));
    expect(loadPolicy(f)).toEqual({
      version: 1, allowedModels: ['logistic'], allowedFeatures: ['age'], minOtherParticipants: 2, maxEpsilonPerJob: 5,
      maxDeltaPerJob: 1e-5, allowedPrivacy: ['record'], maxRounds: 100, allowPlainAggregation: false, releaseValueReport: false,
    });
  });

  it('names the file and each bad field on one line', () => {
    const f = write('bad.json', JSON.stringify({ version: 1, maxEpsilonPerJob: -1, allowedModels: ['Gradient Boosting'] }));
    const e = thrownBy(() => loadPolicy(f));
    expect(e.message).toBe(
      `${f}: invalid policy: allowedModels[0]: a model type or custom model name: lower-case letters, digits and dashes; maxEpsilonPerJob: Too small: expected number to be >0`,
    );
    expect(e.message).not.toContain('\n');
    expect(e.file).toBe(f);
  });

  it('rejects unknown (misspelt) fields and a missing version', () => {
    const f = write('typo.json', JSON.stringify({ version: 1, maxEpsilon: 5 }));
    expect(thrownBy(() => loadPolicy(f)).message).toBe(
      `${f}: invalid policy: unknown field(s) "maxEpsilon"; a policy has only: version, allowedModels, allowedFeatures, minOtherParticipants, ` +
        'minContributors, maxAttemptsPerInput, maxEpsilonPerJob, maxDeltaPerJob, allowedPrivacy, maxRounds, allowPlainAggregation, releaseValueReport',
    );
    const g = write('nover.json', '{}');
    expect(thrownBy(() => loadPolicy(g)).message).toBe(`${g}: invalid policy: version: Invalid input: expected 1`);
    const h = write('array.json', '[]');
    expect(thrownBy(() => loadPolicy(h)).message).toMatch(new RegExp(`^${h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: invalid policy: \\(whole file\\): Invalid input: expected object`));
  });

  it('names missing, empty and syntactically bad files', () => {
    const missing = join(dir, 'nope.json');
    expect(thrownBy(() => loadPolicy(missing)).message).toBe(`${missing}: cannot read the file: no such file (check the path)`);
    const empty = write('empty.json', ' \n');
    expect(thrownBy(() => loadPolicy(empty)).message).toBe(`${empty}: file is empty (expected a JSON policy object, see docs/operations.md, "Participant policy")`);
    const broken = write('broken.json', '{\n  "version": 1,\n  "maxRounds": 10,,\n}');
    const e = thrownBy(() => loadPolicy(broken));
    expect(e.message).toMatch(new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} line 3: invalid JSON at column \\d+`));
    expect(e.line).toBe(3);
  });

  it('warns about features outside the node\'s schema and ε without δ', () => {
    expect(policyWarnings(policy({ allowedFeatures: ['age', 'incme', 'region'], maxEpsilonPerJob: 3 }), schema)).toEqual([
      'allowedFeatures lists "incme", which this node\'s schema does not have (a misspelling?)',
      'allowedFeatures leaves out "income" of this node\'s schema: every job using this schema will be refused',
      'maxEpsilonPerJob is set without maxDeltaPerJob: a job may state a large δ to make its ε look small',
    ]);
    expect(policyWarnings(policy({ allowedFeatures: ['age', 'income', 'region'] }), schema)).toEqual([]);
  });
});
