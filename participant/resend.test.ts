import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../platform/log.ts';
import { sendWithResend } from './resend.ts';

const status = (code: grpc.status, details = '') => Object.assign(new Error(details), { code, details });

/** A `send` that fails with the given codes in turn, then succeeds; counts its calls. */
function scripted(codes: grpc.status[]) {
  const calls = { n: 0 };
  const send = async () => {
    const code = codes[calls.n++];
    if (code !== undefined) throw status(code, `scripted ${grpc.status[code]}`);
    return 'ok';
  };
  return { send, calls };
}

const options = (deadlineMs = Date.now() + 10_000, sessionKnown = async () => true) => ({ deadlineMs, signal: new AbortController().signal, log: createLogger('resend-test', 'error'), task: 't-1', firstPauseMs: 1, sessionKnown });

describe('sendWithResend', () => {
  it('sends once when the first copy is accepted', async () => {
    const s = scripted([]);
    await sendWithResend(s.send, options());
    expect(s.calls.n).toBe(1);
  });

  it('sends again after UNAVAILABLE until a copy is accepted', async () => {
    const s = scripted([grpc.status.UNAVAILABLE, grpc.status.UNAVAILABLE]);
    await sendWithResend(s.send, options());
    expect(s.calls.n).toBe(3);
  });

  it('takes "stale" on a resend as the first copy having arrived', async () => {
    const s = scripted([grpc.status.UNAVAILABLE, grpc.status.FAILED_PRECONDITION]);
    await sendWithResend(s.send, options());
    expect(s.calls.n).toBe(2);
  });

  it('passes on a refusal of the first copy, and any error but UNAVAILABLE, without resending', async () => {
    for (const code of [grpc.status.FAILED_PRECONDITION, grpc.status.INVALID_ARGUMENT, grpc.status.UNAUTHENTICATED, grpc.status.DEADLINE_EXCEEDED]) {
      const s = scripted([code]);
      await expect(sendWithResend(s.send, options())).rejects.toMatchObject({ code });
      expect(s.calls.n).toBe(1);
    }
  });

  it('waits while the coordinator is unreachable, then resends if it still knows the session', async () => {
    const s = scripted([grpc.status.UNAVAILABLE]);
    const probes = scripted([grpc.status.UNAVAILABLE, grpc.status.UNAVAILABLE]);
    await sendWithResend(s.send, options(undefined, async () => (await probes.send()) === 'ok'));
    expect({ sends: s.calls.n, probes: probes.calls.n }).toEqual({ sends: 2, probes: 3 });
  });

  it('sends no copy to a coordinator that forgot the session (it restarted: the task is gone)', async () => {
    const s = scripted([grpc.status.UNAVAILABLE]);
    await expect(sendWithResend(s.send, options(undefined, async () => false))).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect(s.calls.n).toBe(1);
  });

  it('gives up at the task deadline', async () => {
    const s = scripted([grpc.status.UNAVAILABLE, grpc.status.UNAVAILABLE]);
    await expect(sendWithResend(s.send, options(Date.now()))).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect(s.calls.n).toBe(1);
  });

  it('stops resending once the node is stopped', async () => {
    const s = scripted([grpc.status.UNAVAILABLE, grpc.status.UNAVAILABLE]);
    const abort = new AbortController();
    abort.abort();
    await expect(sendWithResend(s.send, { ...options(), signal: abort.signal })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect(s.calls.n).toBe(1);
  });
});
