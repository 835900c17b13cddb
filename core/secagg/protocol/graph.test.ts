/**
 * Neighbour graphs (Bell et al., CCS 2020, SecAgg+) and full rounds over them: the ring graph is
 * symmetric, (nearly) k-regular and reproducible, and the Bonawitz et al. (CCS 2017) stage
 * machines give the exact sum over a sparse graph, or abort with a reason — never a wrong sum.
 */
import { describe, expect, it } from 'vitest';
import { seededRng, uniform01, uniformInt } from '../../random.ts';
import { CoreInputError } from '../../types.ts';
import { checkGraph, completeGraph, neighboursOf, ringNeighbours } from './graph.ts';
import { simulateRound } from './simulate.ts';
import { doublyRevealed, makeIds, plainSum, randomInputs, rngFactory, testConfig } from '../../../test/support/secagg-protocol.ts';

describe('ringNeighbours', () => {
  const ids = makeIds(13, seededRng(1));

  it.each([2, 3, 4, 5, 6])('is symmetric with degree k (k + 1 for some vertices when k and n are odd), k = %i', (k) => {
    for (const n of [7, 8, 13]) {
      const g = ringNeighbours(ids.slice(0, n), k, 42);
      checkGraph(g, ids.slice(0, n));
      if (g.kind !== 'explicit') throw new Error('expected explicit');
      const degrees = Object.values(g.adjacency).map((l) => l.length);
      const allowed = k % 2 === 1 && n % 2 === 1 ? [k, k + 1] : [k];
      for (const d of degrees) expect(allowed).toContain(d);
    }
  });

  it('is deterministic in (ids as a set, k, seed) and varies with the seed', () => {
    const a = ringNeighbours(ids, 4, 7);
    expect(ringNeighbours([...ids].reverse(), 4, 7)).toEqual(a);
    expect(ringNeighbours(ids, 4, 8)).not.toEqual(a);
  });

  it('joins everyone when k ≥ n − 1', () => {
    const g = ringNeighbours(ids.slice(0, 5), 4, 1);
    if (g.kind !== 'explicit') throw new Error('expected explicit');
    for (const u of ids.slice(0, 5)) expect(g.adjacency[u]).toHaveLength(4);
  });

  it('rejects bad k, ids and asymmetric graphs', () => {
    expect(() => ringNeighbours(ids, 0, 1)).toThrow(CoreInputError);
    expect(() => ringNeighbours(['a', 'a'], 1, 1)).toThrow(CoreInputError);
    expect(() => checkGraph({ kind: 'explicit', adjacency: { a: ['b'], b: [] } }, ['a', 'b'])).toThrow(/not symmetric/);
    expect(() => checkGraph({ kind: 'explicit', adjacency: { a: ['a'] } }, ['a'])).toThrow(/itself/);
    expect(() => checkGraph({ kind: 'explicit', adjacency: { a: [] } }, ['a', 'b'])).toThrow(/one entry per participant/);
  });

  it('neighboursOf follows the graph, and the complete graph by default', () => {
    const g = ringNeighbours(ids, 2, 3);
    const config = testConfig(ids, 2, { graph: g });
    if (g.kind !== 'explicit') throw new Error('expected explicit');
    expect(neighboursOf(config, ids[0]!)).toEqual([...g.adjacency[ids[0]!]!].sort());
    expect(neighboursOf(testConfig(ids, 2, { graph: completeGraph() }), ids[0]!)).toHaveLength(12);
  });
});

describe('rounds over a sparse SecAgg+ graph', () => {
  it('40 seeded trials: exact sum over U3, or an abort — never a wrong sum', () => {
    let results = 0;
    for (let trial = 0; trial < 40; trial++) {
      const rng = seededRng(0x9a9 + trial);
      const n = 6 + uniformInt(rng, 15);
      const k = Math.min(n - 1, 2 * Math.ceil(Math.log2(n)));
      const t = 1 + uniformInt(rng, Math.ceil((k + 1) / 2)) + Math.floor((k + 1) / 4);
      const ids = makeIds(n, rng);
      const length = 1 + uniformInt(rng, 20);
      const config = testConfig(ids, t, { length, bits: 32, graph: ringNeighbours(ids, k, trial) });
      const inputs = randomInputs(ids, length, 32, rng);
      const p = trial % 3 === 0 ? 0 : 0.1;
      const pick = () => ids.filter(() => uniform01(rng) < p);
      const dropouts = { shareKeys: pick(), maskedInput: pick(), unmasking: pick() };
      const res = simulateRound({ config, inputs, rngFor: rngFactory(trial), dropouts });
      const label = `trial ${trial}: n=${n} k=${k} t=${t}`;
      expect(doublyRevealed(res.unmaskingResponses), label).toEqual([]);
      if (p === 0) expect(res.outcome.type, label).toBe('result');
      if (res.outcome.type === 'result') {
        results++;
        expect(Array.from(res.outcome.sum), label).toEqual(Array.from(plainSum(inputs, res.outcome.survivors, length, 32)));
        expect(res.outcome.survivors.some((u) => [...dropouts.shareKeys, ...dropouts.maskedInput].includes(u)), label).toBe(false);
      } else {
        expect(res.outcome.reason, label).toMatch(/only \d+ of the required \d+/);
      }
    }
    console.log(`secagg sparse graph: 40 trials, ${results} sums, ${40 - results} aborts`);
    expect(results).toBeGreaterThan(20);
    expect(results).toBeLessThan(40);
  });

  it('each client masks and shares with its k neighbours only', () => {
    const ids = makeIds(12, seededRng(5));
    const graph = ringNeighbours(ids, 4, 5);
    const res = simulateRound({
      config: testConfig(ids, 3, { graph }),
      inputs: randomInputs(ids, 8, 32, seededRng(6)),
      rngFor: rngFactory(7),
      dropouts: { maskedInput: [ids[0]!] },
    });
    if (graph.kind !== 'explicit') throw new Error('expected explicit');
    for (const r of res.unmaskingResponses) {
      expect(r.selfMaskShares.length).toBe(graph.adjacency[r.from]!.filter((v) => v !== ids[0]).length + 1);
      expect(r.keyShares.map((s) => s.owner)).toEqual(graph.adjacency[r.from]!.includes(ids[0]!) ? [ids[0]] : []);
    }
    expect(res.outcome.type).toBe('result');
  });
});
