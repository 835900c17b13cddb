/**
 * Shared plumbing of the server machine of Bonawitz et al., CCS 2017 (server.ts,
 * server-unmask.ts): the step result and input types, the transition to the terminal `aborted`
 * state, and the acceptance of a stage's replies, which turns missing, repeated, unexpected or
 * unusable replies into {@link Failure} records (dropouts are data, not exceptions).
 */
import type { Stage } from './config-types.ts';
import type { Failure, ServerInput, ServerOutput } from './messages.ts';
import type { ServerState } from './states.ts';

/** One server transition: the successor state and what the server sends or concludes. */
export type Step = { state: ServerState; output: ServerOutput };
/** The server state of stage `S`. */
export type At<S extends ServerState['stage']> = Extract<ServerState, { stage: S }>;
/** A reply of the deadline input of type `T`. */
export type Msg<T extends ServerInput['type']> = Extract<ServerInput, { type: T }>['messages'][number];
/** The consortium roster: participant name → Ed25519 public key. */
export type Roster = ReadonlyMap<string, Uint8Array>;

/** Moves to the terminal `aborted` state with an abort output carrying the stage's failures. */
export function abort(state: ServerState, reason: string, failures: Failure[]): Step {
  const at: Stage = state.stage === 'aborted' ? state.at : state.stage;
  const full = `${at}: ${reason}`;
  return { state: { stage: 'aborted', config: state.config, at, reason: full }, output: { type: 'abort', stage: at, reason: full, failures } };
}

/**
 * Keeps the first acceptable message of each expected sender; records a failure for strangers,
 * repeats, messages `check` rejects, and expected senders that sent nothing.
 */
export function accept<M extends { from: string }>(
  stage: Stage,
  expected: readonly string[],
  messages: M[],
  check: (m: M) => string | undefined,
  failures: Failure[],
): Map<string, M> {
  const ok = new Map<string, M>();
  const tried = new Set<string>();
  for (const m of messages) {
    let reason: string | undefined;
    if (!expected.includes(m.from)) reason = `${m.from} is not expected in this stage`;
    else if (tried.has(m.from)) reason = 'sent more than one message; the first one counts';
    else reason = check(m);
    if (expected.includes(m.from)) tried.add(m.from);
    if (reason === undefined) ok.set(m.from, m);
    else failures.push({ participant: m.from, stage, reason });
  }
  for (const u of expected) {
    if (!tried.has(u)) failures.push({ participant: u, stage, reason: 'no reply before the deadline' });
  }
  return ok;
}
