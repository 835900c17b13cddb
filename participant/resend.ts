/**
 * Sending a task's answer again when the connection drops under it. A reset link or a restarting
 * coordinator fails the PushResult with UNAVAILABLE, and the answer may or may not have arrived.
 * Once the coordinator answers again and still knows this node's session (a Heartbeat says so),
 * the task can still be open: the same answer goes again (signed afresh: each copy needs its own
 * sequence number), until the task's deadline, which keeps the member in its secure sum when the
 * first copy was lost. When the first copy did arrive, the coordinator refuses the second as stale
 * (FAILED_PRECONDITION), which after a resend means the answer is in. A coordinator that forgot
 * the session (it restarted: its tasks are gone) gets no copy; the original error goes to the
 * caller, as do all other errors.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../platform/log.ts';

/** Settings of {@link sendWithResend}. */
export interface ResendOptions {
  /** Unix ms after which the task is closed anyway: no copy is sent past it. */
  deadlineMs: number;
  signal: AbortSignal;
  log: Logger;
  /** The task's id, for the log. */
  task: string;
  /** First pause before a resend, doubled after each one up to 2 s (default 200 ms). */
  firstPauseMs?: number;
  /** Whether the coordinator still knows this node's session (a Heartbeat); rejects while unreachable. */
  sessionKnown: () => Promise<boolean>;
}

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

/**
 * Calls `send` (one signed copy per call) until one is accepted, or the coordinator already has
 * one; see the module header. Resolves with the accepted copy's reply, or undefined when the
 * coordinator already had the answer.
 */
export async function sendWithResend<T>(send: () => Promise<T>, o: ResendOptions): Promise<T | undefined> {
  let wait = o.firstPauseMs ?? 200;
  let resent = false;
  for (;;) {
    let lost: unknown;
    try {
      return await send();
    } catch (err) {
      const code = (err as grpc.ServiceError).code;
      if (resent && code === grpc.status.FAILED_PRECONDITION) {
        o.log.debug('the coordinator already had this answer', { task: o.task, detail: (err as grpc.ServiceError).details });
        return undefined;
      }
      if (code !== grpc.status.UNAVAILABLE) throw err;
      lost = err;
    }
    // Wait until the coordinator answers again; resend only if it still knows the session.
    for (;;) {
      if (o.signal.aborted || Date.now() + wait >= o.deadlineMs) throw lost;
      await pause(wait, o.signal);
      wait = Math.min(wait * 2, 2000);
      if (o.signal.aborted) throw lost;
      const known = await o.sessionKnown().then(
        (k) => (k ? 'known' : 'forgotten'),
        (e: unknown) => ((e as grpc.ServiceError).code === grpc.status.UNAVAILABLE ? 'unreachable' : 'forgotten'),
      );
      if (known === 'forgotten') throw lost;
      if (known === 'known') break;
    }
    o.log.warn('connection lost while sending an answer; sending it again', { task: o.task });
    resent = true;
  }
}
