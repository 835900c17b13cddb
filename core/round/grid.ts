/**
 * The transport port of the round engine (DESIGN.md §3 "round engine over a Grid port"). The
 * coordinator implements it over gRPC (coordinator/fleet-grid.ts); tests can implement it in
 * memory. Dropouts, refusals and timeouts are data (a failures list), never exceptions.
 */
import type { TaskKind } from '../types';

/** What one stage asks of every selected participant. */
export interface StageTask {
  kind: TaskKind;
  round: number;
  /** JSON-safe task configuration (validated by the participant at its edge). */
  config: unknown;
  /** Global model weights, for train and evaluate stages. */
  weights?: Float32Array;
}

/** A participant that did not deliver a usable reply in a stage, and why. */
export interface StageFailure {
  participant: string;
  stage: string;
  reason: string;
}

/** Raw replies of one stage: each participant's named vectors, or its failure. */
export interface StageReplies {
  replies: Map<string, Record<string, Float64Array>>;
  failures: StageFailure[];
}

/** The transport as the round engine sees it. */
export interface Grid {
  /** Names of the participants connected right now. */
  available(): string[];
  /**
   * Resolves with the connected participant names once at least `min` of the wanted ones
   * (all connected ones when `names` is undefined) are connected, or when `timeoutMs` passes
   * (then with whatever is connected).
   */
  waitFor(min: number, names: string[] | undefined, timeoutMs: number): Promise<string[]>;
  /** Sends the task to each participant and gathers replies until all answered or the deadline. */
  run(participants: string[], task: StageTask, deadlineMs: number): Promise<StageReplies>;
}
