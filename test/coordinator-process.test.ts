/**
 * The coordinator processes of test/coordinator-process.ts, as the round benchmark uses them: a
 * real `fedcredit coordinator` that listens where it says, answers the Control API, reports its
 * memory and CPU time, and is gone after stop; one that cannot start fails with its own error
 * message rather than a timeout.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ControlClient } from '../client/control-client.ts';
import { processCpuSeconds, processRss, startCoordinatorProcess, stopCoordinatorProcess } from './coordinator-process.ts';

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

describe('coordinator process', () => {
  it('starts fedcredit coordinator, reports its address, memory and CPU time, and stops it', async () => {
    const c = await startCoordinatorProcess(0, path.join(dir, 'state'), [], { host: '127.0.0.1', heartbeatTimeoutMs: 10_000 });
    const pid = c.child.pid!;
    try {
      expect(c.address).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(pid).not.toBe(process.pid);
      const control = new ControlClient(c.address, {});
      try {
        expect(await control.participants()).toEqual([]);
      } finally {
        control.close();
      }
      if (process.platform === 'linux') {
        expect(processRss(pid)).toBeGreaterThan(10 * 2 ** 20);
        expect(processCpuSeconds(pid)).toBeGreaterThan(0);
      }
    } finally {
      await stopCoordinatorProcess(c);
    }
    expect(alive(pid)).toBe(false);
    expect(processRss(pid)).toBeUndefined();
    await stopCoordinatorProcess(c); // a second stop is a no-op
  });

  it('fails with the process\'s own message when the coordinator cannot start', async () => {
    const file = path.join(dir, 'not-a-directory');
    writeFileSync(file, 'x');
    await expect(startCoordinatorProcess(0, path.join(file, 'state'))).rejects.toThrow(/coordinator exited \(\d+\) before printing .*(ENOTDIR|not a directory)/s);
  });

  it('refuses a heartbeat interval that is not below the heartbeat timeout, naming both flags', async () => {
    await expect(startCoordinatorProcess(0, path.join(dir, 'interval'), ['--heartbeat-interval-ms', '3000'])).rejects.toThrow(
      /--heartbeat-interval-ms must be positive and below --heartbeat-timeout-ms \(3000\), got 3000/,
    );
  });
});
