import { describe, expect, it } from 'vitest';
import { seededRng } from '../../random.ts';
import { drawGraph, graphCommit, revealProblem, withDrawnGraph } from './graph-draw.ts';
import { neighboursOf } from './graph.ts';
import { simulateRound } from './simulate.ts';
import { plainSum, randomInputs, rngFactory, testConfig, testIdentities } from '../../../test/support/secagg-protocol.ts';
import type { SecAggConfig } from './config-types.ts';
import type { GraphNonce, PeerCommitsMessage, PublicKeys } from './messages.ts';

const ids = Array.from({ length: 12 }, (_, i) => `inst-${String(i).padStart(2, '0')}`);
const committed = (over: Partial<SecAggConfig> = {}) => testConfig(ids, 3, { graph: { kind: 'committed', k: 4 }, length: 16, ...over }) as SecAggConfig & { graph: { kind: 'committed'; k: number } };

function reveals(config: SecAggConfig, seed: number, who = ids): { keys: PublicKeys[]; reveals: GraphNonce[] } {
  const rng = seededRng(seed);
  const out = who.map((id) => ({ id, nonce: rng(32) }));
  return { keys: out.map((r) => ({ id: r.id, cPk: new Uint8Array(32), sPk: new Uint8Array(32), commit: graphCommit(config, r.id, r.nonce) })), reveals: out };
}

describe('the committed SecAgg+ graph', () => {
  const config = committed();
  it('is a k-regular ring over U1 determined by every reveal, and by nothing else', () => {
    const r = reveals(config, 1);
    const g = drawGraph(config, r.reveals);
    const drawn = { ...config, graph: g };
    for (const u of ids) {
      const nb = neighboursOf(drawn, u);
      expect(nb).toHaveLength(4);
      for (const v of nb) expect(neighboursOf(drawn, v)).toContain(u);
    }
    expect(drawGraph(config, [...r.reveals].reverse())).toEqual(g); // order of arrival does not matter
    const other = reveals(config, 1).reveals.map((x, i) => (i === 5 ? { ...x, nonce: Uint8Array.from(x.nonce, (b, j) => (j === 0 ? b ^ 1 : b)) } : x));
    expect(drawGraph(config, other)).not.toEqual(g); // one bit of one member's nonce changes it
    expect(drawGraph({ ...config, run: 'another-run' }, r.reveals)).not.toEqual(g);
  });

  it('is drawn once per frozen configuration and set of reveals, and shared frozen', () => {
    const frozen = Object.freeze(committed({ run: 'shared-run' })) as typeof config;
    const r = reveals(frozen, 4);
    const first = withDrawnGraph(frozen, r.reveals);
    expect(first.graph).toEqual(drawGraph(frozen, r.reveals));
    expect(Object.isFrozen(first) && Object.isFrozen(first.graph)).toBe(true);
    if (first.graph.kind !== 'explicit') throw new Error('not drawn');
    expect(Object.isFrozen(first.graph.adjacency) && Object.isFrozen(first.graph.adjacency['inst-00'])).toBe(true);
    // Another member: the same reveals in other arrays, in another order.
    expect(withDrawnGraph(frozen, [...r.reveals].reverse().map((x) => ({ ...x, nonce: Uint8Array.from(x.nonce) })))).toBe(first);
    // Other reveals (a coordinator showing members different nonces) draw their own graph.
    const other = reveals(frozen, 5);
    const second = withDrawnGraph(frozen, other.reveals);
    expect(second).not.toBe(first);
    expect(second.graph).toEqual(drawGraph(frozen, other.reveals));
    // A configuration that is not frozen may change later: drawn afresh every time.
    const open = committed({ run: 'shared-run' });
    expect(withDrawnGraph(open, r.reveals)).not.toBe(withDrawnGraph(open, r.reveals));
    expect(withDrawnGraph(open, r.reveals).graph).toEqual(first.graph);
  });

  it('gives members outside U1 no neighbours', () => {
    const r = reveals(config, 2, ids.slice(0, 10));
    const g = drawGraph(config, r.reveals);
    expect(g.kind === 'explicit' && g.adjacency['inst-11']).toEqual([]);
    expect(g.kind === 'explicit' && g.adjacency['inst-03']!.every((v) => ids.slice(0, 10).includes(v))).toBe(true);
  });

  it('requires a matching reveal from every advertiser', () => {
    const r = reveals(config, 3);
    expect(revealProblem(config, r.keys, r.reveals)).toBeUndefined();
    expect(revealProblem(config, r.keys, r.reveals.slice(1))).toMatch(/^inst-00 did not reveal its graph nonce; the neighbour graph is drawn from every advertiser's randomness or not at all/);
    const forged = r.reveals.map((x) => (x.id === 'inst-04' ? { ...x, nonce: new Uint8Array(32).fill(7) } : x));
    expect(revealProblem(config, r.keys, forged)).toBe('the graph nonce of inst-04 does not open its commitment');
    expect(revealProblem(config, r.keys.slice(1), r.reveals)).toBe('a graph nonce comes from inst-00, who did not advertise keys');
    expect(revealProblem(config, r.keys, [...r.reveals, r.reveals[0]!])).toBe('inst-00 revealed its graph nonce twice');
  });
});

describe('a round with a committed graph', () => {
  const inputs = randomInputs(ids, 16, 32, seededRng(9));
  it('sums exactly, through dropouts after the reveal, with every party drawing the same graph', () => {
    const config = committed();
    const res = simulateRound({ config, inputs, rngFor: rngFactory(4), dropouts: { shareKeys: ['inst-03'], maskedInput: ['inst-07'] } });
    expect(res.outcome.type).toBe('result');
    const survivors = ids.filter((u) => u !== 'inst-03' && u !== 'inst-07');
    expect(res.outcome.type === 'result' && Array.from(res.outcome.sum)).toEqual(Array.from(plainSum(inputs, survivors, 16, 32)));
    const server = res.server.config.graph;
    expect(server.kind).toBe('explicit');
    for (const [, c] of res.clients) if (!['aborted', 'advertise-keys', 'graph-reveal'].includes(c.stage)) expect(c.config.graph).toEqual(server);
  });

  it('leaves each member, once it has shared its keys, with its share holders\' public keys only', () => {
    const kept = new Map<string, { advertised: string[]; peers: string[] }>();
    const res = simulateRound({
      config: committed(),
      inputs,
      rngFor: rngFactory(6),
      intercept: {
        delivery: (d, clients) => {
          const c = clients.get(d.to)!;
          if (c.stage === 'masked-input') kept.set(d.to, { advertised: [...c.advertised], peers: c.peers.map((p) => p.id) });
          return d;
        },
      },
    });
    expect(res.outcome.type).toBe('result');
    const graph = res.server.config;
    expect(kept.size).toBe(ids.length);
    for (const [u, k] of kept) {
      expect(k.advertised).toEqual(ids);
      expect(k.peers).toEqual([u, ...neighboursOf(graph, u)].sort());
      expect(k.peers).toHaveLength(5); // itself and its k = 4 neighbours of 12
    }
  });

  it('survives saving and restoring every state through JSON between steps', () => {
    const res = simulateRound({ config: committed({ authenticated: true }), inputs, rngFor: rngFactory(8), authFor: testIdentities(ids, 3).authFor, persist: true });
    expect(res.outcome.type === 'result' && Array.from(res.outcome.sum)).toEqual(Array.from(plainSum(inputs, ids, 16, 32)));
  });

  it('sends each member U1 as commitments, then only its neighbours\' keys, and the member checks they are exactly those', () => {
    const config = committed();
    const seen = new Map<string, string[]>();
    const honest = simulateRound({
      config, inputs, rngFor: rngFactory(6),
      intercept: {
        peerCommits: (_to, m) => {
          expect(Object.keys(m.commits[0]!).sort()).toEqual(['commit', 'id']);
          return m;
        },
        graphReveals: (to, m) => {
          seen.set(to, m.keys.map((k) => k.id));
          return m;
        },
      },
    });
    const graph = honest.server.config.graph;
    if (graph.kind !== 'explicit') throw new Error('the server drew no graph');
    for (const u of ids) expect(seen.get(u)).toEqual([...graph.adjacency[u]!].sort());
    expect(honest.outcome.type === 'result' && Array.from(honest.outcome.sum)).toEqual(Array.from(plainSum(inputs, ids, 16, 32)));

    const mine = [...graph.adjacency['inst-05']!].sort();
    const stranger = ids.find((v) => v !== 'inst-05' && !mine.includes(v))!;
    // What inst-05 gets with the reveals, altered.
    const altered = (change: (keys: PublicKeys[], all: PublicKeys[]) => PublicKeys[]) => {
      let all: PublicKeys[] = [];
      const res = simulateRound({
        config, inputs, rngFor: rngFactory(6),
        intercept: {
          graphReveals: (to, m) => {
            all = [...all, ...m.keys.filter((k) => !all.some((x) => x.id === k.id))];
            return to !== 'inst-05' ? m : { ...m, keys: change(m.keys, all) };
          },
        },
      });
      return res.clientAborts.map((x) => `${x.id}: ${x.output.reason}`);
    };
    // Two neighbours with one key would cancel two masks in inst-05's input: it refuses before sharing.
    const [a, b] = [mine[0]!, mine[1]!];
    expect(altered((keys) => keys.map((k) => (k.id === b ? { ...k, sPk: keys.find((x) => x.id === a)!.sPk } : k)))).toEqual([
      `inst-05: graph-reveal: two advertised public keys are equal (${a} and ${b})`,
    ]);
    expect(altered((keys) => keys.slice(1))).toEqual([`inst-05: graph-reveal: the graph reveals carry no key advert of neighbour ${mine[0]}`]);
    expect(altered((keys, all) => [...keys, all.find((k) => k.id === stranger)!])).toEqual([
      `inst-05: graph-reveal: a key advert of ${stranger} came with the graph reveals, but ${stranger} is not a neighbour of inst-05 in the drawn graph`,
    ]);
    expect(altered((keys) => [...keys, keys[0]!])).toEqual([`inst-05: graph-reveal: the neighbours' key adverts hold ${mine[0]} twice`]);
    expect(altered((keys) => keys.map((k) => (k.id === a ? { ...k, commit: new Uint8Array(32).fill(3) } : k)))).toEqual([
      `inst-05: graph-reveal: the key advert of ${a} does not carry the graph commitment announced for ${a} with U1`,
    ]);
    expect(altered((keys) => keys.map((k) => (k.id === a ? { ...k, cPk: new Uint8Array(31) } : k)))).toEqual([`inst-05: graph-reveal: ${a} advertised a key that is not 32 bytes`]);
  });

  it('refuses an announcement of U1 without its own commitment, with a repeated member or a stranger', () => {
    const config = committed();
    const announced = (change: (m: PeerCommitsMessage) => PeerCommitsMessage) =>
      simulateRound({ config, inputs, rngFor: rngFactory(6), intercept: { peerCommits: (to, m) => (to === 'inst-05' ? change(m) : m) } }).clientAborts.map((x) => `${x.id}: ${x.output.reason}`);
    expect(announced((m) => ({ ...m, commits: m.commits.filter((c) => c.id !== 'inst-05') }))).toEqual(["inst-05: share-keys: the announced key advertisers do not carry inst-05's own graph commitment"]);
    expect(announced((m) => ({ ...m, commits: m.commits.map((c) => (c.id === 'inst-05' ? { ...c, commit: new Uint8Array(32) } : c)) }))).toEqual([
      "inst-05: share-keys: the announced key advertisers do not carry inst-05's own graph commitment",
    ]);
    expect(announced((m) => ({ ...m, commits: [...m.commits, m.commits[0]!] }))).toEqual(['inst-05: share-keys: inst-00 appears twice among the announced key advertisers']);
    expect(announced((m) => ({ ...m, commits: [...m.commits, { id: 'mallory', commit: new Uint8Array(32) }] }))).toEqual([
      'inst-05: share-keys: the announced key advertisers name mallory, who is not a participant of this round',
    ]);
  });

  it('aborts when one advertiser withholds its nonce: nobody may draw the graph without it', () => {
    const res = simulateRound({ config: committed(), inputs, rngFor: rngFactory(5), dropouts: { graphReveal: ['inst-05'] } });
    expect(res.outcome).toMatchObject({ type: 'abort', reason: 'graph-reveal: only 11 of the 12 key advertisers revealed their graph nonce; the neighbour graph is drawn from every advertiser\'s randomness or not at all' });
  });

  it('in an authenticated round, a coordinator that swaps a commitment, a neighbour\'s keys or a nonce is caught', () => {
    const auth = testIdentities(ids, 11);
    const config = committed({ authenticated: true });
    // inst-02's commitment altered in inst-05's view only: the real nonce does not open it.
    const swapped = simulateRound({
      config, inputs, rngFor: rngFactory(6), authFor: auth.authFor,
      intercept: { peerCommits: (to, m) => (to !== 'inst-05' ? m : { ...m, commits: m.commits.map((c) => (c.id === 'inst-02' ? { ...c, commit: new Uint8Array(32).fill(1) } : c)) }) },
    });
    expect(swapped.outcome.type === 'result' && swapped.outcome.survivors.includes('inst-05')).toBe(false);
    expect(swapped.clientAborts.map((a) => `${a.id}: ${a.output.reason}`)).toEqual(['inst-05: graph-reveal: the graph nonce of inst-02 does not open its commitment']);
    // A member checks the signed adverts of its drawn neighbours, the only keys it gets and uses.
    const honest = simulateRound({ config, inputs, rngFor: rngFactory(6), authFor: auth.authFor });
    const graph = honest.server.config.graph;
    if (graph.kind !== 'explicit') throw new Error('the server drew no graph');
    const mine = [...graph.adjacency['inst-05']!].sort();
    const neighbourSwapped = simulateRound({
      config, inputs, rngFor: rngFactory(6), authFor: auth.authFor,
      intercept: { graphReveals: (to, m) => (to !== 'inst-05' ? m : { ...m, keys: m.keys.map((k) => (k.id === mine[0] ? { ...k, cPk: new Uint8Array(32).fill(9) } : k)) }) },
    });
    expect(neighbourSwapped.clientAborts.map((a) => `${a.id}: ${a.output.reason}`)).toEqual([
      `inst-05: graph-reveal: the key advert of ${mine[0]} does not verify under its roster key (keys substituted or signature forged)`,
    ]);
    expect(neighbourSwapped.maskedInputs.some((m) => m.from === 'inst-05')).toBe(false);
    const lied = simulateRound({
      config, inputs, rngFor: rngFactory(7), authFor: auth.authFor,
      intercept: { graphReveals: (_to, m) => ({ ...m, reveals: m.reveals.map((r) => (r.id === 'inst-09' ? { ...r, nonce: new Uint8Array(32) } : r)) }) },
    });
    expect(lied.outcome.type).toBe('abort');
    expect(lied.clientAborts).toHaveLength(12);
    for (const a of lied.clientAborts) expect(a.output.reason).toBe('graph-reveal: the graph nonce of inst-09 does not open its commitment');
  });
});
