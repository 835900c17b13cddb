/**
 * The participant's own floor for secure sums. A secure sum reveals the sum of its survivors'
 * inputs; over one member that sum IS the member's input, and over two it is the other member's
 * input to each of them. The coordinator chooses the member set, the survivor set and (through
 * the job) the Shamir threshold t, so only the participant can refuse a sum that would single it
 * out. It does so at every step, before sending anything that could help unmask its input:
 *
 * - the round's participants U, the key advertisers U1, the share senders U2 and the survivors
 *   U3 must each number at least `minContributors` (itself included);
 * - the threshold t must be at least `minThreshold`: with t = 1 any one share holder's share
 *   would reconstruct a participant's secrets.
 *
 * Defaults are safe without any policy file: 3 contributors and t ≥ 2; the job's
 * `minParticipants` and the policy's `minOtherParticipants` + 1 can only raise both floors, and
 * a policy's `minContributors` sets the contributor floor (2 is the least it accepts, for a
 * two-institution consortium that knowingly lets each member learn the other's input).
 *
 * Pure: no I/O.
 */
import { DEFAULT_MEMBER_FLOOR } from '../../core/round/dropout-tolerance.ts';
import type { SecAggServerMessage } from '../../core/round/secure-messages.ts';
import type { SecAggConfig } from '../../core/secagg/protocol/types.ts';

/** Contributors (this node included) a secure sum must have at every step, by default. */
export const DEFAULT_MIN_CONTRIBUTORS = DEFAULT_MEMBER_FLOOR;
/** Smallest Shamir threshold this node accepts, by default. */
export const DEFAULT_MIN_THRESHOLD = 2;
/** Smallest contributor floor a policy may set. */
export const LEAST_MIN_CONTRIBUTORS = 2;

/** What the node's operator may set (policy file); absent fields take the defaults. */
export interface FloorSettings {
  /** Contributors, this node included, every secure sum must have (default 3, at least 2). */
  minContributors?: number;
  /** Other institutions this node's data must be mixed with (raises both floors to this + 1). */
  minOtherParticipants?: number;
}

/** The floor in force for one job. */
export interface ReleaseFloor {
  minContributors: number;
  minThreshold: number;
}

/** The floor for a job with `minParticipants` under the node's `settings`. */
export function releaseFloor(minParticipants: number, settings: FloorSettings = {}): ReleaseFloor {
  const others = (settings.minOtherParticipants ?? 0) + 1;
  const contributors = Math.max(LEAST_MIN_CONTRIBUTORS, settings.minContributors ?? DEFAULT_MIN_CONTRIBUTORS);
  return {
    minContributors: Math.max(contributors, minParticipants, others),
    minThreshold: Math.max(DEFAULT_MIN_THRESHOLD, minParticipants, others),
  };
}

const describe = (floor: ReleaseFloor) => `this node's floor is ${floor.minContributors} contributors (itself included) and t ≥ ${floor.minThreshold}`;

/** Why the round's configuration is below the floor, or undefined. */
export function configFloorProblem(config: SecAggConfig, floor: ReleaseFloor): string | undefined {
  if (config.participants.length < floor.minContributors) {
    return `refusing a secure sum over ${config.participants.length} participant(s) [${config.participants.join(', ')}]: ${describe(floor)}, so no institution's input can be singled out`;
  }
  if (config.threshold < floor.minThreshold) {
    return `refusing a secure sum with threshold t = ${config.threshold}: ${describe(floor)} (with a lower t, fewer share holders could unmask a participant)`;
  }
  return undefined;
}

/** The member set a server message announces (U1, U2 or U3), with its name, or undefined. */
function announcedSet(message: SecAggServerMessage): { name: string; members: string[] } | undefined {
  switch (message.type) {
    case 'peer-keys':
      return { name: 'key advertisers U1', members: message.keys.map((k) => k.id) };
    case 'peer-commits':
      return { name: 'key advertisers U1', members: message.commits.map((c) => c.id) };
    case 'share-delivery':
      return { name: 'share senders U2', members: message.shared };
    case 'consistency-request':
    case 'unmask-request':
      return { name: 'survivors U3', members: message.survivors };
    default:
      return undefined;
  }
}

/** Why a step's announced member set is below the floor, or undefined. */
export function stepFloorProblem(message: SecAggServerMessage, floor: ReleaseFloor): string | undefined {
  const set = announcedSet(message);
  if (!set || new Set(set.members).size >= floor.minContributors) return undefined;
  return `refusing to go on with ${set.members.length} ${set.name} [${set.members.join(', ')}]: ${describe(floor)}, so no institution's input can be singled out`;
}
