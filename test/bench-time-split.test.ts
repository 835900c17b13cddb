/**
 * The benchmark's "where a round's time goes" table puts each profiler sample in one category by
 * its call stack (bench/time-split.ts). These stacks are shaped like the ones V8 records for the
 * benchmark's jobs (URLs as tsx loads the sources), so a change of file layout that breaks the
 * attribution shows here rather than as a silently wrong table.
 */
import { describe, expect, it } from 'vitest';
import { type CpuProfile, categoryOf, splitProfile } from '../bench/time-split.ts';

const src = (file: string, functionName = '') => ({ url: `file:///repo/${file}`, functionName });
const node = (file: string, functionName: string) => ({ url: `node:${file}`, functionName });

describe('bench time split', () => {
  it('attributes stacks to the part of the system that spends the time', () => {
    const cases: [ReturnType<typeof src>[], string][] = [
      [[{ url: '', functionName: '(garbage collector)' }], 'garbage collection'],
      [[{ url: '', functionName: '(idle)' }], 'event loop outside JavaScript (native TLS and socket work, and waiting)'],
      [[{ url: 'wasm://wasm/0019ea4a', functionName: 'wasm-function[268]' }, src('node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.node.js', 'ccall'), src('participant/trainer/train.ts', 'trainLocal')], 'local model computation (tfjs)'],
      [[node('internal/crypto/sig', 'verifyOneShot'), src('core/secagg/protocol/advert.ts', 'verify'), src('trust/signing.ts', 'verifyRequest'), src('coordinator/fleet-auth.ts', 'message')], 'Ed25519: Fleet message signatures (with payload digests)'],
      [[node('internal/crypto/hash', 'update'), src('trust/signing.ts', 'feed'), src('participant/node.ts', 'signed')], 'Ed25519: Fleet message signatures (with payload digests)'],
      [[node('internal/crypto/sig', 'verifyOneShot'), src('core/secagg/protocol/advert.ts', 'verify'), src('core/secagg/protocol/advert.ts', 'advertProblem'), src('core/secagg/protocol/client.ts', 'graphRevealed'), src('participant/secagg-mod.ts')], 'Ed25519: secure-sum adverts and consistency check'],
      [[node('internal/crypto/cipher', 'update'), src('core/secagg/prg.ts', 'next'), src('core/secagg/mask.ts', 'applyMask'), src('core/secagg/protocol/client.ts', 'maskInput'), src('participant/secagg-mod.ts')], 'secure-sum protocol, participants (PRG masks, X25519, HKDF, Shamir, secretbox)'],
      [[node('internal/crypto/cipher', 'update'), src('core/secagg/prg.ts', 'next'), src('core/secagg/protocol/server-unmask.ts', 'unmaskSum'), src('core/secagg/protocol/server.ts', 'serverStep'), src('core/round/secure-sum.ts', 'step'), src('coordinator/jobs.ts')], 'secure-sum protocol, coordinator (unmasking, sums)'],
      [[src('node_modules/@grpc/grpc-js/build/src/server.js', 'onReceiveHalfClose')], 'gRPC, HTTP/2 and TLS'],
      [[node('internal/http2/core', 'respond')], 'gRPC, HTTP/2 and TLS'],
      [[src('node_modules/zod/v4/core/schemas.js', 'run'), src('proto/secagg-wire.ts', 'secaggStepFromWire'), src('participant/task-parse.ts', 'parseTask')], 'message encoding and validation (protobuf, zod)'],
      [[src('coordinator/fleet-tasks.ts', 'open'), src('node_modules/@grpc/grpc-js/build/src/server.js', 'x')], 'other (coordinator bookkeeping, handler chains, runtime)'],
    ];
    for (const [frames, category] of cases) expect(categoryOf(frames), frames.map((f) => f.functionName).join(' < ')).toBe(category);
  });

  it('adds up the sampled time per category', () => {
    // root → grpc → (tfjs leaf, gc); deltas in µs.
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: { url: '', functionName: '(root)' }, children: [2, 4] },
        { id: 2, callFrame: src('node_modules/@grpc/grpc-js/build/src/server.js', 'handle'), children: [3] },
        { id: 3, callFrame: src('node_modules/@tensorflow/tfjs-core/dist/tf-core.node.js', 'matMul') },
        { id: 4, callFrame: { url: '', functionName: '(garbage collector)' } },
      ],
      samples: [3, 3, 4, 2, 3],
      timeDeltas: [1000, 2000, 500, 250, 1000],
    };
    const split = splitProfile(profile);
    expect(split['local model computation (tfjs)']).toBeCloseTo(0.004, 9);
    expect(split['garbage collection']).toBeCloseTo(0.0005, 9);
    expect(split['gRPC, HTTP/2 and TLS']).toBeCloseTo(0.00025, 9);
    expect(Object.values(split).reduce((a, b) => a + b, 0)).toBeCloseTo(0.00475, 9);
  });
});
