import { describe, expect, it } from 'vitest';
import { JobSpecSchema } from '../core/job.ts';
import { closestName, editDistance, submissionWarnings } from './job-warnings.ts';

const job = (spec: Record<string, unknown>) => JobSpecSchema.parse({ deadlines: { waitForParticipantsMs: 30_000 }, ...spec });

describe('submissionWarnings', () => {
  it('without a roster, names a listed participant that is not connected, with the closest connected name', () => {
    const w = submissionWarnings(job({ participants: ['bank-a', 'bnak-b', 'platform', 'customs'] }), { connected: ['bank-a', 'bank-b', 'platform', 'customs'] });
    expect(w).toEqual([
      'the job\'s participants name "bnak-b", which is not connected to this coordinator (connected: bank-a, bank-b, platform, customs); did you mean "bank-b"?; ' +
        'without a roster the coordinator cannot tell a misspelt name from a member not started yet, so the job waits up to 30000 ms for it',
    ]);
  });

  it('with a roster, leaves names to the roster check (a job naming a non-member is refused)', () => {
    expect(submissionWarnings(job({ participants: ['a', 'b', 'c', 'zz'] }), { connected: [], rosterNames: ['a', 'b', 'c', 'd'] })).toEqual([]);
  });

  it('warns of no dropout tolerance from the listed participants, or else the roster', () => {
    const listed = submissionWarnings(job({ participants: ['a', 'b', 'c'], minParticipants: 3 }), { connected: ['a', 'b', 'c'] });
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatch(/^no dropout tolerance: the secure-aggregation threshold t = 3 equals the job's 3 listed participants \(n = 3\)/);
    expect(submissionWarnings(job({}), { connected: [], rosterNames: ['a', 'b', 'c'] })[0]).toMatch(/with n = 3 \(the roster's 3 members\)/);
    expect(submissionWarnings(job({}), { connected: ['a', 'b', 'c'] })).toEqual([]); // unknown n: said at the first secure round
    expect(submissionWarnings(job({}), { connected: [], rosterNames: ['a', 'b', 'c', 'd', 'e'] })).toEqual([]);
  });
});

describe('closestName', () => {
  it('finds a name within two edits, and nothing farther', () => {
    expect(editDistance('bnak-b', 'bank-b')).toBe(2);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(closestName('bank-c', ['bank-a', 'platform'])).toBe('bank-a');
    expect(closestName('insurer', ['bank-a', 'platform'])).toBeUndefined();
  });
});
