import { afterAll, describe, expect, it } from 'vitest';
import { canonicalId } from '../../core/psi/ids.ts';
import { intersectPair } from './intersect.ts';
import { PsiPool } from './pool.ts';

/** Deterministic pseudo-random IDs (the test data, not a secret). */
function ids(prefix: string, n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${(from + i) * 7919}`);
}

describe('private set intersection of two ID columns', () => {
  const pool = new PsiPool(2);
  afterAll(() => pool.close());

  it('equals the plaintext join, in the label holder\'s row order, with worker threads', async () => {
    // 10 000 label-holder IDs; the feature party holds 3 000 of them (30 %) and 5 000 others, shuffled.
    const label = ids('cust', 10_000);
    const shared = label.filter((_, i) => i % 10 < 3);
    const feature = [...ids('cust', 5_000, 20_000), ...shared].sort((x, y) => (x.length - y.length) || x.localeCompare(y)).reverse();
    const r = await intersectPair(label, feature, { salt: 'consortium-test', pool });
    const featureIndex = new Map(feature.map((id, i) => [id, i]));
    const expectedLabel = label.map((id, i) => (featureIndex.has(id) ? i : -1)).filter((i) => i >= 0);
    expect(r.counts).toEqual({ label: 10_000, feature: 8_000, shared: 3_000 });
    expect(Array.from(r.labelRows)).toEqual(expectedLabel);
    expect(Array.from(r.featureRows)).toEqual(expectedLabel.map((i) => featureIndex.get(label[i]!)));
  });

  it('meets IDs written differently, and counts what it left out on each side', async () => {
    const label = ['AB-1', 'ab-2', '', 'AB-3', 'ab-1', 'zz-9'];
    const feature = [' ab1', 'AB 3', '!!', 'qq-0'];
    const r = await intersectPair(label, feature, { salt: 's', canonicalization: { form: 'alnum' }, pool });
    expect(Array.from(r.labelRows)).toEqual([0, 3]);
    expect(Array.from(r.featureRows)).toEqual([0, 1]);
    expect(r.label.empty.count).toBe(1);
    expect(r.label.duplicate).toEqual({ count: 1, firstRows: [4] });
    expect(r.feature.malformed).toEqual({ count: 1, firstRows: [2] });
    expect(canonicalId(' ab1', { form: 'alnum' })).toBe(canonicalId('AB-1', { form: 'alnum' }));
  });

  it('finds nothing across consortia with different salts', async () => {
    const label = ids('c', 50);
    const r1 = await intersectPair(label, label, { salt: 'a', pool });
    expect(r1.counts.shared).toBe(50);
    // Each side hashing with its own salt: no ID meets.
    const { encodeToU } = await import('../../core/psi/kernels.mjs');
    const { idMessage, PSI_DST } = await import('../../core/psi/protocol.ts');
    const x = encodeToU([idMessage('a', 'c-0')], Buffer.from(PSI_DST));
    const y = encodeToU([idMessage('b', 'c-0')], Buffer.from(PSI_DST));
    expect(Buffer.from(x)).not.toEqual(Buffer.from(y));
  });
});
