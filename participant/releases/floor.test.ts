import { describe, expect, it } from 'vitest';
import { configFloorProblem, releaseFloor, stepFloorProblem } from './floor.ts';
import type { SecAggConfig } from '../../core/secagg/protocol/types.ts';

const config = (participants: string[], threshold: number): SecAggConfig => ({
  run: 'j/stats/0/x.1', round: 0, participants, threshold, bits: 32, length: 4, graph: { kind: 'complete' },
});

describe('releaseFloor', () => {
  it('is 3 contributors and t ≥ 2 without any setting, even for a job that allows fewer', () => {
    expect(releaseFloor(1)).toEqual({ minContributors: 3, minThreshold: 2 });
    expect(releaseFloor(2)).toEqual({ minContributors: 3, minThreshold: 2 });
  });
  it('rises with the job\'s minParticipants and the policy\'s minOtherParticipants + 1', () => {
    expect(releaseFloor(5)).toEqual({ minContributors: 5, minThreshold: 5 });
    expect(releaseFloor(2, { minOtherParticipants: 3 })).toEqual({ minContributors: 4, minThreshold: 4 });
    expect(releaseFloor(2, { minContributors: 6 })).toEqual({ minContributors: 6, minThreshold: 2 });
  });
  it('lets a policy lower the contributor floor to 2, never below', () => {
    expect(releaseFloor(1, { minContributors: 2 })).toEqual({ minContributors: 2, minThreshold: 2 });
    expect(releaseFloor(1, { minContributors: 1 })).toEqual({ minContributors: 2, minThreshold: 2 });
  });
});

describe('the floor at each step', () => {
  const floor = releaseFloor(2);
  it('refuses a one- or two-member sum and a threshold of 1', () => {
    expect(configFloorProblem(config(['a'], 1), floor)).toMatch(/^refusing a secure sum over 1 participant\(s\) \[a\]: this node's floor is 3 contributors/);
    expect(configFloorProblem(config(['a', 'b'], 2), floor)).toMatch(/over 2 participant\(s\) \[a, b\]/);
    expect(configFloorProblem(config(['a', 'b', 'c'], 1), floor)).toMatch(/^refusing a secure sum with threshold t = 1: .* and t ≥ 2/);
    expect(configFloorProblem(config(['a', 'b', 'c'], 2), floor)).toBeUndefined();
  });
  it('refuses announced sets U1, U2, U3 below the floor', () => {
    const keys = (ids: string[]) => ids.map((id) => ({ id, cPk: new Uint8Array(32), sPk: new Uint8Array(32) }));
    expect(stepFloorProblem({ type: 'peer-keys', keys: keys(['a', 'b']) }, floor)).toMatch(/with 2 key advertisers U1 \[a, b\]/);
    expect(stepFloorProblem({ type: 'peer-keys', keys: keys(['a', 'b', 'c']) }, floor)).toBeUndefined();
    const commits = (ids: string[]) => ids.map((id) => ({ id, commit: new Uint8Array(32) }));
    expect(stepFloorProblem({ type: 'peer-commits', commits: commits(['a', 'b']) }, floor)).toMatch(/with 2 key advertisers U1 \[a, b\]/);
    expect(stepFloorProblem({ type: 'peer-commits', commits: commits(['a', 'b', 'c']) }, floor)).toBeUndefined();
    expect(stepFloorProblem({ type: 'share-delivery', to: 'a', shared: ['a', 'b'], ciphertexts: [] }, floor)).toMatch(/2 share senders U2/);
    expect(stepFloorProblem({ type: 'consistency-request', survivors: ['a', 'b'], dropped: ['c'] }, floor)).toMatch(/2 survivors U3 \[a, b\]/);
    expect(stepFloorProblem({ type: 'unmask-request', survivors: ['a', 'a', 'b'], dropped: [] }, floor)).toMatch(/survivors U3/);
    expect(stepFloorProblem({ type: 'unmask-request', survivors: ['a', 'b', 'c'], dropped: [] }, floor)).toBeUndefined();
    expect(stepFloorProblem({ type: 'begin' }, floor)).toBeUndefined();
  });
});
