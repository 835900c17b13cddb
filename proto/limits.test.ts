import { describe, expect, it } from 'vitest';
import { DataSchemaSchema } from '../core/data/schema.ts';
import { JobSpecSchema, MAX_DEADLINE_MS } from '../core/job.ts';
import { MAX_MODEL_PARAMETERS, MAX_STATUS_DETAILS, MAX_TIMER_MS, clipText, jobSizeProblem, wellFormed } from './limits.ts';

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

  /** True when `s` has no lone surrogate (what UTF-8, hence a gRPC status, can carry). */
  const isWellFormed = (s: string) => Buffer.from(s, 'utf8').toString('utf8') === s;

  it('never cuts a surrogate pair in two, at any limit', () => {
    const coins = '\u{1F4B0}'.repeat(30) + '{';
    for (let max = 1; max <= coins.length + 1; max++) {
      const cut = clipText(coins, max);
      expect(isWellFormed(cut), `max ${max}: ${JSON.stringify(cut)}`).toBe(true);
      if (max >= 30) expect(cut.length).toBeLessThanOrEqual(max); // below, the note alone is longer
    }
    const long = clipText('\u{1F4B0}'.repeat(5000));
    expect(isWellFormed(long)).toBe(true);
    expect(long.length).toBeLessThanOrEqual(MAX_STATUS_DETAILS);
    expect(long.startsWith('\u{1F4B0}'.repeat(10))).toBe(true);
  });

  it('replaces lone surrogates (e.g. in a parser message quoting half an emoji) with U+FFFD', () => {
    expect(wellFormed('a\uD83Db')).toBe('a\uFFFDb');
    expect(wellFormed('a\uDCB0b\uD83D')).toBe('a\uFFFDb\uFFFD');
    expect(wellFormed('\uDCB0\uD83D')).toBe('\uFFFD\uFFFD'); // a low before a high is no pair
    expect(wellFormed('ok \u{1F4B0} é')).toBe('ok \u{1F4B0} é');
    expect(clipText('\uD83D')).toBe('\uFFFD');
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
