import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { JobSpecSchema } from '../../core/job.ts';
import { DataSchemaSchema } from '../../core/data/schema.ts';
import { sampledGaussianEpsilon } from '../../core/privacy/index.ts';
import { verifyReceipts } from '../../core/privacy/receipt-format.ts';
import type { ParsedTask } from '../handler.ts';
import { dpSgdSpend } from './dp-params.ts';
import { openNodePrivacy, privacyRefusal } from './node-privacy.ts';
import { identityFileFromSeed, identityFromFile } from '../../trust/format.ts';

const schema = DataSchemaSchema.parse(JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'examples', 'synthetic', 'schema.json'), 'utf8')));
const task = (job: object, round = 1): ParsedTask => ({
  taskId: 't', jobId: 'job-1', round, kind: 'train', deadline: 0, config: { jobId: 'job-1', job: JobSpecSchema.parse(job), schema },
});
const dirs: string[] = [];
const stateDir = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'node-privacy-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the node\'s privacy policy', () => {
  const dpJob = { train: { batchSize: 10_000 }, privacy: { mode: 'record', noiseMultiplier: 2 } };
  const DP = { noiseMultiplier: 2, clipNorm: 1, sampleRate: 1 };

  it('refuses DP jobs without a budget, and non-DP jobs with one', () => {
    expect(privacyRefusal(task(dpJob), dpSgdSpend(DP, 1), undefined)).toMatchObject({ refusal: { code: 'privacy_not_configured' } });
    expect(privacyRefusal(task({}), undefined, undefined)).toBeUndefined();
    const privacy = openNodePrivacy('bank-a', stateDir(), { epsilon: 5, delta: 1e-5 });
    expect(privacyRefusal(task({}), undefined, privacy)).toMatchObject({
      refusal: { code: 'privacy_required', reason: expect.stringMatching(/may only be used with differential privacy \(budget ε = 5 at δ = 0\.00001\), but job job-1 has privacy mode "none"/) },
    });
  });

  it('admits tasks within the budget, charges them, and signs a verifiable receipt chain', () => {
    const privacy = openNodePrivacy('bank-a', stateDir(), { epsilon: 5, delta: 1e-5 });
    const dp = DP;
    const receipts = [1, 2].map((round) => {
      expect(privacyRefusal(task(dpJob, round), dpSgdSpend(dp, 1), privacy)).toBeUndefined();
      return JSON.parse(privacy.charge(task(dpJob, round), dpSgdSpend(dp, 1)));
    });
    const eps2 = sampledGaussianEpsilon({ q: 1, noiseMultiplier: 2, steps: 2 }, 1e-5).epsilon;
    expect(receipts[1].receipt.epsilonAfter).toBeCloseTo(eps2, 9);
    expect(verifyReceipts(receipts, privacy.signer.publicKeyHex).ok).toBe(true);
    expect(privacy.ledger.spent().epsilon).toBeCloseTo(eps2, 9);
  });

  it('refuses, before training, the task that would exceed the budget', () => {
    const eps = (steps: number) => sampledGaussianEpsilon({ q: 1, noiseMultiplier: 2, steps }, 1e-5).epsilon;
    const privacy = openNodePrivacy('bank-a', stateDir(), { epsilon: (eps(1) + eps(2)) / 2, delta: 1e-5 });
    const dp = DP;
    privacy.charge(task(dpJob, 1), dpSgdSpend(dp, 1));
    const r = privacyRefusal(task(dpJob, 2), dpSgdSpend(dp, 1), privacy);
    expect(r).toMatchObject({ refusal: { code: 'privacy_budget', reason: expect.stringMatching(/^privacy budget: this task would raise ε from \d\.\d+ to \d\.\d+ at δ = 1e-5, beyond the budget ε = \d\.\d+$/) } });
  });

  it('with an identity, signs every receipt with the identity key the roster lists', () => {
    const identity = identityFromFile(identityFileFromSeed('bank-a', 'bank', new Uint8Array(32).fill(3)));
    const privacy = openNodePrivacy('bank-a', stateDir(), { epsilon: 5, delta: 1e-5 }, identity);
    const receipt = JSON.parse(privacy.charge(task(dpJob, 1), dpSgdSpend(DP, 1)));
    expect(privacy.signer.keySource).toBe('identity');
    expect(receipt.publicKey).toBe(Buffer.from(identity.publicKey).toString('hex'));
    expect(verifyReceipts([receipt], receipt.publicKey, { participant: 'bank-a' }).ok).toBe(true);
  });
});
