/**
 * The round benchmark's coordinators run as `fedcredit coordinator` processes of their own
 * (bench/coordinator-process.ts). A real process: it listens where it says, answers the Control
 * API, reports its memory and CPU time, and is gone after stop; one that cannot start fails with
 * its own error message rather than a timeout.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCoordinatorProcess } from '../bench/coordinator-process.ts';
import { ControlClient } from '../client/control-client.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'fedcredit-coordinator-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('bench coordinator process', () => {
  it('starts fedcredit coordinator, reports its address, memory and CPU time, and stops it', async () => {
    const c = await startCoordinatorProcess({ host: '127.0.0.1', port: 0, stateDir: path.join(dir, 'state'), heartbeatTimeoutMs: 10_000 });
    try {
      expect(c.address).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(c.pid).not.toBe(process.pid);
      const control = new ControlClient(c.address, {});
      try {
        expect(await control.participants()).toEqual([]);
      } finally {
        control.close();
      }
      if (process.platform === 'linux') {
        expect(c.rss()).toBeGreaterThan(10 * 2 ** 20);
        expect(c.cpuSeconds()).toBeGreaterThan(0);
      }
    } finally {
      await c.stop();
    }
    expect(alive(c.pid)).toBe(false);
    await c.stop(); // a second stop is a no-op
  });

  it('fails with the process\'s own message when the coordinator cannot start', async () => {
    const file = path.join(dir, 'not-a-directory');
    writeFileSync(file, 'x');
    await expect(startCoordinatorProcess({ host: '127.0.0.1', port: 0, stateDir: path.join(file, 'state'), heartbeatTimeoutMs: 10_000 })).rejects.toThrow(
      /coordinator process exited \(code [1-9]\d*\) before listening; its stderr: .*(ENOTDIR|not a directory)/s,
    );
  });
});
