/**
 * The Control API's operator credential: with a roster, every Control call (submit, watch,
 * status, model download, participant list, cancel) must carry `authorization: Bearer <token>`
 * whose SHA-256 is listed under the roster's operators, and — over TLS — a client certificate
 * issued to that operator's name (a participant's certificate does not open the Control API).
 * Without a roster (an `--insecure` test network) the Control API is open.
 *
 * Statuses: no token or a token the roster does not list → UNAUTHENTICATED; a certificate
 * issued to someone else → PERMISSION_DENIED.
 */
import * as grpc from '@grpc/grpc-js';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ControlHandlers } from '../proto/generated/fedcredit/v1/Control.ts';
import type { Roster } from '../trust/format.ts';
import { peerCommonName } from '../trust/tls.ts';
import type { Logger } from '../platform/log.ts';
import { failStream } from './control-service.ts';
import { clipText } from '../proto/limits.ts';

type AnyCall = { metadata: grpc.Metadata; getAuthContext?: () => unknown };

/** Checks a call's operator credential; returns the operator's name or the refusal. */
export function checkOperator(roster: Roster, call: AnyCall): { operator: string } | { code: grpc.status; details: string } {
  const header = call.metadata.get('authorization')[0];
  const token = typeof header === 'string' ? /^Bearer (\S{1,512})$/.exec(header)?.[1] : undefined;
  if (token === undefined) {
    return { code: grpc.status.UNAUTHENTICATED, details: 'the Control API requires an operator token (fedcredit run --credentials <operator dir>, whose token the roster lists)' };
  }
  const digest = createHash('sha256').update(token, 'utf8').digest();
  const op = roster.operators.find((o) => timingSafeEqual(Buffer.from(o.tokenSha256, 'hex'), digest));
  if (!op) return { code: grpc.status.UNAUTHENTICATED, details: 'the operator token is not listed in the coordinator\'s roster' };
  const cn = peerCommonName(call as Parameters<typeof peerCommonName>[0]);
  if (cn !== undefined && cn !== op.name) {
    return { code: grpc.status.PERMISSION_DENIED, details: `the TLS client certificate was issued to "${cn}", not to operator "${op.name}"` };
  }
  return { operator: op.name };
}

const operators = new WeakMap<object, string>();

/** The operator a Control call was authenticated as by {@link guardControl}; undefined without a roster. */
export function operatorOf(call: object): string | undefined {
  return operators.get(call);
}

/** Wraps the Control handlers so that each call is checked first (no-op without a roster). */
export function guardControl(h: ControlHandlers, roster: Roster | undefined, log: Logger): ControlHandlers {
  if (!roster) return h;
  const refuse = (method: string, call: AnyCall) => {
    const r = checkOperator(roster, call);
    if ('code' in r) {
      log.warn('Control call refused', { method, reason: r.details });
      return { code: r.code, details: clipText(r.details), metadata: new grpc.Metadata() };
    }
    log.debug('Control call', { method, operator: r.operator });
    operators.set(call, r.operator);
    return null;
  };
  return {
    SubmitJob: (call, cb) => {
      const r = refuse('SubmitJob', call);
      return r ? cb(r) : h.SubmitJob(call, cb);
    },
    GetJobStatus: (call, cb) => {
      const r = refuse('GetJobStatus', call);
      return r ? cb(r) : h.GetJobStatus(call, cb);
    },
    ListParticipants: (call, cb) => {
      const r = refuse('ListParticipants', call);
      return r ? cb(r) : h.ListParticipants(call, cb);
    },
    ListJobs: (call, cb) => {
      const r = refuse('ListJobs', call);
      return r ? cb(r) : h.ListJobs(call, cb);
    },
    CancelJob: (call, cb) => {
      const r = refuse('CancelJob', call);
      return r ? cb(r) : h.CancelJob(call, cb);
    },
    WatchJob: (call) => {
      const r = refuse('WatchJob', call);
      return r ? failStream(call, r) : h.WatchJob(call);
    },
    FetchModel: (call) => {
      const r = refuse('FetchModel', call);
      return r ? failStream(call, r) : h.FetchModel(call);
    },
  };
}
