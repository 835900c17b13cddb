/**
 * Every gRPC status the coordinator sends carries details that UTF-8 can encode, over real gRPC
 * against an in-process coordinator. A detail that quotes the input — a JSON parser's excerpt of
 * a job that starts with emoji, an unknown key, a tensor name — used to be cut between the two
 * halves of a surrogate pair: grpc-js cannot encode a lone surrogate and sent UNKNOWN "Unknown
 * error" instead of the INVALID_ARGUMENT that says what is wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import path from 'node:path';
import { startCoordinator } from '../coordinator/server.ts';
import type { CoordinatorHandle } from '../coordinator/server.ts';
import { channelOptions, loadProto } from '../proto/load.ts';
import type { ControlClient } from '../proto/generated/fedcredit/v1/Control.ts';
import { float64Tensor } from '../proto/tensor.ts';
import { MAX_STATUS_DETAILS } from '../proto/limits.ts';
import { ManualNode } from './manual-node.ts';
import { tempDir } from './helpers.ts';

const COIN = '\u{1F4B0}';
/** True when `s` survives UTF-8 unchanged: no lone surrogate. */
const wellFormed = (s: string) => Buffer.from(s, 'utf8').toString('utf8') === s;

describe('status details are valid UTF-16 on every service', () => {
  const tmp = tempDir('status-details');
  let coord: CoordinatorHandle;
  let control: ControlClient;

  beforeAll(async () => {
    coord = await startCoordinator({ port: 0, stateDir: path.join(tmp.dir, 'state'), logLevel: 'silent' });
    control = new (loadProto().fedcredit.v1.Control)(coord.address, grpc.credentials.createInsecure(), channelOptions());
  });
  afterAll(async () => {
    control.close();
    await coord.stop();
    tmp.cleanup();
  });

  const submit = (jobJson: string, schemaJson: string) =>
    new Promise<grpc.ServiceError>((resolve, reject) =>
      control.submitJob({ jobJson, schemaJson }, { deadline: Date.now() + 10_000 }, (err) => (err ? resolve(err) : reject(new Error('the submission was accepted')))),
    );

  it('SubmitJob: job_json or schema_json starting with astral-plane characters is INVALID_ARGUMENT with a readable detail', async () => {
    const text = COIN.repeat(30) + '{';
    const cases: [string, string, string][] = [[text, '{}', 'job_json'], ['{}', text, 'schema_json']];
    for (const [jobJson, schemaJson, field] of cases) {
      const err = await submit(jobJson, schemaJson);
      expect(err.code, err.details).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toContain(`SubmitJob: ${field} is not valid JSON`);
      expect(wellFormed(err.details)).toBe(true);
    }
  });

  it('SubmitJob: a detail quoting a long astral-plane key is cut on a code-point boundary', async () => {
    for (const pad of [0, 1]) {
      // An odd or even number of code units before the key moves the cut across the pairs.
      const err = await submit(JSON.stringify({ name: 'x', ['k'.repeat(pad) + COIN.repeat(1500)]: 1 }), '{}');
      expect(err.code, err.details).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toMatch(/^job: .*\u{1F4B0}{10}/u);
      expect(err.details).toMatch(/more characters\)$/);
      expect(err.details.length).toBeLessThanOrEqual(MAX_STATUS_DETAILS);
      expect(wellFormed(err.details)).toBe(true);
    }
  });

  it('Fleet PushResult: a tensor named with astral-plane characters is refused by name, no pair split', async () => {
    const node = new ManualNode(coord.address, 'bank-a');
    try {
      expect((await node.hello()).ok).toBe(true);
      const name = 'x' + COIN.repeat(40);
      const r = await node.call('pushResult', { session: node.session, taskId: 'no-task', contribution: { vectors: [float64Tensor(name, Float64Array.of(NaN))] } });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.code, r.details).toBe(grpc.status.INVALID_ARGUMENT);
      expect(r.details).toMatch(/^PushResult from bank-a: tensor "x\u{1F4B0}+…": element 0 is NaN/u);
      expect(r.details).not.toMatch(/\\ud83d/i); // no escaped half of a pair
      expect(wellFormed(r.details)).toBe(true);
    } finally {
      node.close();
    }
  });
});
