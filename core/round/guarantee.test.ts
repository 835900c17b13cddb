import { describe, expect, it } from 'vitest';
import { JobSpecSchema } from '../job.ts';
import { guaranteeText, secureFacts } from './guarantee.ts';

const info = (over: Partial<{ participants: number; neighbours: number; clipped: number }> = {}) => ({
  secure: { participants: 4, survivors: 4, threshold: 3, neighbours: 3, modulusBits: 32, clipped: 0, words: 10, ...over },
});

describe('the guarantee statement', () => {
  it('says plainly that plain aggregation shows each vector', () => {
    const text = guaranteeText(JobSpecSchema.parse({ aggregation: 'plain' }), []);
    expect(text).toMatch(/^plain aggregation \(debugging only\): .*sees each participant's update, statistics and evaluation histogram in clear/);
    expect(secureFacts(JobSpecSchema.parse({ aggregation: 'plain' }), [])).toBeUndefined();
  });

  it('names t, n, k, the modulus, the clip range and the clipped total for secure aggregation', () => {
    const job = JobSpecSchema.parse({ secureAggregation: { clip: 2, maxWeight: 5000 } });
    const rounds = [info({ clipped: 2 }), {}, info({ clipped: 5 })];
    expect(guaranteeText(job, rounds)).toBe(
      'secure aggregation (Bonawitz et al. 2017): the coordinator learns only the sum over each round\'s surviving participants of their ' +
        'updates, preprocessing statistics and evaluation histograms, never one participant\'s; t = 3 of n = 4, k = 3 masking neighbours ' +
        'each (everyone); inputs summed in Z_2^32; update deltas clipped to ±2, FedAvg weight capped at 5000 (7 coordinate(s) clipped in ' +
        'this job). Rounds were not authenticated (no roster): this holds against a coordinator that follows the protocol. Every participant refuses ' +
        'a sum of fewer than 3 contributors (or a lower floor it sets; t ≥ 2), and releases an input without DP noise at most once, again only over the ' +
        'identical survivor set, remembering this across restarts. What a coalition can learn: the coordinator together with all other contributors ' +
        'of a sum learns the remaining one\'s input from it; and without DP, exact statistics of different jobs over member sets that differ by one ' +
        'can be subtracted — participants refuse identical inputs but cannot recognise related ones. No differential privacy: the sums and the model are not noised',
    );
    expect(secureFacts(job, rounds)).toEqual({ participants: 4, threshold: 3, neighbours: 3, modulusBits: 32, clip: 2, maxWeight: 5000, clipped: 7, authenticated: false });
  });

  it('names what a gbdt job sums — sketch counts and tree-level histograms — and no update clipping', () => {
    const job = JobSpecSchema.parse({ model: { type: 'gbdt' } });
    const text = guaranteeText(job, [info()]);
    expect(text).toContain('of their counts of feature values over the public sketch grid, gradient histograms of each tree level, preprocessing statistics and evaluation histograms, never one participant\'s');
    expect(text).toContain('gradient histograms in exact fixed point (multiples of 2^-24), every level of a tree summed over the same members');
    expect(text).not.toContain('update deltas clipped');
    expect(text).toContain('a coordinator that deviates can make a node hold very few borrowers and learn the sum of their gradients');
    expect(guaranteeText(JobSpecSchema.parse({ model: { type: 'gbdt' }, aggregation: 'plain' }), [])).toContain("sees each participant's sketch counts, gradient histograms, statistics and evaluation histogram in clear");
  });

  it('says what record-level DP noises in a gbdt job, and that deviating splits then learn only noised sums', () => {
    const job = JobSpecSchema.parse({ model: { type: 'gbdt' }, privacy: { mode: 'record', epsilon: 3 } });
    const text = guaranteeText(job, [info()]);
    expect(text).toContain('gradient histograms rounded to multiples of 2^-6 and noised, every level of a tree summed over the same members');
    expect(text).toContain('learn the sum of their gradients, though only with the DP noise every level carries');
    expect(text).toContain("the sketch counts and every tree level's gradient and hessian histograms");
    expect(text).not.toContain('DP-SGD');
  });

  it('says the protocol holds against a deviating coordinator only when every round was authenticated', () => {
    const job = JobSpecSchema.parse({});
    const signed = { secure: { ...info().secure, authenticated: true } };
    expect(guaranteeText(job, [signed, signed])).toContain('consistency check of the survivor set (the active-adversary variant)');
    expect(secureFacts(job, [signed, signed])!.authenticated).toBe(true);
    expect(guaranteeText(job, [signed, info()])).not.toContain('consistency check');
    expect(secureFacts(job, [signed, info()])!.authenticated).toBe(false);
  });

  it('says SecAgg+ when nodes mask with fewer than everyone', () => {
    const text = guaranteeText(JobSpecSchema.parse({}), [{ secure: { ...info().secure, participants: 40, neighbours: 12, threshold: 7 } }]);
    expect(text).toContain('t = 7 of n = 40, k = 12 masking neighbours each (SecAgg+);');
    expect(text).toContain('The neighbour graph is drawn in each round from a nonce every participant committed to, so no single party chooses it.');
  });

  it('states that record-level DP noises every release, and what client-level DP leaves exact', () => {
    const job = JobSpecSchema.parse({ privacy: { mode: 'record', epsilon: 3, delta: 1e-5, clipNorm: 0.5 } });
    const text = guaranteeText(job, [info()]);
    expect(text).toMatch(
      /Record-level differential privacy \(a target of ε = 3 at δ = 0\.00001 for the whole job, adding or removing one borrower row\): every release is noised — DP-SGD updates \(per-example clip norm 0\.5\) weighted by a noisy row count, preprocessing statistics/,
    );
    expect(text).toContain('learns the remaining one\'s input from it only as a DP-noised value');
    expect(text).not.toContain('released exactly');
    const client = guaranteeText(JobSpecSchema.parse({ privacy: { mode: 'client', epsilon: 4 } }), [info()]);
    expect(client).toMatch(/preprocessing statistics and evaluation histograms are released exactly \(protected by secure aggregation and the participants' floor only\) and are not covered by this guarantee$/);
  });

  it('says whether the receipts were checked against the roster\'s keys or only against their own', () => {
    const job = JobSpecSchema.parse({ privacy: { mode: 'client', epsilon: 4, clipNorm: 0.5 } });
    const pinned = guaranteeText(job, [info()], { receiptsPinned: true });
    expect(pinned).toContain('states its spend in signed receipts, each verified against the key the consortium roster lists for that participant (a receipt signed with any other key is rejected)');
    expect(pinned).not.toContain('NOT pinned');
    for (const unpinned of [guaranteeText(job, [info()]), guaranteeText(job, [info()], { receiptsPinned: false })]) {
      expect(unpinned).toContain('signed receipts, which are NOT pinned to a roster (this coordinator has none): each is checked only against the key embedded in it, so it does not prove who made it');
    }
    expect(guaranteeText(JobSpecSchema.parse({}), [info()], { receiptsPinned: true })).not.toContain('receipts');
  });

  it('states client-level DP, who adds the noise, and that a central coordinator must be trusted', () => {
    const distributed = guaranteeText(JobSpecSchema.parse({ privacy: { mode: 'client', epsilon: 4, clipNorm: 0.5, adaptiveClipping: {} } }), [info()]);
    expect(distributed).toContain('each participant clips its model delta to an L2 norm and rounds it to integers');
    expect(distributed).not.toContain('FedAvg weight capped');
    expect(distributed).toMatch(
      /Client-level differential privacy \(DP-FedAvg, McMahan et al\. 2018; a target of ε = 4 at δ = 0\.00001 for the whole job\): each institution's whole model delta is clipped to L2 norm 0\.5 at first, then adapted towards the 0\.5-quantile .*every participant adds discrete Gaussian noise inside the secure sum/,
    );
    const central = guaranteeText(JobSpecSchema.parse({ aggregation: 'plain', privacy: { mode: 'client', noise: 'central', noiseMultiplier: 1.1 } }), []);
    expect(central).toMatch(/noise multiplier 1\.1 .*the COORDINATOR adds Gaussian noise to the sum, so the guarantee holds only if the coordinator is trusted/);
  });

  it('refuses distributed noise without secure aggregation', () => {
    const r = JobSpecSchema.safeParse({ aggregation: 'plain', privacy: { mode: 'client', epsilon: 3 } });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]).toMatchObject({ path: ['privacy', 'noise'], message: expect.stringMatching(/needs aggregation "secagg"/) });
  });
});
