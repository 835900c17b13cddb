import { describe, expect, it } from 'vitest';
import { DataSchemaSchema } from '../core/data/schema';
import { JobSpecSchema, MAX_DEADLINE_MS } from '../core/job';
import { MAX_MODEL_PARAMETERS, MAX_STATUS_DETAILS, MAX_TIMER_MS, clipText, jobSizeProblem } from './limits';

const schema = (levels: number) =>
  DataSchemaSchema.parse({
    label: { column: 'y', positive: 'bad' },
    numeric: [{ name: 'x' }],
    categorical: levels ? [{ name: 'c', levels: Array.from({ length: levels }, (_, i) => `l${i}`) }] : [],
  });

describe('clipText', () => {
  it('leaves short text alone and cuts long text to the limit with a note', () => {
    expect(clipText('abc')).toBe('abc');
    const cut = clipText('k'.repeat(100_000));
    expect(cut.length).toBeLessThanOrEqual(MAX_STATUS_DETAILS);
    expect(cut).toMatch(/… \(\d+ more characters\)$/);
    expect(clipText('abcdefghij'.repeat(10), 40).length).toBeLessThanOrEqual(40);
  });
});

describe('jobSizeProblem', () => {
  it('accepts ordinary models and rejects ones beyond the parameter limit', () => {
    expect(jobSizeProblem(JobSpecSchema.parse({}), schema(3))).toBeNull();
    expect(jobSizeProblem(JobSpecSchema.parse({ model: { type: 'mlp', hidden: [64, 32] } }), schema(50))).toBeNull();
    const huge = JobSpecSchema.parse({ model: { type: 'mlp', hidden: [4096, 4096, 4096] } });
    expect(jobSizeProblem(huge, schema(5000))).toMatch(`more than the limit of ${MAX_MODEL_PARAMETERS}`);
  });
});

describe('job limits', () => {
  it('bounds deadlines by the timer limit, hidden layers and the participant list', () => {
    expect(MAX_DEADLINE_MS).toBe(MAX_TIMER_MS);
    expect(JobSpecSchema.safeParse({ deadlines: { stageMs: MAX_DEADLINE_MS } }).success).toBe(true);
    expect(JobSpecSchema.safeParse({ deadlines: { stageMs: MAX_DEADLINE_MS + 1 } }).success).toBe(false);
    expect(JobSpecSchema.safeParse({ deadlines: { waitForParticipantsMs: 1e300 } }).success).toBe(false);
    expect(JobSpecSchema.safeParse({ secureAggregation: { stepMs: 2 ** 40 } }).success).toBe(false);
    expect(JobSpecSchema.safeParse({ model: { type: 'mlp', hidden: Array(33).fill(1) } }).success).toBe(false);
    expect(JobSpecSchema.safeParse({ participants: ['p'.repeat(129)] }).success).toBe(false);
  });
});
