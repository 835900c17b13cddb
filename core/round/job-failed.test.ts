import { describe, expect, it } from 'vitest';
import { describeFailures } from './job-failed.ts';

describe('describeFailures', () => {
  it('says a reason shared by several participants once, naming them all', () => {
    const refused = 'refused: job uses model type "mlp", which this node\'s policy does not allow';
    expect(describeFailures([])).toBe('');
    expect(
      describeFailures([
        { participant: 'c', stage: 's', reason: refused },
        { participant: 'b', stage: 's', reason: 'timed out' },
        { participant: 'a', stage: 's', reason: refused },
      ]),
    ).toBe(` (a, c: ${refused}; b: timed out)`); // names sorted: the order replies arrived in does not show
  });
});
