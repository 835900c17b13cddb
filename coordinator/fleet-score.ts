/**
 * The Fleet's Score call: a trained vertical job's label holder asks for its applicants' scores.
 * The caller must be that job's label holder (by session, and by signature with a roster); the
 * request is relayed to the feature parties as a score-part step and their sealed parts go back
 * (core/vertical/score-stage.ts). Only the count of applicants and the timing are logged.
 */
import * as grpc from '@grpc/grpc-js';
import type { Envelope } from '../core/vertical/messages.ts';
import { runScoreStage } from '../core/vertical/score-stage.ts';
import { envelopesFromWire } from '../proto/vertical-wire.ts';
import type { FleetHandlers } from '../proto/generated/fedcredit/v1/Fleet.ts';
import { clipText } from '../proto/limits.ts';
import { peerCommonName } from '../trust/tls.ts';
import type { Logger } from '../platform/log.ts';
import type { FleetAuth } from './fleet-auth.ts';
import type { FleetGrid } from './fleet-grid.ts';
import type { VerticalJobRecord } from './vertical-jobs.ts';

const fail = (code: grpc.status, details: string): Partial<grpc.StatusObject> => ({ code, details: clipText(details) });

/** The Score handler; `findJob` looks a vertical job up by id. */
export function scoreHandler(grid: FleetGrid, log: Logger, auth: FleetAuth, findJob: (id: string) => VerticalJobRecord | undefined): FleetHandlers['Score'] {
  return (call, cb) => {
    const req = call.request;
    const e = grid.touch(req.session ?? '');
    if (!e) return cb(fail(grpc.status.UNAUTHENTICATED, 'Score: unknown or expired session; call Hello again'));
    const bad = auth.message(e, 'Score', req.auth, peerCommonName(call), req);
    if (bad) return cb(fail(bad.code, bad.details));
    if (!/^[\w.-]{1,64}$/.test(req.requestId ?? '')) return cb(fail(grpc.status.INVALID_ARGUMENT, 'Score: request_id must be 1 to 64 letters, digits, "_", "." or "-"'));
    const deadline = req.deadlineMs ?? 0;
    if (deadline < 100 || deadline > 60_000) return cb(fail(grpc.status.INVALID_ARGUMENT, `Score: deadline_ms must be from 100 to 60000, got ${deadline}`));
    let rec: VerticalJobRecord | undefined;
    try {
      rec = findJob(req.jobId ?? '');
    } catch (err) {
      return cb(fail(grpc.status.DATA_LOSS, `Score: job ${req.jobId} is stored but cannot be read: ${(err as Error).message}`));
    }
    if (!rec) return cb(fail(grpc.status.NOT_FOUND, `Score: no vertical job with id ${JSON.stringify(req.jobId)}`));
    if (rec.state !== 'SUCCEEDED') return cb(fail(grpc.status.FAILED_PRECONDITION, `Score: job ${rec.id} is ${rec.state}; only a trained job scores`));
    if (rec.job.labelHolder !== e.name) return cb(fail(grpc.status.PERMISSION_DENIED, `Score: only the label holder of job ${rec.id} (${rec.job.labelHolder}) may ask for scores, not ${e.name}`));
    let envelopes: Envelope[];
    try {
      envelopes = envelopesFromWire(req.envelopes ?? [], 'Score');
    } catch (err) {
      return cb(fail(grpc.status.INVALID_ARGUMENT, (err as Error).message));
    }
    const started = Date.now();
    runScoreStage(grid, rec.id, rec.job, req.requestId, envelopes, deadline).then(
      (r) => {
        log.debug('score request served', { job: rec.id, parties: rec.job.featureParties.length, failures: r.failures.length, ms: Date.now() - started });
        cb(null, {
          envelopes: r.envelopes.map((x) => ({ peer: x.peer, data: Buffer.from(x.data) })),
          failures: r.failures.map((f) => ({ participant: f.participant, stage: 'score-part', reason: f.reason })),
        });
      },
      (err: Error) => cb(fail(grpc.status.INTERNAL, `Score: ${err.message}`)),
    );
  };
}
