/**
 * Carried key-setup steps on the wire (proto/ahead-wire.ts): what the coordinator sends in
 * Task.ahead and a participant answers in PushResultRequest.ahead survives protobuf both ways,
 * and only key-setup messages pass (that a signed reply with answers hashes alike before and after
 * the wire is in trust/signing.test.ts).
 */
import * as protoLoader from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import type { AheadAnswer, SecAggTask } from '../core/round/secure-messages.ts';
import { testConfig } from '../test/support/secagg-protocol.ts';
import type { AheadReply__Output } from './generated/fedcredit/v1/AheadReply.ts';
import type { SecAggStep__Output } from './generated/fedcredit/v1/SecAggStep.ts';
import { aheadAnswersFromWire, aheadAnswersToWire, aheadStepsFromWire, MAX_AHEAD } from './ahead-wire.ts';
import { PROTO_PATH } from './load.ts';
import { secaggStepToWire } from './secagg-wire.ts';

const def = protoLoader.loadSync(PROTO_PATH, { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true });
const fleet = def['fedcredit.v1.Fleet'] as protoLoader.ServiceDefinition;
const IDS = ['alice', 'bob', 'carol'];
const later = (round: number) => ({ ...testConfig(IDS, 2, { authenticated: true }), round, run: `job/train/${round}/0.${round}` });

function stepsOverTheWire(steps: SecAggTask[]): SecAggStep__Output[] {
  const bytes = fleet.PullTask!.responseSerialize({ hasTask: true, task: { taskId: 't', ahead: steps.map(secaggStepToWire) } });
  return (fleet.PullTask!.responseDeserialize(bytes) as { task: { ahead: SecAggStep__Output[] } }).task.ahead;
}

function replyOverTheWire(request: Record<string, unknown>): Record<string, unknown> & { ahead: AheadReply__Output[] } {
  return fleet.PushResult!.requestDeserialize(fleet.PushResult!.requestSerialize(request)) as Record<string, unknown> & { ahead: AheadReply__Output[] };
}

describe('carried key-setup steps on the wire', () => {
  it('carries begin steps of later sums, each with its own configuration, and refuses any other step', () => {
    const steps: SecAggTask[] = [2, 3].map((r) => ({ config: later(r), message: { type: 'begin' } }));
    const back = aheadStepsFromWire(stepsOverTheWire(steps), 'bob');
    expect(back.map((s) => [s.config.round, s.config.run, s.message.type])).toEqual([
      [2, 'job/train/2/0.2', 'begin'],
      [3, 'job/train/3/0.3', 'begin'],
    ]);
    const unmask: SecAggTask = { config: later(2), message: { type: 'unmask-request', survivors: IDS, dropped: [] } };
    expect(() => aheadStepsFromWire(stepsOverTheWire([unmask]), 'bob')).toThrow(/"unmask-request" step cannot be carried/);
    const many = Array.from({ length: MAX_AHEAD + 1 }, (_, i) => ({ config: later(i + 2), message: { type: 'begin' as const } }));
    expect(() => aheadStepsFromWire(stepsOverTheWire(many), 'bob')).toThrow(`at most ${MAX_AHEAD}`);
  });

  it('brings back answers and refusals, names the sender, and rejects a masked input or an empty answer', () => {
    const answers: AheadAnswer[] = [
      { run: 'job/train/2/0.2', secagg: { type: 'advertise-keys', from: 'bob', cPk: new Uint8Array(32).fill(1), sPk: new Uint8Array(32).fill(2), signature: new Uint8Array(64).fill(3) } },
      { run: 'job/train/3/0.3', refusal: 'attempt cap reached [secagg_refused]' },
    ];
    const decoded = replyOverTheWire({ session: 's', taskId: 't', ahead: aheadAnswersToWire(answers) });
    const back = aheadAnswersFromWire(decoded.ahead, 'bob');
    expect(back[0]).toEqual({ run: 'job/train/2/0.2', secagg: { type: 'advertise-keys', from: 'bob', cPk: new Uint8Array(32).fill(1), sPk: new Uint8Array(32).fill(2), signature: new Uint8Array(64).fill(3) } });
    expect(back[1]).toEqual(answers[1]);
    const masked = replyOverTheWire({ session: 's', taskId: 't', ahead: [{ run: 'r', secagg: { message: 'masked-input' } }] });
    expect(() => aheadAnswersFromWire(masked.ahead, 'bob')).toThrow(/"masked-input" reply cannot answer a carried step/);
    const empty = replyOverTheWire({ session: 's', taskId: 't', ahead: [{ run: 'r' }] });
    expect(() => aheadAnswersFromWire(empty.ahead, 'bob')).toThrow(/neither a secure-aggregation reply nor a refusal/);
  });
});
