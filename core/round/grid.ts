/**
 * The transport port of the round engine. The coordinator implements it over gRPC
 * (coordinator/fleet-grid.ts); tests can implement it in memory. Dropouts, refusals and timeouts
 * are data (a failures list), never exceptions; only a stop from outside — an aborted signal,
 * when a job is cancelled or the coordinator stops — makes a wait reject.
 */
import type { Contribution, ContributionShape, TaskKind } from '../types.ts';
import type { Envelope, VerticalReply } from '../vertical/messages.ts';
import type { AheadAnswer, SecAggClientMessage, SecAggTask } from './secure-messages.ts';

/** What one stage asks of a selected participant. */
export interface StageTask {
  kind: TaskKind;
  round: number;
  /** JSON-safe task configuration (validated by the participant at its edge). */
  config: unknown;
  /** Global model weights, for train and evaluate stages (sent with the first step only). */
  weights?: Float32Array;
  /** Set when the stage is one step of a secure sum (secure-sum.ts). */
  secagg?: SecAggTask;
  /**
   * Key-setup steps (the same step as `secagg`'s: begin, peer keys or graph reveals) of the secure
   * sums of later training rounds, set up together with this one (`secureAggregation.keysAhead`).
   */
  ahead?: SecAggTask[];
  /**
   * The vectors a plain contribution must carry (set by the plain sum): a transport may reject a
   * reply that does not fit at delivery (reply-check.ts). Not sent to the participant.
   */
  replyShape?: ContributionShape;
  /** Set for a step of a vertical job: sealed envelopes from peers and the dealer's material (`config` is the step's config). */
  vertical?: { envelopes: Envelope[]; dealt?: Uint8Array };
}

/** A participant that did not deliver a usable reply in a stage, and why. */
export interface StageFailure {
  participant: string;
  stage: string;
  reason: string;
}

/**
 * One participant's answer: named vectors in clear (plain sum) or a secure-aggregation message,
 * with the participant's signed privacy receipt (JSON) when the reply carries a DP-trained update.
 */
export type StageReply = ({ contribution: Contribution } | { secagg: SecAggClientMessage } | { vertical: VerticalReply }) & { receipt?: string; ahead?: AheadAnswer[] };

/** Raw replies of one stage: each participant's answer, or its failure. */
export interface StageReplies {
  replies: Map<string, StageReply>;
  failures: StageFailure[];
}

/** The task for every participant, or a function giving each participant its own task. */
export type StageTasks = StageTask | ((participant: string) => StageTask);

/** The transport as the round engine sees it. */
export interface Grid {
  /** Names of the participants connected right now. */
  available(): string[];
  /**
   * Resolves with the connected participant names once at least `min` of the wanted ones
   * (all connected ones when `names` is undefined) are connected, or when `timeoutMs` passes
   * (then with whatever is connected). When `signal` aborts first, rejects at once with its reason.
   */
  waitFor(min: number, names: string[] | undefined, timeoutMs: number, signal?: AbortSignal): Promise<string[]>;
  /**
   * Sends the task(s) to each participant and gathers replies until all answered or the deadline.
   * When `signal` aborts first, rejects at once with its reason and closes the tasks it sent
   * (replies that come later are stale).
   */
  run(participants: string[], tasks: StageTasks, deadlineMs: number, signal?: AbortSignal): Promise<StageReplies>;
  /**
   * The schema digest a participant registered with (HelloRequest.schema_digest); undefined when
   * the transport does not know one. A job selects only participants whose digest is the job
   * schema's.
   */
  schemaDigestOf?(participant: string): string | undefined;
}

/**
 * `grid` with every wait bound to `signal`, the way a job is stopped from outside (cancelled, or
 * paused while the coordinator stops): a wait or stage in progress rejects at once with the
 * signal's reason, and so does every later one. Without a signal, `grid` itself.
 */
export function withSignal(grid: Grid, signal: AbortSignal | undefined): Grid {
  if (!signal) return grid;
  return {
    available: () => grid.available(),
    ...(grid.schemaDigestOf ? { schemaDigestOf: (p: string) => grid.schemaDigestOf?.(p) } : {}),
    waitFor: (min, names, timeoutMs) => (signal.aborted ? Promise.reject(signal.reason) : grid.waitFor(min, names, timeoutMs, signal)),
    run: (participants, tasks, deadlineMs) => (signal.aborted ? Promise.reject(signal.reason) : grid.run(participants, tasks, deadlineMs, signal)),
  };
}

/** The task of `participant` among `tasks`. */
export function taskFor(tasks: StageTasks, participant: string): StageTask {
  return typeof tasks === 'function' ? tasks(participant) : tasks;
}
