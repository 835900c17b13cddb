/**
 * What the `fedcredit` command loads to start: declaring its commands must not load the training
 * and network stack (tfjs, gRPC, PostgreSQL, ONNX, pino), so the offline commands — help, the
 * privacy calculator, certificates — start in a fraction of the time. Each command imports what it
 * runs on when it runs. Checked on the real CLI: a preloaded script lists every CommonJS module
 * the process loaded (the heavy packages are all CommonJS) when it exits.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, tempDir } from './helpers.ts';

const tmp = tempDir('fedcredit-cli-startup-');
afterAll(() => tmp.cleanup());

const HOOK = path.join(tmp.dir, 'loaded-modules.cjs');
writeFileSync(HOOK, `process.on('exit', () => require('node:fs').writeFileSync(process.env.LOADED_OUT, Object.keys(require.cache).join('\\n')));\n`);

const HEAVY = /node_modules\/(@tensorflow\/[^/]+|@grpc\/[^/]+|pg|pg-cursor|onnx-proto|pino|pino-pretty|chart\.js)\//;

/** Runs the CLI with `args`; resolves with its exit code and the heavy packages it loaded. */
function loadedBy(args: string[], name: string): Promise<{ code: number | null; heavy: string[] }> {
  const out = path.join(tmp.dir, `${name}.txt`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', HOOK, BIN, ...args], { stdio: 'ignore', env: { ...process.env, LOADED_OUT: out } });
    child.on('close', (code) => {
      const heavy = new Set(readFileSync(out, 'utf8').split('\n').map((f) => HEAVY.exec(f)?.[1]).filter((p): p is string => p !== undefined));
      resolve({ code, heavy: [...heavy].sort() });
    });
  });
}

describe.concurrent('fedcredit start-up', () => {
  it('help and the offline commands load no training or network library', async () => {
    const runs = await Promise.all([
      loadedBy(['--help'], 'help'),
      loadedBy(['privacy', 'epsilon', '--noise-multiplier', '1.1', '--sample-rate', '0.01', '--steps', '100', '--delta', '1e-5'], 'privacy'),
      loadedBy(['certs', '--help'], 'certs-help'),
      loadedBy(['participant', '--help'], 'participant-help'),
    ]);
    for (const r of runs) expect(r).toEqual({ code: 0, heavy: [] });
  });

  it('a command that talks to a coordinator loads gRPC when it runs (the check sees what is loaded)', async () => {
    // Nothing listens on port 1: the call fails, after gRPC was loaded to make it.
    const r = await loadedBy(['jobs', '--coordinator', '127.0.0.1:1', '--insecure'], 'jobs');
    expect(r.code).toBe(2);
    expect(r.heavy).toContain('@grpc/grpc-js');
    expect(r.heavy).not.toContain('@tensorflow/tfjs');
  });
});
