import { describe, expect, it } from 'vitest';
import { JobSpecSchema } from '../job.ts';
import { scoreHistogram } from '../metrics/histogram.ts';
import { guaranteeText } from '../round/guarantee.ts';
import { MEMBER_VALUE, memberValueVector, personalReleaseShape, readPersonalRelease, releasesPersonalization } from './release.ts';

const job = (over: Record<string, unknown> = {}) => JobSpecSchema.parse({ rounds: 3, evaluation: { bins: 10 }, personalization: { mode: 'finetune' }, ...over });

describe('personalization release', () => {
  it('adds vectors only to the last evaluation of a personalizing job without record-level DP', () => {
    expect(personalReleaseShape(job(), 3, 4)).toEqual({ histPersonal: 20, histLocal: 20, [MEMBER_VALUE]: 16 });
    expect(personalReleaseShape(job(), 2, 4)).toEqual({});
    expect(personalReleaseShape(job({ personalization: undefined }), 3, 4)).toEqual({});
    expect(personalReleaseShape(job({ personalization: { mode: 'none' } }), 3, 4)).toEqual({});
    const dp = job({ privacy: { mode: 'record', epsilon: 3 } });
    expect(releasesPersonalization(dp)).toBe(false);
    expect(personalReleaseShape(dp, 3, 4)).toEqual({});
    expect(releasesPersonalization(job({ privacy: { mode: 'client', epsilon: 3 } }))).toBe(true);
  });

  it('fills only the member\'s own slot, and only with figures', () => {
    const members = ['a', 'b', 'c'];
    expect([...memberValueVector(members, 'b')]).toEqual(new Array(12).fill(0));
    expect([...memberValueVector(members, 'b', { federated: 0.7, personalized: 0.8, localOnly: NaN })]).toEqual([0, 0, 0, 0, 1, 0.7, 0.8, 0, 0, 0, 0, 0]);
    expect(() => memberValueVector(members, 'z', { federated: 0.7, personalized: 0.8, localOnly: 0.6 })).toThrow(/"z" is not among the members/);
  });

  it('reads the consortium AUCs and exactly the released members from a sum', () => {
    const members = ['a', 'b', 'c'];
    const y = [0, 0, 1, 1];
    const perfect = scoreHistogram([0.1, 0.2, 0.8, 0.9], y, 10);
    const reversed = scoreHistogram([0.9, 0.8, 0.2, 0.1], y, 10);
    const value = memberValueVector(members, 'c', { federated: 0.6, personalized: 0.75, localOnly: 0.7 });
    const r = readPersonalRelease({ hist: perfect, histPersonal: perfect, histLocal: reversed, [MEMBER_VALUE]: value }, 10, members)!;
    expect(r.personalized.auc).toBe(1);
    expect(r.localOnly.auc).toBe(0);
    expect(r.members).toEqual({ c: { federated: 0.6, personalized: 0.75, localOnly: 0.7 } });
    expect(readPersonalRelease({ hist: perfect }, 10, members)).toBeUndefined();
    expect(() => readPersonalRelease({ histPersonal: perfect, histLocal: perfect, [MEMBER_VALUE]: new Float64Array(8) }, 10, members)).toThrow(/expected 4 × 3 members/);
  });
});

describe('guarantee text with personalization', () => {
  it('says what personalization releases, and nothing for jobs without it', () => {
    expect(guaranteeText(job(), [])).toMatch(/reveals its own held-out AUCs/);
    expect(guaranteeText(job({ privacy: { mode: 'record', epsilon: 3 } }), [])).toMatch(/nothing about them is released/);
    expect(guaranteeText(job({ personalization: undefined }), [])).not.toMatch(/Personalization/);
  });
});
