import { describe, expect, it } from 'vitest';
import { JobSpecSchema } from '../job.ts';
import { dropoutTolerance, noDropoutWarning } from './dropout-tolerance.ts';

const job = (spec: Record<string, unknown> = {}) => JobSpecSchema.parse(spec);

describe('dropoutTolerance', () => {
  it('is n − max(t, 3): a majority threshold with the members\' default floor of 3', () => {
    // n = 3, minParticipants 2: t = ⌊3/2⌋ + 1 = 2, but every member refuses fewer than 3 contributors.
    expect(dropoutTolerance(job(), 3)).toEqual({ members: 3, threshold: 2, floor: 3, tolerance: 0 });
    // n = 4: t = 3, one may drop out; n = 7: t = 4, three may.
    expect(dropoutTolerance(job(), 4)).toEqual({ members: 4, threshold: 3, floor: 3, tolerance: 1 });
    expect(dropoutTolerance(job(), 7)).toEqual({ members: 7, threshold: 4, floor: 3, tolerance: 3 });
    // minParticipants 5 of 5: t = 5.
    expect(dropoutTolerance(job({ minParticipants: 5 }), 5)).toEqual({ members: 5, threshold: 5, floor: 3, tolerance: 0 });
    expect(dropoutTolerance(job({ aggregation: 'plain' }), 3)).toBeUndefined();
  });
});

describe('noDropoutWarning', () => {
  it('names the threshold, the member count and what to change when t = n', () => {
    const w = noDropoutWarning(job({ minParticipants: 3 }), 3, "the job's 3 listed participants");
    expect(w).toBe(
      "no dropout tolerance: the secure-aggregation threshold t = 3 equals the job's 3 listed participants (n = 3), so one member missing aborts every round; " +
        'to tolerate one dropout, add members (n ≥ 4), or lower minParticipants (now 3) below 3',
    );
    expect(noDropoutWarning(job({ minParticipants: 5, secureAggregation: { threshold: 5 } }), 5, 'x')).toContain('or lower secureAggregation.threshold (now 5)');
  });

  it('names the members\' floor when it, not t, leaves no tolerance', () => {
    expect(noDropoutWarning(job(), 3, "the roster's 3 members")).toBe(
      "no dropout tolerance: with n = 3 (the roster's 3 members), every member's default floor of 3 contributors (policy minContributors) is all of them (t = 2), " +
        'so one member missing aborts every round; to tolerate one dropout, add members (n ≥ 4), or let the members set minContributors 2 in their policies',
    );
  });

  it('says nothing when a member may drop out, or for plain aggregation', () => {
    expect(noDropoutWarning(job(), 4, 'x')).toBeUndefined();
    expect(noDropoutWarning(job({ aggregation: 'plain', minParticipants: 3 }), 3, 'x')).toBeUndefined();
  });
});
