/**
 * Shared plumbing of the client machine of Bonawitz et al., CCS 2017 (client.ts,
 * client-unmask.ts): the step result type and the transition to the terminal `aborted` state.
 */
import type { ClientOutput } from './messages.ts';
import type { ClientState } from './states.ts';

/** One client transition: the successor state and what the client sends (or its abort). */
export type Step = { state: ClientState; output: ClientOutput };
/** The client state of stage `S`. */
export type At<S extends ClientState['stage']> = Extract<ClientState, { stage: S }>;

/** Moves to the terminal `aborted` state (which holds no secrets) with an abort output. */
export function abort(state: ClientState, reason: string): Step {
  const at = state.stage === 'aborted' ? state.at : state.stage;
  const full = `${at}: ${reason}`;
  return {
    state: { stage: 'aborted', id: state.id, config: state.config, at, reason: full },
    output: { type: 'abort', stage: at, reason: full },
  };
}

/** Aborts on a message the current stage does not expect. */
export function unexpected(state: ClientState, type: string): Step {
  return abort(state, `unexpected ${type} message while in stage ${state.stage}`);
}
